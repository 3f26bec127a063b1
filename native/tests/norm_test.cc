// Norm-family kernels on every ISA this machine has, against the scalar reference and exact values;
// the multi-tensor driver for bit-identical results at 1, 2 and many threads.
#include "kernels/norm/norm.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/norm/agc.h"
#include "kernels/norm/multi_tensor.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;
using gradguard::test::close;

namespace {

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof(f));
  return f;
}

void test_reductions_match_scalar() {
  const NormKernels& ref = norm_kernels(Isa::kScalar);
  for (Isa isa : test::isas()) {
    const NormKernels& k = norm_kernels(isa);
    for (size_t n : test::edge_sizes()) {
      std::vector<float> x = test::random_floats(n, static_cast<uint32_t>(n) + 7, -3.f, 3.f);
      CHECK_MSG(close(k.sum_squares(x.data(), n), ref.sum_squares(x.data(), n), 1e-12, 0),
                "%s sumsq n=%zu", isa_name(isa), n);
      CHECK_MSG(close(k.sum_abs(x.data(), n), ref.sum_abs(x.data(), n), 1e-12, 0),
                "%s sumabs n=%zu", isa_name(isa), n);
      CHECK_MSG(k.max_abs_bits(x.data(), n) == ref.max_abs_bits(x.data(), n), "%s maxabs n=%zu",
                isa_name(isa), n);
      StatsPartial a, b;
      k.stats(x.data(), n, &a);
      ref.stats(x.data(), n, &b);
      CHECK_MSG(close(a.sum_squares, b.sum_squares, 1e-12, 0) && a.max_abs_bits == b.max_abs_bits &&
                    a.nonfinite == 0 && b.nonfinite == 0,
                "%s stats n=%zu", isa_name(isa), n);
    }
  }
}

void test_exact_values_and_overflow() {
  for (Isa isa : test::isas()) {
    const NormKernels& k = norm_kernels(isa);
    // Squares of 1e20 overflow float32; the float64 sum must hold them.
    std::vector<float> big(37, 1e20f);
    const double expect = 37.0 * static_cast<double>(1e20f) * static_cast<double>(1e20f);
    CHECK_MSG(close(k.sum_squares(big.data(), big.size()), expect, 1e-14, 0), "%s", isa_name(isa));
    std::vector<float> ones(101, -1.f);
    CHECK(k.sum_abs(ones.data(), ones.size()) == 101.0);
    CHECK(k.sum_squares(ones.data(), ones.size()) == 101.0);
    CHECK(k.sum_squares(nullptr, 0) == 0.0);
    CHECK(k.max_abs_bits(nullptr, 0) == 0);
  }
}

void test_nonfinite_propagation() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (Isa isa : test::isas()) {
    const NormKernels& k = norm_kernels(isa);
    for (size_t n : {1u, 7u, 8u, 9u, 33u, 100u}) {
      for (size_t pos : {size_t{0}, n / 2, n - 1}) {
        std::vector<float> x = test::random_floats(n, 3);
        x[pos] = nan;
        CHECK_MSG(std::isnan(from_bits(k.max_abs_bits(x.data(), n))), "%s nan max n=%zu pos=%zu",
                  isa_name(isa), n, pos);
        CHECK(std::isnan(k.sum_squares(x.data(), n)));
        StatsPartial s;
        k.stats(x.data(), n, &s);
        CHECK_MSG(s.nonfinite == 1, "%s nan count n=%zu pos=%zu", isa_name(isa), n, pos);
        x[pos] = -inf;
        CHECK(from_bits(k.max_abs_bits(x.data(), n)) == inf);
        CHECK(std::isinf(k.sum_abs(x.data(), n)));
        k.stats(x.data(), n, &s);
        CHECK(s.nonfinite == 1 && std::isinf(s.sum_squares));
      }
    }
    // NaN must win over a later Inf in the max.
    std::vector<float> x = {1.f, nan, inf, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f};
    CHECK(std::isnan(from_bits(k.max_abs_bits(x.data(), x.size()))));
  }
}

void test_scale_and_clamp() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (Isa isa : test::isas()) {
    const NormKernels& k = norm_kernels(isa);
    for (size_t n : test::edge_sizes()) {
      std::vector<float> x = test::random_floats(n, 11, -5.f, 5.f);
      // guard elements detect writes past the end
      x.push_back(123.f);
      std::vector<float> y = x;
      k.scale(x.data(), n, 0.37f);
      for (size_t i = 0; i < n; ++i) CHECK(test::bits_equal(x[i], y[i] * 0.37f));
      CHECK(x[n] == 123.f);
      y = x;
      k.clamp(x.data(), n, -1.f, 1.f);
      for (size_t i = 0; i < n; ++i) {
        const float e = y[i] < -1.f ? -1.f : (y[i] > 1.f ? 1.f : y[i]);
        CHECK_MSG(x[i] == e, "%s clamp n=%zu i=%zu", isa_name(isa), n, i);
      }
      CHECK(x[n] == 123.f);
    }
    std::vector<float> s = {nan, inf, -inf, 0.5f, -0.f, 2.f, -2.f, nan, inf};
    k.clamp(s.data(), s.size(), -1.f, 1.f);
    CHECK(std::isnan(s[0]) && s[1] == 1.f && s[2] == -1.f && s[3] == 0.5f && s[5] == 1.f &&
          s[6] == -1.f && std::isnan(s[7]) && s[8] == 1.f);
  }
}

