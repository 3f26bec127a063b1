// SGEMM on every ISA this machine has against the scalar reference triple loop: all transpose
// combinations, edge tiles, sub-matrix views, alpha/beta special cases, out-of-bounds guards, and
// bit-identical results at 1, 2, 3 and 8 threads.
#include "kernels/gemm/gemm.h"

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "core/memory.h"
#include "core/thread_pool.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

constexpr float kGuard = -12345.5f;  // stored in row padding and after C; must survive

struct Problem {
  bool ta = false, tb = false;
  size_t m = 0, n = 0, k = 0, lda = 0, ldb = 0, ldc = 0;
  float alpha = 1.f, beta = 0.f;
  std::vector<float> a, b, c;  // c holds m * ldc elements plus 16 guard elements

  Problem(bool ta_, bool tb_, size_t m_, size_t n_, size_t k_, size_t pad, float alpha_,
          float beta_, uint32_t seed)
      : ta(ta_), tb(tb_), m(m_), n(n_), k(k_), alpha(alpha_), beta(beta_) {
    const size_t a_rows = ta ? k : m, a_cols = ta ? m : k;
    const size_t b_rows = tb ? n : k, b_cols = tb ? k : n;
    lda = a_cols + pad;
    ldb = b_cols + pad;
    ldc = n + pad;
    a = test::random_floats(a_rows * lda + 1, seed);
    b = test::random_floats(b_rows * ldb + 1, seed + 1);
    c = test::random_floats(m * ldc + 16, seed + 2);
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = n; j < ldc; ++j) c[i * ldc + j] = kGuard;
    }
    for (size_t i = m * ldc; i < c.size(); ++i) c[i] = kGuard;
  }

  float op_a(size_t i, size_t p) const { return ta ? a[p * lda + i] : a[i * lda + p]; }
  float op_b(size_t p, size_t j) const { return tb ? b[j * ldb + p] : b[p * ldb + j]; }

  Status run(Isa isa, std::vector<float>* out) const {
    *out = c;
    return sgemm(isa, ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, out->data(), ldc);
  }
};

// Checks `got` against the reference within the rounding-error bound of a length-k float sum:
// |got - ref| <= 2 (k + 4) eps (|alpha| sum |a| |b| + |beta c|), and that guards are intact.
bool check(const Problem& p, const std::vector<float>& got, const char* what) {
  std::vector<float> ref = p.c;
  scalar::sgemm_ref_f32__scalar(p.ta, p.tb, p.m, p.n, p.k, p.alpha, p.a.data(), p.lda, p.b.data(),
                                p.ldb, p.beta, ref.data(), p.ldc);
  const double eps = std::numeric_limits<float>::epsilon();
  int bad = 0;
  for (size_t i = 0; i < p.m && bad < 3; ++i) {
    for (size_t j = 0; j < p.n && bad < 3; ++j) {
      double mag = 0.0;
      if (p.alpha != 0.f) {
        for (size_t q = 0; q < p.k; ++q) mag += std::fabs(double(p.op_a(i, q)) * p.op_b(q, j));
      }
      mag *= std::fabs(p.alpha);
      if (p.beta != 0.f) mag += std::fabs(double(p.beta) * p.c[i * p.ldc + j]);
      const double tol = 2.0 * (double(p.k) + 4.0) * eps * mag + 1e-30;
      const double g = got[i * p.ldc + j], e = ref[i * p.ldc + j];
      if (!(std::isfinite(g) && std::fabs(g - e) <= tol)) {
        std::fprintf(stderr,
                     "%s: ta=%d tb=%d m=%zu n=%zu k=%zu a=%g b=%g: C[%zu,%zu] = %.9g, "
                     "expected %.9g (tol %.3g)\n",
                     what, p.ta, p.tb, p.m, p.n, p.k, p.alpha, p.beta, i, j, g, e, tol);
        ++bad;
      }
    }
  }
  for (size_t i = 0; i < p.m; ++i) {
    for (size_t j = p.n; j < p.ldc; ++j) {
      if (!test::bits_equal(got[i * p.ldc + j], kGuard)) {
        if (bad < 3) std::fprintf(stderr, "%s: row padding written at [%zu,%zu]\n", what, i, j);
        ++bad;
      }
    }
  }
  for (size_t i = p.m * p.ldc; i < got.size(); ++i) {
    if (!test::bits_equal(got[i], kGuard)) {
      if (bad < 3) std::fprintf(stderr, "%s: guard after C written at %zu\n", what, i);
      ++bad;
    }
  }
  return bad == 0;
}

