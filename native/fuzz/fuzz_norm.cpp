// libFuzzer target: the multi-tensor norm family (norms for p = 1, 2, Inf and any p > 0, the fused
// statistics, scale, clamp) over lists of random counts, sizes, alignments and values (NaN, +-Inf,
// subnormals, FLT_MAX, squares that overflow float32). Each SIMD ISA must agree with the scalar
// reference: norms within float64 round-off (and NaN/Inf exactly), max |x|, non-finite counts and
// the first non-finite tensor exactly, scale and clamp bit for bit (NaN payloads aside); one ISA gives bit-identical
// results on 1 and 2 threads; the scalar L2 norm matches a long double sum.
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "fuzz/fuzz_util.h"
#include "kernels/norm/multi_tensor.h"

using namespace gradguard;
using namespace gradguard::kernels;
using gradguard::fuzz::Buffer;

namespace {

std::vector<Buffer> copy_of(const std::vector<Buffer>& src) {
  std::vector<Buffer> out;
  for (const Buffer& b : src) {
    out.emplace_back(b.size, (reinterpret_cast<uintptr_t>(b.data) / sizeof(float)) & 15);
    if (b.size) std::memcpy(out.back().data, b.data, b.size * sizeof(float));
  }
  return out;
}

std::vector<Span> spans_of(std::vector<Buffer>& b) {
  std::vector<Span> s;
  for (auto& x : b) s.push_back({x.data, x.size});
  return s;
}

void same_bits(const std::vector<Buffer>& a, const std::vector<Buffer>& b, const char* what,
               const char* isa) {
  for (size_t t = 0; t < a.size(); ++t) {
    for (size_t i = 0; i < a[t].size; ++i) {
      // Bit for bit, except NaN payloads: x86 keeps the first operand's, and SIMD code may order
      // the operands of x * s differently from the scalar loop (IEEE 754 leaves it open).
      const float x = a[t].data[i], y = b[t].data[i];
      if (!fuzz::bits_equal(x, y) && !(std::isnan(x) && std::isnan(y))) fuzz::fail(what, isa, x, y);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t len) {
  FuzzedDataProvider in(bytes, len);
  const size_t count = in.ConsumeIntegralInRange<size_t>(0, 9);
  std::vector<Buffer> bufs;
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) {
    // Mostly short tensors (every SIMD tail), sometimes past one or two 16 Ki reduction chunks.
    size_t n;
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
      case 0: n = 0; break;
      case 1: n = in.ConsumeIntegralInRange<size_t>(kChunk - 40, 2 * kChunk + 40); break;
      case 2: n = in.ConsumeIntegralInRange<size_t>(64, 2000); break;
      default: n = in.ConsumeIntegralInRange<size_t>(1, 80); break;
    }
    if (total + n > 3 * kChunk) n = 0;
    total += n;
    bufs.emplace_back(n, in.ConsumeIntegralInRange<size_t>(0, 15));
    // Fill: a few fuzzed values repeated with fuzzed runs, so big tensors need few input bytes.
    const float base = fuzz::special_or_plain(in);
    for (size_t i = 0; i < n; ++i) bufs.back().data[i] = base * (1.f + 0.001f * float(i % 97));
    const size_t edits = in.ConsumeIntegralInRange<size_t>(0, 24);
    for (size_t e = 0; e < edits && n > 0; ++e) {
      const size_t at = in.ConsumeIntegralInRange<size_t>(0, n - 1);
      const size_t run = in.ConsumeIntegralInRange<size_t>(1, 33);
      const float v = fuzz::special_or_plain(in);
      for (size_t i = at; i < n && i < at + run; ++i) bufs.back().data[i] = v;
    }
  }
  double p;
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: p = 1.0; break;
    case 1: p = INFINITY; break;
    case 2: p = in.ConsumeFloatingPointInRange<double>(0.05, 12.0); break;
    default: p = 2.0; break;
  }
  const float s = fuzz::special_or_plain(in);
  float lo = fuzz::special_or_plain(in, false), hi = fuzz::special_or_plain(in, false);
  if (lo > hi) std::swap(lo, hi);

  std::vector<Span> spans = spans_of(bufs);
  const int saved = num_threads();
  set_num_threads(1);

