// sgemm_sumsq (the GEMM's sum-of-squares epilogue) on every ISA this machine has, and the ISAs'
// sum-of-squares micro-kernels against their plain micro-kernels: C equals sgemm's bit for bit,
// the returned Σ C² equals a float64 sum over the final C within 1e-12 relative (tile order
// differs from row order), and it is bit-identical at 1, 2, 3 and 8 threads. Edge tiles, several
// depth slices, beta accumulation, empty and k == 0 products, NaN/Inf and huge values.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/tile_sumsq.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

struct Case {
  bool ta, tb;
  size_t m, n, k;
  float alpha, beta;
};

double ref_sumsq(const std::vector<float>& c, size_t m, size_t n, size_t ldc) {
  double s = 0.0;
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) s += double(c[i * ldc + j]) * double(c[i * ldc + j]);
  }
  return s;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// `v` copied to a 64-byte aligned address inside `store` (packed panels are aligned: the
// micro-kernels load them with aligned loads).
float* aligned_copy(const std::vector<float>& v, std::vector<float>& store) {
  store.assign(v.size() + 16, 0.f);
  float* p = store.data();
  while (reinterpret_cast<uintptr_t>(p) % 64 != 0) ++p;
  std::memcpy(p, v.data(), v.size() * sizeof(float));
  return p;
}

// Runs one case on `isa`; returns the sum, checks C against sgemm and the sum against float64.
// on_lines: C and every row of it start on a 64-byte line (ldc a multiple of 16), where AVX2 and
// AVX-512 take the sums in the micro-kernel's epilogue; otherwise ldc = n + 3 (strip sums).
double run_case(Isa isa, const Case& t, uint32_t seed, const std::vector<float>* a_in = nullptr,
                bool on_lines = false) {
  const size_t lda = (t.ta ? t.m : t.k) + 1, ldb = (t.tb ? t.k : t.n) + 2;
  const size_t ldc = on_lines ? (t.n + 15) / 16 * 16 : t.n + 3;
  const std::vector<float> a =
      a_in ? *a_in : test::random_floats((t.ta ? t.k : t.m) * lda + 1, seed);
  const std::vector<float> b = test::random_floats((t.tb ? t.n : t.k) * ldb + 1, seed + 1);
  const std::vector<float> c0 = test::random_floats(t.m * ldc + 1, seed + 2);
  std::vector<float> c1 = c0, store;
  float* c2 = on_lines ? aligned_copy(c0, store) : nullptr;
  if (!on_lines) store = c0, c2 = store.data();
  CHECK(sgemm(isa, t.ta, t.tb, t.m, t.n, t.k, t.alpha, a.data(), lda, b.data(), ldb, t.beta,
              c1.data(), ldc) == Status::kOk);
  double s = -1.0;
  CHECK(sgemm_sumsq(isa, t.ta, t.tb, t.m, t.n, t.k, t.alpha, a.data(), lda, b.data(), ldb, t.beta,
                    c2, ldc, &s) == Status::kOk);
  CHECK_MSG(std::memcmp(c1.data(), c2, c1.size() * sizeof(float)) == 0,
            "%s %zux%zux%zu on_lines=%d: C differs from sgemm", isa_name(isa), t.m, t.n, t.k,
            on_lines);
  const std::vector<float> c2v(c2, c2 + c1.size());
  const double e = ref_sumsq(c2v, t.m, t.n, ldc);
  CHECK_MSG(test::close(s, e, 1e-12, 0.0), "%s %zux%zux%zu ta=%d tb=%d: sumsq %.17g expected %.17g",
            isa_name(isa), t.m, t.n, t.k, t.ta, t.tb, s, e);
  return s;
}