void check_problem(Isa isa, const Problem& p) {
  std::vector<float> out;
  CHECK_MSG(p.run(isa, &out) == Status::kOk, "%s status", isa_name(isa));
  CHECK_MSG(check(p, out, isa_name(isa)), "%s ta=%d tb=%d m=%zu n=%zu k=%zu", isa_name(isa), p.ta,
            p.tb, p.m, p.n, p.k);
}

void test_edge_tiles() {
  const size_t ms[] = {0, 1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 27, 29};
  const size_t ns[] = {0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33};
  const size_t ks[] = {1, 2, 7};
  uint32_t seed = 1;
  for (Isa isa : test::isas()) {
    for (int t = 0; t < 4; ++t) {
      for (size_t m : ms) {
        for (size_t n : ns) {
          for (size_t k : ks) {
            const float beta = (seed & 1) ? 0.f : 0.5f;
            check_problem(isa,
                          Problem(t & 1, t & 2, m, n, k, seed % 3 == 0 ? 3 : 0, 1.f, beta, seed));
            ++seed;
          }
        }
      }
    }
  }
}

void test_shapes() {
  struct Shape {
    size_t m, n, k;
  };
  const Shape shapes[] = {{17, 31, 23}, {5, 1, 300},     {1, 5, 300},    {128, 96, 200},
                          {37, 45, 63}, {300, 300, 300}, {20, 40, 600},  {13, 17, 513},
                          {4100, 9, 5}, {3, 4100, 5},    {150, 70, 257}, {145, 33, 40}};
  uint32_t seed = 1000;
  for (Isa isa : test::isas()) {
    for (const Shape& s : shapes) {
      for (int t = 0; t < 4; ++t) {
        for (size_t pad : {size_t{0}, size_t{5}}) {
          check_problem(isa, Problem(t & 1, t & 2, s.m, s.n, s.k, pad, 1.f, 0.f, seed++));
          check_problem(isa, Problem(t & 1, t & 2, s.m, s.n, s.k, pad, -0.75f, 1.f, seed++));
          check_problem(isa, Problem(t & 1, t & 2, s.m, s.n, s.k, pad, 1.5f, -2.f, seed++));
        }
      }
    }
  }
}

void test_alpha_beta_special() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (Isa isa : test::isas()) {
    for (int t = 0; t < 4; ++t) {
      for (size_t k : {size_t{0}, size_t{1}, size_t{9}, size_t{300}}) {
        // beta == 0: NaN in C must not propagate; C is overwritten.
        Problem p(t & 1, t & 2, 23, 37, k, 2, 1.25f, 0.f, 77 + static_cast<uint32_t>(k));
        for (size_t i = 0; i < p.m; ++i) {
          for (size_t j = 0; j < p.n; ++j) p.c[i * p.ldc + j] = nan;
        }
        std::vector<float> out;
        CHECK(p.run(isa, &out) == Status::kOk);
        CHECK_MSG(check(p, out, "beta=0 NaN C"), "%s t=%d k=%zu", isa_name(isa), t, k);
        if (k == 0) {
          bool zeros = true;
          for (size_t i = 0; i < p.m; ++i) {
            for (size_t j = 0; j < p.n; ++j) zeros = zeros && out[i * p.ldc + j] == 0.f;
          }
          CHECK_MSG(zeros, "%s k=0 beta=0 gives zeros", isa_name(isa));
        }
        // alpha == 0: beta * C, whatever A and B hold (NaN in A does not propagate).
        Problem q(t & 1, t & 2, 23, 37, k, 1, 0.f, 0.5f, 99 + static_cast<uint32_t>(k));
        if (k > 0) q.a[0] = nan;
        CHECK(q.run(isa, &out) == Status::kOk);
        bool scaled = true;
        for (size_t i = 0; i < q.m; ++i) {
          for (size_t j = 0; j < q.n; ++j) {
            scaled = scaled && out[i * q.ldc + j] == 0.5f * q.c[i * q.ldc + j];
          }
        }
        CHECK_MSG(scaled, "%s alpha=0 gives beta*C (t=%d k=%zu)", isa_name(isa), t, k);
        // k == 0, beta == 1: C unchanged.
        Problem r(t & 1, t & 2, 7, 19, 0, 0, 1.f, 1.f, 5);
        CHECK(r.run(isa, &out) == Status::kOk);
        CHECK(out == r.c);
        // beta == 1 accumulates.
        check_problem(isa, Problem(t & 1, t & 2, 31, 29, k, 0, 1.f, 1.f, 11));
      }
    }
  }
}

