// libFuzzer target: sgemm and the packed-B path over random shapes (0..~80 per dimension, past the
// micro-tile and cache-block edges), transposes, leading dimensions (exact or padded, sometimes too
// small), alpha/beta (0, 1, -1, NaN, any) and alignments. Operands are exactly as long as their
// shapes need (ASan sees any read or write past them). Checks, per ISA: a too-small leading
// dimension is kInvalidArgument and writes nothing; padding columns of C are never written;
// beta == 0 never reads C (C is filled with NaN); the result agrees with the scalar triple loop
// within float32 round-off of |alpha| * sum |a||b| + |beta c|; sgemm_packed == sgemm bit for bit;
// sgemm_sumsq == sgemm bit for bit, and its sum of squares is a float64 sum over C within 1e-12.
#include <cmath>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "kernels/gemm/gemm.h"

using namespace gradguard;
using namespace gradguard::kernels;
using gradguard::fuzz::Buffer;

namespace {

// Floats a row-major [rows x cols] operand with leading dimension ld occupies.
size_t extent(size_t rows, size_t cols, size_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

float pick_scalar(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 6)) {
    case 0: return 0.f;
    case 1: return 1.f;
    case 2: return -1.f;
    case 3: return in.ConsumeBool() ? NAN : INFINITY;
    default: return in.ConsumeFloatingPointInRange<float>(-3.f, 3.f);
  }
}