void test_shapes_and_threads() {
  const int saved = num_threads();
  std::vector<Case> cases;
  // Edge tiles of every micro-kernel (4x8, 6x16, 8x8, 12x32), one and several depth slices, the
  // weight-gradient shape (trans_a, beta 1) and a plain product.
  for (size_t m : {1, 5, 11, 12, 13, 73, 145}) {
    for (size_t n : {1, 7, 17, 31, 33, 65}) cases.push_back({true, false, m, n, 9, 1.f, 1.f});
  }
  cases.push_back({false, false, 300, 300, 300, 0.9f, 0.3f});
  cases.push_back({true, false, 130, 530, 600, 1.f, 1.f});  // 3 depth slices
  cases.push_back({false, true, 200, 70, 257, 1.f, 0.f});
  cases.push_back({true, true, 97, 301, 64, -2.f, 0.5f});
  cases.push_back({true, false, 4200, 40, 8, 1.f, 1.f});  // more rows than one A block (kMo)
  cases.push_back({true, false, 40, 4200, 8, 1.f, 0.f});  // more columns than one B block (kNc)
  uint32_t seed = 100;
  for (Isa isa : test::isas()) {
    for (const Case& t : cases) {
      for (bool on_lines : {false, true}) {
        set_num_threads(1);
        const double one = run_case(isa, t, seed, nullptr, on_lines);
        for (int threads : {2, 3, 8}) {
          set_num_threads(threads);
          const double many = run_case(isa, t, seed, nullptr, on_lines);
          CHECK_MSG(same_bits(one, many),
                    "%s %zux%zux%zu on_lines=%d: threads=%d sum %.17g vs %.17g", isa_name(isa), t.m,
                    t.n, t.k, on_lines, threads, many, one);
        }
      }
      ++seed;
    }
  }
  set_num_threads(saved);
}

void test_empty_and_no_depth() {
  for (Isa isa : test::isas()) {
    double s = -1.0;
    CHECK(sgemm_sumsq(isa, false, false, 0, 4, 4, 1.f, nullptr, 4, nullptr, 4, 0.f, nullptr, 4,
                      &s) == Status::kOk);
    CHECK(s == 0.0);
    // k == 0: C = beta * C, and the sum is of that C.
    run_case(isa, {true, false, 13, 17, 0, 1.f, 1.f}, 7);
    run_case(isa, {true, false, 13, 17, 0, 1.f, 0.f}, 8);
    run_case(isa, {false, false, 13, 17, 5, 0.f, 0.5f}, 9);  // alpha == 0
    // Too small a leading dimension: refused, sum 0.
    std::vector<float> c(16);
    s = -1.0;
    CHECK(sgemm_sumsq(isa, false, false, 2, 8, 2, 1.f, c.data(), 2, c.data(), 8, 0.f, c.data(), 7,
                      &s) == Status::kInvalidArgument);
    CHECK(s == 0.0);
  }
}

// Values whose float32 squares overflow still give the true float64 sum; NaN and Inf propagate.
void test_huge_and_nonfinite() {
  for (Isa isa : test::isas()) {
    const Case t{true, false, 13, 19, 3, 1.f, 0.f};
    std::vector<float> a = test::random_floats(3 * 14 + 1, 31);
    for (float& v : a) v *= 1e20f;  // C ~ 1e20: its float32 squares overflow
    for (bool on_lines : {false, true}) {
      std::vector<float> h = a;
      const double s = run_case(isa, t, 31, &h, on_lines);
      CHECK(std::isfinite(s) && s > 1e36);
      h[5] = std::numeric_limits<float>::quiet_NaN();
      CHECK(std::isnan(run_case(isa, t, 32, &h, on_lines)));
      h[5] = std::numeric_limits<float>::infinity();
      const double inf = run_case(isa, t, 33, &h, on_lines);
      CHECK(std::isinf(inf) || std::isnan(inf));  // Inf * 0 products may be NaN, as in C itself
    }
  }
}

// Each ISA's tile kernel against a float64 sum over the tile, on every tile shape up to 13 x 35
// (vector tails of 4, 8 and 16 lanes), with a row stride; NaN and Inf propagate.
void test_tile_kernels() {
  const size_t ldc = 40;
  const std::vector<float> c = test::random_floats(14 * ldc, 91, -3.f, 3.f);
  for (Isa isa : test::isas()) {
    const TileSumsqFn f = tile_sumsq_kernel(isa);
    for (size_t rows = 0; rows <= 13; ++rows) {
      for (size_t cols = 0; cols <= 35; ++cols) {
        double e = 0.0;
        for (size_t i = 0; i < rows; ++i) {
          for (size_t j = 0; j < cols; ++j) e += double(c[i * ldc + j]) * c[i * ldc + j];
        }
        const double got = f(c.data(), ldc, rows, cols);
        CHECK_MSG(test::close(got, e, 1e-13, 0.0), "%s tile %zux%zu: %.17g expected %.17g",
                  isa_name(isa), rows, cols, got, e);
      }
    }
    std::vector<float> d = c;
    d[ldc + 17] = std::numeric_limits<float>::quiet_NaN();
    CHECK(std::isnan(f(d.data(), ldc, 3, 19)));
    d[ldc + 17] = -std::numeric_limits<float>::infinity();
    CHECK(std::isinf(f(d.data(), ldc, 3, 19)));
    CHECK(f(d.data(), ldc, 3, 17) == f(c.data(), ldc, 3, 17));  // the poisoned column not read
  }
}