void test_invalid_and_empty() {
  std::vector<float> a(64, 1.f), b(64, 1.f), c(64, 1.f);
  for (Isa isa : test::isas()) {
    CHECK(sgemm(isa, false, false, 4, 4, 4, 1.f, a.data(), 3, b.data(), 4, 0.f, c.data(), 4) ==
          Status::kInvalidArgument);
    CHECK(sgemm(isa, true, false, 5, 4, 4, 1.f, a.data(), 4, b.data(), 4, 0.f, c.data(), 4) ==
          Status::kInvalidArgument);
    CHECK(sgemm(isa, false, false, 4, 4, 4, 1.f, a.data(), 4, b.data(), 3, 0.f, c.data(), 4) ==
          Status::kInvalidArgument);
    CHECK(sgemm(isa, false, true, 4, 4, 5, 1.f, a.data(), 5, b.data(), 4, 0.f, c.data(), 4) ==
          Status::kInvalidArgument);
    CHECK(sgemm(isa, false, false, 4, 5, 4, 1.f, a.data(), 4, b.data(), 5, 0.f, c.data(), 4) ==
          Status::kInvalidArgument);
    // m == 0 or n == 0: nothing is touched, whatever the pointers.
    CHECK(sgemm(isa, false, false, 0, 4, 4, 1.f, nullptr, 4, nullptr, 4, 0.f, nullptr, 4) ==
          Status::kOk);
    CHECK(sgemm(isa, false, false, 4, 0, 4, 1.f, nullptr, 4, nullptr, 0, 0.f, nullptr, 0) ==
          Status::kOk);
  }
}

void test_thread_determinism() {
  struct Shape {
    size_t m, n, k;
  };
  const Shape shapes[] = {{300, 300, 300}, {32, 700, 600}, {1000, 50, 300}, {130, 530, 270}};
  const int saved = num_threads();
  uint32_t seed = 5000;
  for (Isa isa : test::isas()) {
    for (const Shape& s : shapes) {
      for (int t = 0; t < 4; ++t) {
        const Problem p(t & 1, t & 2, s.m, s.n, s.k, 3, 0.9f, 0.3f, seed++);
        set_num_threads(1);
        std::vector<float> one;
        CHECK(p.run(isa, &one) == Status::kOk);
        CHECK_MSG(check(p, one, "threads=1"), "%s", isa_name(isa));
        for (int threads : {2, 3, 8}) {
          set_num_threads(threads);
          std::vector<float> many;
          CHECK(p.run(isa, &many) == Status::kOk);
          bool same = many.size() == one.size();
          for (size_t i = 0; same && i < one.size(); ++i) same = test::bits_equal(one[i], many[i]);
          CHECK_MSG(same, "%s %zux%zux%zu t=%d: threads=%d differs from threads=1", isa_name(isa),
                    s.m, s.n, s.k, t, threads);
        }
      }
    }
  }
  set_num_threads(saved);
}

// A panel with few valid rows (the AVX2 and AVX-512 kernels run only those rows' FMAs) gives the
// same bits as the same rows inside a full panel: C rows 0..r-1 of an r-row product equal those of
// a 14-row one (a full AVX-512 panel; two full AVX2 panels and a short one).
void test_short_panels_match_full() {
  const size_t n = 37, k = 300;
  const std::vector<float> a = test::random_floats(14 * k, 77), b = test::random_floats(k * n, 78);
  for (Isa isa : test::isas()) {
    std::vector<float> full(14 * n);
    CHECK(sgemm(isa, false, false, 14, n, k, 1.f, a.data(), k, b.data(), n, 0.f, full.data(), n) ==
          Status::kOk);
    for (size_t r = 1; r <= 13; ++r) {
      std::vector<float> part(r * n);
      CHECK(sgemm(isa, false, false, r, n, k, 1.f, a.data(), k, b.data(), n, 0.f, part.data(), n) ==
            Status::kOk);
      bool same = true;
      for (size_t i = 0; same && i < part.size(); ++i) same = test::bits_equal(part[i], full[i]);
      CHECK_MSG(same, "%s: %zu-row product differs from the same rows of a 14-row one",
                isa_name(isa), r);
    }
  }
}