size_t pick_dim(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 9)) {
    case 0: return 0;
    case 1: return in.ConsumeIntegralInRange<size_t>(60, 300);  // past the micro-tile / kc block edges
    default: return in.ConsumeIntegralInRange<size_t>(1, 40);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t len) {
  FuzzedDataProvider in(bytes, len);
  const bool ta = in.ConsumeBool(), tb = in.ConsumeBool();
  const size_t m = pick_dim(in), n = pick_dim(in), k = pick_dim(in);
  if (m * n * k > 400000) return 0;  // keep one execution fast
  const size_t a_rows = ta ? k : m, a_cols = ta ? m : k;
  const size_t b_rows = tb ? n : k, b_cols = tb ? k : n;
  // Leading dimensions: usually exact or padded; 1 in 16 one too small (must be refused).
  const bool too_small = in.ConsumeIntegralInRange<int>(0, 15) == 0;
  const int which_small = in.ConsumeIntegralInRange<int>(0, 2);
  size_t lda = a_cols + in.ConsumeIntegralInRange<size_t>(0, 5);
  size_t ldb = b_cols + in.ConsumeIntegralInRange<size_t>(0, 5);
  size_t ldc = n + in.ConsumeIntegralInRange<size_t>(0, 5);
  bool invalid = false;
  if (too_small) {
    size_t* ld = which_small == 0 ? &lda : which_small == 1 ? &ldb : &ldc;
    const size_t need = which_small == 0 ? a_cols : which_small == 1 ? b_cols : n;
    if (need > 0) {
      *ld = need - 1;
      invalid = m > 0 && n > 0;
    }
  }
  const float alpha = pick_scalar(in), beta = pick_scalar(in);
  const bool finite = std::isfinite(alpha) && std::isfinite(beta);

  Buffer a(invalid ? a_rows * a_cols : extent(a_rows, a_cols, lda), in.ConsumeIntegralInRange<size_t>(0, 15));
  Buffer b(invalid ? b_rows * b_cols : extent(b_rows, b_cols, ldb), in.ConsumeIntegralInRange<size_t>(0, 15));
  const size_t c_len = invalid ? m * n : extent(m, n, ldc);
  for (size_t i = 0; i < a.size; ++i) a.data[i] = in.ConsumeFloatingPointInRange<float>(-2.f, 2.f);
  for (size_t i = 0; i < b.size; ++i) b.data[i] = in.ConsumeFloatingPointInRange<float>(-2.f, 2.f);
  std::vector<float> c0(c_len);
  for (size_t i = 0; i < c_len; ++i) c0[i] = beta == 0.f ? NAN : in.ConsumeFloatingPointInRange<float>(-2.f, 2.f);
  const size_t c_misalign = in.ConsumeIntegralInRange<size_t>(0, 15);

  // The reference and an error bound per element.
  std::vector<float> ref(c0);
  std::vector<double> bound(c_len, 0.0);
  if (!invalid && m > 0 && n > 0) {
    scalar::sgemm_ref_f32__scalar(ta, tb, m, n, k, alpha, a.data, lda, b.data, ldb, beta, ref.data(), ldc);
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = 0; j < n; ++j) {
        double s = 0;
        for (size_t p = 0; p < k; ++p) {
          const float av = ta ? a.data[p * lda + i] : a.data[i * lda + p];
          const float bv = tb ? b.data[j * ldb + p] : b.data[p * ldb + j];
          s += std::fabs(double(av) * bv);
        }
        const double cterm = beta == 0.f ? 0.0 : std::fabs(double(beta) * c0[i * ldc + j]);
        bound[i * ldc + j] = (2.0 * (k + 2) * FLT_EPSILON) * (std::fabs(alpha) * s + cterm) + 1e-30;
      }
    }
  }

  for (int i = 0; i < kIsaCount; ++i) {
    const Isa isa = static_cast<Isa>(i);
    if (!isa_supported(isa)) continue;
    const char* name = isa_name(isa);
    Buffer c(c_len, c_misalign);
    if (c_len) std::memcpy(c.data, c0.data(), c_len * sizeof(float));
    const Status st = sgemm(isa, ta, tb, m, n, k, alpha, a.data, lda, b.data, ldb, beta, c.data, ldc);
    if (invalid) {
      FUZZ_CHECK(st == Status::kInvalidArgument, "too-small leading dimension accepted", name, double(st), 1);
      for (size_t e = 0; e < c_len; ++e) {
        FUZZ_CHECK(fuzz::bits_equal(c.data[e], c0[e]), "C written on a refused call", name, c.data[e], c0[e]);
      }
      continue;
    }
    FUZZ_CHECK(st == Status::kOk, "status", name, double(st), 0);
    for (size_t r = 0; r < m; ++r) {
      for (size_t j = 0; j < ldc && r * ldc + j < c_len; ++j) {
        const size_t e = r * ldc + j;
        if (j >= n) {
          FUZZ_CHECK(fuzz::bits_equal(c.data[e], c0[e]), "padding column of C written", name, c.data[e], c0[e]);
          continue;
        }
        if (finite) {
          FUZZ_CHECK(!std::isnan(c.data[e]), "NaN from finite inputs (beta == 0 read C?)", name, c.data[e], ref[e]);
          FUZZ_CHECK(std::fabs(double(c.data[e]) - ref[e]) <= bound[e], "C vs scalar reference", name, c.data[e],
                     ref[e]);
        } else {
          // NaN/Inf alpha or beta: only require the same NaN-ness as the reference (Inf * 0 is NaN).
          FUZZ_CHECK(std::isnan(c.data[e]) == std::isnan(ref[e]) || k == 0 || alpha == 0.f,
                     "NaN-ness vs scalar reference", name, c.data[e], ref[e]);
        }
      }
    }
    // sgemm_sumsq: the same C bit for bit, and Σ C² as a float64 sum over it allows: both are
    // recursive float64 sums of m·n non-negative terms in different orders, each within
    // (m·n − 1)·2^-53 of the exact sum (Higham, Accuracy and Stability, §4.2), so they differ by at
    // most 2·m·n·2^-53 relative. (A fixed 1e-12 was tighter than that past ~4,500 terms: the fuzzer
    // found a product whose sums differed by 1.4e-12 relative.)
    {
      Buffer c3(c_len, c_misalign);
      if (c_len) std::memcpy(c3.data, c0.data(), c_len * sizeof(float));
      double ss = -1.0;
      FUZZ_CHECK(sgemm_sumsq(isa, ta, tb, m, n, k, alpha, a.data, lda, b.data, ldb, beta, c3.data, ldc, &ss) ==
                     Status::kOk,
                 "sgemm_sumsq status", name, 1, 0);
      double want = 0.0;
      for (size_t r = 0; r < m; ++r) {
        for (size_t j = 0; j < n; ++j) {
          const size_t e = r * ldc + j;
          FUZZ_CHECK(fuzz::bits_equal(c3.data[e], c.data[e]) || (std::isnan(c3.data[e]) && std::isnan(c.data[e])),
                     "sgemm_sumsq C vs sgemm", name, c3.data[e], c.data[e]);
          want += double(c3.data[e]) * c3.data[e];
        }
      }
      const double sum_bound = 2.0 * static_cast<double>(m * n) * std::ldexp(1.0, -53) * std::fabs(want);
      FUZZ_CHECK(std::isnan(want) ? std::isnan(ss) : (ss == want || std::fabs(ss - want) <= sum_bound),
                 "sgemm_sumsq sum vs float64", name, ss, want);
    }
    // The packed-B path gives the same bits as sgemm on this ISA.
    if (m > 0 && n > 0 && k > 0) {
      std::vector<float> packed(sgemm_packed_b_size(isa, k, n) + 16);
      float* pb = packed.data() + ((64 - (reinterpret_cast<uintptr_t>(packed.data()) & 63)) & 63) / sizeof(float);
      FUZZ_CHECK(sgemm_pack_b(isa, tb, k, n, b.data, ldb, pb) == Status::kOk, "pack_b status", name, 1, 0);
      Buffer c2(c_len, c_misalign);
      std::memcpy(c2.data, c0.data(), c_len * sizeof(float));
      FUZZ_CHECK(sgemm_packed(isa, ta, m, n, k, alpha, a.data, lda, pb, beta, c2.data, ldc) == Status::kOk,
                 "sgemm_packed status", name, 1, 0);
      for (size_t e = 0; e < c_len; ++e) {
        FUZZ_CHECK(fuzz::bits_equal(c2.data[e], c.data[e]) || (std::isnan(c2.data[e]) && std::isnan(c.data[e])),
                   "sgemm_packed vs sgemm", name, c2.data[e], c.data[e]);
      }
    }
  }
  return 0;
}