  // The reference (scalar, one thread).
  std::vector<double> ref_pt(count + 1), pt(count + 1);
  const double ref_norm = multi_tensor_norm(Isa::kScalar, spans.data(), count, p, ref_pt.data());
  std::vector<double> ref_spt(count + 1), spt(count + 1);
  const GradStats ref_st = multi_tensor_stats(Isa::kScalar, spans.data(), count, ref_spt.data());
  std::vector<Buffer> ref_scaled = copy_of(bufs), ref_clamped = copy_of(bufs);
  {
    auto sp = spans_of(ref_scaled);
    multi_tensor_scale(Isa::kScalar, sp.data(), count, s);
    auto cp = spans_of(ref_clamped);
    multi_tensor_clamp(Isa::kScalar, cp.data(), count, lo, hi);
  }

  // The reference against a plain long double sum (float64 accumulation, as documented).
  {
    long double sum = 0;
    bool nan = false;
    for (auto& b : bufs) {
      for (size_t i = 0; i < b.size; ++i) {
        nan |= std::isnan(b.data[i]);
        sum += static_cast<long double>(b.data[i]) * b.data[i];
      }
    }
    const double want = nan ? NAN : std::sqrt(static_cast<double>(sum));
    FUZZ_CHECK(fuzz::close(ref_st.total_norm, want, 1e-12, 0), "scalar stats L2 vs long double", "scalar",
               ref_st.total_norm, want);
  }

  // The reference on 2 threads: bit-identical.
  set_num_threads(2);
  {
    const double n2 = multi_tensor_norm(Isa::kScalar, spans.data(), count, p, nullptr);
    FUZZ_CHECK(std::memcmp(&n2, &ref_norm, sizeof n2) == 0 || (std::isnan(n2) && std::isnan(ref_norm)),
               "norm on 2 threads vs 1", "scalar", n2, ref_norm);
  }

  for (Isa isa : fuzz::simd_isas()) {
    const char* name = isa_name(isa);
    for (int threads = 1; threads <= 2; ++threads) {
      set_num_threads(threads);
      const double norm = multi_tensor_norm(isa, spans.data(), count, p, pt.data());
      FUZZ_CHECK(fuzz::close(norm, ref_norm, 1e-10, 0), "total norm", name, norm, ref_norm);
      for (size_t t = 0; t < count; ++t) {
        FUZZ_CHECK(fuzz::close(pt[t], ref_pt[t], 1e-10, 0), "per-tensor norm", name, pt[t], ref_pt[t]);
      }
      const GradStats st = multi_tensor_stats(isa, spans.data(), count, spt.data());
      FUZZ_CHECK(fuzz::close(st.total_norm, ref_st.total_norm, 1e-10, 0), "stats L2", name, st.total_norm,
                 ref_st.total_norm);
      FUZZ_CHECK(fuzz::bits_equal(st.max_abs, ref_st.max_abs) ||
                     (std::isnan(st.max_abs) && std::isnan(ref_st.max_abs)),
                 "stats max |x|", name, st.max_abs, ref_st.max_abs);
      FUZZ_CHECK(st.nonfinite == ref_st.nonfinite, "stats non-finite count", name, double(st.nonfinite),
                 double(ref_st.nonfinite));
      FUZZ_CHECK(st.first_nonfinite == ref_st.first_nonfinite, "stats first non-finite", name,
                 double(st.first_nonfinite), double(ref_st.first_nonfinite));
      for (size_t t = 0; t < count; ++t) {
        FUZZ_CHECK(fuzz::close(spt[t], ref_spt[t], 1e-10, 0), "stats per-tensor L2", name, spt[t], ref_spt[t]);
      }
      std::vector<Buffer> scaled = copy_of(bufs), clamped = copy_of(bufs);
      auto sp = spans_of(scaled);
      multi_tensor_scale(isa, sp.data(), count, s);
      same_bits(scaled, ref_scaled, "scale", name);
      auto cp = spans_of(clamped);
      multi_tensor_clamp(isa, cp.data(), count, lo, hi);
      same_bits(clamped, ref_clamped, "clamp", name);
    }
  }
  // clip_coefficient: never above 1, NaN stays NaN, and finite for a finite norm.
  const double coef = clip_coefficient(1.0, ref_norm);
  FUZZ_CHECK(std::isnan(ref_norm) ? std::isnan(coef) : coef <= 1.0 && coef >= 0.0, "clip coefficient",
             "scalar", coef, ref_norm);
  set_num_threads(saved);
  return 0;
}