// sgemm_packed over a B packed once by sgemm_pack_b is bit-identical to sgemm (both B layouts, odd
// sizes, several depth slices, more than one column block), on every thread count, and the packed
// copy is reusable across calls.
void test_packed_b() {
  struct Shape {
    size_t m, n, k;
  };
  const Shape shapes[] = {{1, 1, 1},     {5, 17, 3},      {32, 1024, 256}, {7, 33, 600},
                          {13, 4100, 9}, {32, 256, 1024}, {70, 200, 257}};
  const int saved = num_threads();
  uint32_t seed = 9000;
  for (Isa isa : test::isas()) {
    for (const Shape& s : shapes) {
      for (bool tb : {false, true}) {
        const std::vector<float> a = test::random_floats(s.m * s.k, seed++);
        const std::vector<float> b = test::random_floats(s.k * s.n, seed++);
        const std::vector<float> c0 = test::random_floats(s.m * s.n, seed++);
        const size_t ldb = tb ? s.k : s.n;
        std::vector<float> want = c0;
        CHECK(sgemm(isa, false, tb, s.m, s.n, s.k, 0.7f, a.data(), s.k, b.data(), ldb, 0.5f,
                    want.data(), s.n) == Status::kOk);
        const size_t floats = sgemm_packed_b_size(isa, s.k, s.n);
        float* packed = static_cast<float*>(allocate_buffer(floats * sizeof(float)));
        CHECK(packed != nullptr);
        CHECK(sgemm_pack_b(isa, tb, s.k, s.n, b.data(), ldb, packed) == Status::kOk);
        for (int threads : {1, 2, 3}) {
          set_num_threads(threads);
          for (int rep = 0; rep < 2; ++rep) {  // the packed copy is read-only: reuse it
            std::vector<float> got = c0;
            CHECK(sgemm_packed(isa, false, s.m, s.n, s.k, 0.7f, a.data(), s.k, packed, 0.5f,
                               got.data(), s.n) == Status::kOk);
            bool same = true;
            for (size_t i = 0; same && i < got.size(); ++i)
              same = test::bits_equal(got[i], want[i]);
            CHECK_MSG(same, "%s packed %zux%zux%zu tb=%d threads=%d differs from sgemm",
                      isa_name(isa), s.m, s.n, s.k, int(tb), threads);
          }
        }
        free_buffer(packed, floats * sizeof(float));
      }
    }
    CHECK(sgemm_pack_b(isa, true, 4, 4, nullptr, 3, nullptr) == Status::kInvalidArgument);
    CHECK(sgemm_packed(isa, false, 2, 2, 2, 1.f, nullptr, 1, nullptr, 0.f, nullptr, 2) ==
          Status::kInvalidArgument);
  }
  set_num_threads(saved);
}

// sgemm_packed's short-A path packs every depth slice kc_step deep, the last (shorter) one too: its
// buffer must hold slices * kc_step, not k, depth steps per panel. Run on a fresh thread, whose
// grow-only pack buffer is empty, so an undersized one is overrun (found by fuzz_gemm under ASan:
// k = 257 in slices of 129 + 128, m past one micro-tile).
void test_packed_short_a_buffer() {
  for (Isa isa : test::isas()) {
    const size_t mr = gemm_kernels(isa).mr;
    for (size_t k : {size_t{257}, size_t{515}}) {
      const size_t m = 2 * mr + 1, n = 5;
      const std::vector<float> a = test::random_floats(m * k, 77);
      const std::vector<float> b = test::random_floats(k * n, 78);
      std::vector<float> want(m * n, 0.f), got(m * n, 0.f);
      std::thread([&] {
        const int saved = num_threads();
        set_num_threads(1);
        CHECK(sgemm(isa, false, false, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, want.data(),
                    n) == Status::kOk);
        const size_t floats = sgemm_packed_b_size(isa, k, n);
        std::vector<float> packed(floats + 16);
        float* pb = packed.data() +
                    ((64 - (reinterpret_cast<uintptr_t>(packed.data()) & 63)) & 63) / sizeof(float);
        CHECK(sgemm_pack_b(isa, false, k, n, b.data(), n, pb) == Status::kOk);
        std::thread([&] {  // a thread that has packed nothing yet
          CHECK(sgemm_packed(isa, false, m, n, k, 1.f, a.data(), k, pb, 0.f, got.data(), n) ==
                Status::kOk);
        })
            .join();
        set_num_threads(saved);
      }).join();
      bool same = true;
      for (size_t i = 0; i < got.size(); ++i) same = same && test::bits_equal(got[i], want[i]);
      CHECK_MSG(same, "%s short-A packed %zux%zux%zu differs from sgemm", isa_name(isa), m, n, k);
    }
  }
}

}  // namespace

int main() {
  for (Isa isa : test::isas()) {
    const GemmKernels& k = gemm_kernels(isa);
    std::printf("gemm_test: %s micro-kernel %zux%zu\n", isa_name(isa), k.mr, k.nr);
  }
  test_edge_tiles();
  test_shapes();
  test_alpha_beta_special();
  test_invalid_and_empty();
  test_thread_determinism();
  test_packed_b();
  test_short_panels_match_full();
  test_packed_short_a_buffer();
  return test::finish("gemm_test");
}