std::vector<std::vector<float>> make_tensors() {
  std::vector<std::vector<float>> ts;
  const size_t sizes[] = {0, 1, 7, 16384, 16385, 100000, 33, 250000, 5};
  uint32_t seed = 1;
  for (size_t n : sizes) ts.push_back(test::random_floats(n, seed++, -2.f, 2.f));
  return ts;
}

std::vector<Span> spans_of(std::vector<std::vector<float>>& ts) {
  std::vector<Span> s;
  for (auto& t : ts) s.push_back(Span{t.data(), t.size()});
  return s;
}

void test_multi_tensor_deterministic_across_threads() {
  auto ts = make_tensors();
  std::vector<Span> spans = spans_of(ts);
  for (Isa isa : test::isas()) {
    for (double p : {1.0, 2.0, 3.0, 0.5, std::numeric_limits<double>::infinity()}) {
      std::vector<double> ref_per(spans.size()), per(spans.size());
      set_num_threads(1);
      const double ref = multi_tensor_norm(isa, spans.data(), spans.size(), p, ref_per.data());
      for (int threads : {2, 3, 8}) {
        set_num_threads(threads);
        const double got = multi_tensor_norm(isa, spans.data(), spans.size(), p, per.data());
        CHECK_MSG(std::memcmp(&got, &ref, sizeof(double)) == 0, "%s p=%g threads=%d", isa_name(isa),
                  p, threads);
        CHECK(std::memcmp(per.data(), ref_per.data(), per.size() * sizeof(double)) == 0);
      }
      // against a plain float64 reference
      double s = 0, m = 0;
      for (auto& t : ts) {
        for (float v : t) {
          const double a = std::fabs(static_cast<double>(v));
          s += std::pow(a, p == std::numeric_limits<double>::infinity() ? 1.0 : p);
          m = a > m ? a : m;
        }
      }
      const double expect = std::isinf(p) ? m : std::pow(s, 1.0 / p);
      CHECK_MSG(close(ref, expect, 1e-10, 0), "%s p=%g %.17g vs %.17g", isa_name(isa), p, ref,
                expect);
    }
    set_num_threads(1);
    const GradStats a = multi_tensor_stats(isa, spans.data(), spans.size(), nullptr);
    set_num_threads(4);
    const GradStats b = multi_tensor_stats(isa, spans.data(), spans.size(), nullptr);
    CHECK(std::memcmp(&a.total_norm, &b.total_norm, sizeof(double)) == 0);
    CHECK(a.max_abs == b.max_abs && a.nonfinite == 0 && a.first_nonfinite == -1);
  }
  set_num_threads(usable_cores());
}

void test_multi_tensor_nonfinite_and_empty() {
  auto ts = make_tensors();
  ts[5][777] = std::numeric_limits<float>::infinity();
  ts[7][3] = std::numeric_limits<float>::quiet_NaN();
  std::vector<Span> spans = spans_of(ts);
  for (Isa isa : test::isas()) {
    const GradStats s = multi_tensor_stats(isa, spans.data(), spans.size(), nullptr);
    CHECK(s.nonfinite == 2 && s.first_nonfinite == 5 && std::isnan(s.max_abs));
    CHECK(std::isnan(multi_tensor_norm(isa, spans.data(), spans.size(), 2.0, nullptr)));
    CHECK(std::isnan(multi_tensor_norm(isa, spans.data(), spans.size(),
                                       std::numeric_limits<double>::infinity(), nullptr)));
    CHECK(multi_tensor_norm(isa, nullptr, 0, 2.0, nullptr) == 0.0);
    CHECK(multi_tensor_norm(isa, nullptr, 0, std::numeric_limits<double>::infinity(), nullptr) ==
          0.0);
  }
  CHECK(std::isnan(clip_coefficient(1.0, std::nan(""))));
  CHECK(clip_coefficient(1.0, std::numeric_limits<double>::infinity()) == 0.0);
  CHECK(clip_coefficient(10.0, 1.0) == 1.0);
}

bool same_bits(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  for (size_t t = 0; t < a.size(); ++t) {
    if (a[t].size() != b[t].size()) return false;
    if (!a[t].empty() && std::memcmp(a[t].data(), b[t].data(), a[t].size() * sizeof(float)) != 0) {
      return false;
    }
  }
  return true;
}