// Each ISA's sum-of-squares micro-kernel (where it has one) against its plain micro-kernel on the
// same packed panels: every tile shape up to MR x NR, alpha, beta 0 / 1 / 0.5, depth 1 and 9. C
// must be the same bits, nothing outside the tile written, and the sum within 1e-13 of a float64
// sum over the stored tile. Padding columns (alpha * 0: NaN after an infinite A value) not summed.
void test_sumsq_micro_kernels() {
  for (Isa isa : test::isas()) {
    const GemmSumsqKernel& sk = gemm_sumsq_kernel(isa);
    const GemmKernels& kern = gemm_kernels(isa);
    if (sk.micro == nullptr || sk.mr != kern.mr || sk.nr != kern.nr) continue;
    const size_t MR = sk.mr, NR = sk.nr, ldc = NR + 5, rows_c = MR + 2;
    uint32_t seed = 500;
    for (size_t kc : {1, 9}) {
      for (float beta : {0.f, 1.f, 0.5f}) {
        for (size_t mr = 1; mr <= MR; ++mr) {
          for (size_t nr = 1; nr <= NR; ++nr, ++seed) {
            std::vector<float> ap = test::random_floats(kc * MR, seed);
            std::vector<float> bp = test::random_floats(kc * NR, seed + 1);
            for (size_t p = 0; p < kc; ++p) {  // zero padding, as packing leaves it
              for (size_t i = mr; i < MR; ++i) ap[p * MR + i] = 0.f;
              for (size_t j = nr; j < NR; ++j) bp[p * NR + j] = 0.f;
            }
            std::vector<float> as, bs;
            const float* a = aligned_copy(ap, as);
            const float* b = aligned_copy(bp, bs);
            const std::vector<float> c0 = test::random_floats(rows_c * ldc, seed + 2);
            std::vector<float> c1 = c0, c2 = c0;
            kern.micro(kc, a, b, c1.data(), ldc, mr, nr, -1.5f, beta);
            const double got = sk.micro(kc, a, b, c2.data(), ldc, mr, nr, -1.5f, beta);
            CHECK_MSG(std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float)) == 0,
                      "%s sumsq micro %zux%zu kc=%zu beta=%g: C differs from the micro-kernel",
                      isa_name(isa), mr, nr, kc, beta);
            const double e = ref_sumsq(c2, mr, nr, ldc);
            CHECK_MSG(test::close(got, e, 1e-13, 0.0),
                      "%s sumsq micro %zux%zu kc=%zu beta=%g: %.17g expected %.17g", isa_name(isa),
                      mr, nr, kc, beta, got, e);
          }
        }
      }
    }
    // An infinite A value: the valid lanes of its row are +-Inf (B > 0, depth 1), the padding
    // columns alpha * (Inf * 0) = NaN; the sum is +Inf, not NaN. Then a huge tile (float32
    // squares overflow) and a NaN in a valid lane.
    for (size_t nr : {size_t{1}, NR / 2 + 1, NR - 1}) {
      std::vector<float> ap(MR, 0.5f), bp(NR, 0.f), c(MR * ldc, 0.f), as, bs;
      for (size_t j = 0; j < nr; ++j) bp[j] = 1.f + float(j);
      const float* b = aligned_copy(bp, bs);
      float* a = aligned_copy(ap, as);
      a[1] = std::numeric_limits<float>::infinity();
      const double inf = sk.micro(1, a, b, c.data(), ldc, MR, nr, 1.f, 0.f);
      CHECK_MSG(std::isinf(inf) && inf > 0, "%s sumsq micro: Inf row, nr=%zu: %g", isa_name(isa),
                nr, inf);
      a[1] = 3e20f;
      const double huge = sk.micro(1, a, b, c.data(), ldc, MR, nr, 1.f, 0.f);
      CHECK(test::close(huge, ref_sumsq(c, MR, nr, ldc), 1e-13, 0.0) && huge > 8e40);
      a[1] = std::numeric_limits<float>::quiet_NaN();
      CHECK(std::isnan(sk.micro(1, a, b, c.data(), ldc, MR, nr, 1.f, 0.f)));
    }
  }
}

}  // namespace

int main() {
  test_sumsq_micro_kernels();
  test_tile_kernels();
  test_shapes_and_threads();
  test_empty_and_no_depth();
  test_huge_and_nonfinite();
  return test::finish("gemm_sumsq_test");
}