void test_clip_by_norm() {
  const double inf = std::numeric_limits<double>::infinity();
  for (Isa isa : test::isas()) {
    for (double p : {2.0, 1.0, 3.0, inf}) {
      // Clipping: the same total as multi_tensor_norm and the same bits as a separate scale pass.
      auto ts = make_tensors();
      auto expect = ts;
      std::vector<Span> spans = spans_of(ts), expect_spans = spans_of(expect);
      std::vector<double> per(spans.size()), expect_per(spans.size());
      const double norm =
          multi_tensor_norm(isa, expect_spans.data(), expect.size(), p, expect_per.data());
      const double max_norm = norm / 3;
      multi_tensor_scale(isa, expect_spans.data(), expect.size(),
                         static_cast<float>(clip_coefficient(max_norm, norm)));
      for (int threads : {1, 4}) {
        set_num_threads(threads);
        auto fresh = make_tensors();
        spans = spans_of(fresh);
        double total = -1;
        CHECK(multi_tensor_clip_by_norm(isa, spans.data(), spans.size(), max_norm, p, true, &total,
                                        per.data()) == Status::kOk);
        CHECK_MSG(std::memcmp(&total, &norm, sizeof(double)) == 0 && per == expect_per &&
                      same_bits(fresh, expect),
                  "%s p=%g threads=%d clip", isa_name(isa), p, threads);
      }
      // No clipping needed: nothing changes.
      auto kept = make_tensors();
      const auto original = kept;
      spans = spans_of(kept);
      double total = -1;
      CHECK(multi_tensor_clip_by_norm(isa, spans.data(), spans.size(), norm * 2, p, false, &total,
                                      nullptr) == Status::kOk);
      CHECK(total == norm && same_bits(kept, original));
    }
    // Non-finite totals: kNonFinite and nothing scaled when asked; else PyTorch's NaN / zeros.
    auto bad = make_tensors();
    bad[5][777] = std::numeric_limits<float>::quiet_NaN();
    const auto original = bad;
    std::vector<Span> spans = spans_of(bad);
    std::vector<double> per(spans.size());
    double total = 0;
    CHECK(multi_tensor_clip_by_norm(isa, spans.data(), spans.size(), 1.0, 2.0, true, &total,
                                    per.data()) == Status::kNonFinite);
    CHECK(std::isnan(total) && std::isnan(per[5]) && std::isfinite(per[4]));
    CHECK(same_bits(bad, original));
    CHECK(multi_tensor_clip_by_norm(isa, spans.data(), spans.size(), 1.0, 2.0, false, &total,
                                    nullptr) == Status::kOk);
    CHECK(std::isnan(total) && std::isnan(bad[1][0]) && std::isnan(bad[8][4]));
    auto big = make_tensors();
    big[2][5] = std::numeric_limits<float>::infinity();
    spans = spans_of(big);
    CHECK(multi_tensor_clip_by_norm(isa, spans.data(), spans.size(), 1.0, 2.0, true, &total,
                                    nullptr) == Status::kNonFinite);
    CHECK(total == inf && big[2][5] == std::numeric_limits<float>::infinity());
    CHECK(multi_tensor_clip_by_norm(isa, spans.data(), spans.size(), 1.0, 2.0, false, &total,
                                    nullptr) == Status::kOk);
    CHECK(total == inf && std::isnan(big[2][5]) && big[2][4] == 0.f && big[7][0] == 0.f);
    // No tensors: a zero norm, nothing to do.
    CHECK(multi_tensor_clip_by_norm(isa, nullptr, 0, 1.0, 2.0, true, &total, nullptr) ==
              Status::kOk &&
          total == 0.0);
  }
  set_num_threads(usable_cores());
}

void test_agc() {
  // One [2, 3] weight: row 0 gets clipped, row 1 does not; a [3] bias is one unit.
  for (Isa isa : test::isas()) {
    std::vector<float> w = {1, 2, 2, 0, 0, 0}, g = {3, 0, 4, 1e-4f, 0, 0};
    std::vector<float> b = {0, 0, 0}, gb = {1, 0, 0};
    Span params[] = {{w.data(), 6}, {b.data(), 3}};
    Span grads[] = {{g.data(), 6}, {gb.data(), 3}};
    const uint32_t units[] = {2, 1};
    agc_clip(isa, params, grads, units, 2, 0.1, 1e-3);
    // row 0: |W| = 3, max = 0.3, |G| = 5 -> scale 0.06
    CHECK(close(g[0], 0.18, 1e-6, 0) && close(g[2], 0.24, 1e-6, 0));
    // row 1: |W| = 0 -> max = 0.1 * 1e-3 = 1e-4, |G| = 1e-4 (float) ~ max: compare as computed
    CHECK(close(g[3], 1e-4, 1e-3, 0));
    // bias: max = 1e-4, |G| = 1 -> scaled to 1e-4
    CHECK(close(gb[0], 1e-4, 1e-6, 0));
  }
}

}  // namespace

int main() {
  test_reductions_match_scalar();
  test_exact_values_and_overflow();
  test_nonfinite_propagation();
  test_scale_and_clamp();
  test_multi_tensor_deterministic_across_threads();
  test_multi_tensor_nonfinite_and_empty();
  test_clip_by_norm();
  test_agc();
  return test::finish("norm_test");
}
