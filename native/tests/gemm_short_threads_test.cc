// SGEMM's short-A path on several threads (m <= mc; column tasks, each packing its own B panels;
// A packed once, unit by unit, by the tasks that first need it): results within the reference's
// rounding bound, bit-identical at 1, 2, 3 and 8 threads (8 > tasks for some shapes: idle
// threads), C's row padding and the memory after C untouched. Odd n (a short last panel), several
// depth slices, every transpose, beta != 0.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

constexpr float kGuard = -12345.5f;

struct Shape {
  size_t m, n, k;
};

void test_short_a_threads() {
  // 64 x 256 x 256 is the benchmarked product; the others: odd n, k over one depth slice, m < mr.
  const Shape shapes[] = {{64, 256, 256}, {64, 263, 513}, {13, 1000, 257}, {84, 300, 200}};
  const int saved = num_threads();
  uint32_t seed = 9100;
  for (Isa isa : test::isas()) {
    for (const Shape& s : shapes) {
      for (int t = 0; t < 4; ++t) {
        const bool ta = t & 1, tb = t & 2;
        const size_t pad = 3, lda = (ta ? s.m : s.k) + pad, ldb = (tb ? s.k : s.n) + pad;
        const size_t ldc = s.n + pad;
        const std::vector<float> a = test::random_floats((ta ? s.k : s.m) * lda, seed++);
        const std::vector<float> b = test::random_floats((tb ? s.n : s.k) * ldb, seed++);
        std::vector<float> c0 = test::random_floats(s.m * ldc + 16, seed++);
        for (size_t i = 0; i < s.m; ++i) {
          for (size_t j = s.n; j < ldc; ++j) c0[i * ldc + j] = kGuard;
        }
        for (size_t i = s.m * ldc; i < c0.size(); ++i) c0[i] = kGuard;
        const float alpha = 0.75f, beta = 0.5f;
        auto run = [&](std::vector<float>* out) {
          *out = c0;
          return sgemm(isa, ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb, beta,
                       out->data(), ldc);
        };
        set_num_threads(1);
        std::vector<float> one;
        CHECK(run(&one) == Status::kOk);
        std::vector<float> ref = c0;
        scalar::sgemm_ref_f32__scalar(ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb,
                                      beta, ref.data(), ldc);
        const double eps = std::numeric_limits<float>::epsilon();
        bool close = true, guards = true;
        for (size_t i = 0; i < s.m; ++i) {
          for (size_t j = 0; j < s.n; ++j) {
            double mag = std::fabs(double(beta) * c0[i * ldc + j]);
            for (size_t q = 0; q < s.k; ++q) {
              const float av = ta ? a[q * lda + i] : a[i * lda + q];
              const float bv = tb ? b[j * ldb + q] : b[q * ldb + j];
              mag += std::fabs(double(alpha) * av * bv);
            }
            const double tol = 2.0 * (double(s.k) + 4.0) * eps * mag + 1e-30;
            const double g = one[i * ldc + j];
            close = close && std::isfinite(g) && std::fabs(g - ref[i * ldc + j]) <= tol;
          }
          for (size_t j = s.n; j < ldc; ++j) guards = guards && one[i * ldc + j] == kGuard;
        }
        for (size_t i = s.m * ldc; i < one.size(); ++i) guards = guards && one[i] == kGuard;
        CHECK_MSG(close, "%s %zux%zux%zu t=%d: threads=1 differs from the reference", isa_name(isa),
                  s.m, s.n, s.k, t);
        CHECK_MSG(guards, "%s %zux%zux%zu t=%d: padding or memory after C written", isa_name(isa),
                  s.m, s.n, s.k, t);
        for (int threads : {2, 3, 8}) {
          set_num_threads(threads);
          // Twice: the second call reuses every thread's grown packing buffers.
          for (int rep = 0; rep < 2; ++rep) {
            std::vector<float> many;
            CHECK(run(&many) == Status::kOk);
            bool same = many.size() == one.size();
            for (size_t i = 0; same && i < one.size(); ++i) {
              same = test::bits_equal(one[i], many[i]);
            }
            CHECK_MSG(same, "%s %zux%zux%zu t=%d: threads=%d differs from threads=1", isa_name(isa),
                      s.m, s.n, s.k, t, threads);
          }
        }
      }
    }
  }
  set_num_threads(saved);
}

// A is packed by the tasks that need it (SharedPackA in gemm.cc): each unit (depth slice x row
// panel) by whichever thread claims it first; a thread that finds a unit still being packed by
// another waits briefly, then packs its own copy. Repeated calls on more threads than cores
// (workers are descheduled mid-unit now and then, so all three cases occur) must give the 1-thread
// bits every time; k over one depth slice gives several units per panel, m = 13 one panel only.
void test_shared_a_packing_repeated() {
  const Shape shapes[] = {{64, 256, 256}, {64, 320, 1100}, {13, 512, 600}};
  const int saved = num_threads();
  uint32_t seed = 9700;
  for (Isa isa : test::isas()) {
    for (const Shape& s : shapes) {
      const std::vector<float> a = test::random_floats(s.m * s.k, seed++);
      const std::vector<float> b = test::random_floats(s.k * s.n, seed++);
      std::vector<float> one(s.m * s.n), many(s.m * s.n);
      auto run = [&](std::vector<float>* out) {
        return sgemm(isa, false, false, s.m, s.n, s.k, 1.f, a.data(), s.k, b.data(), s.n, 0.f,
                     out->data(), s.n);
      };
      set_num_threads(1);
      CHECK(run(&one) == Status::kOk);
      const int reps = isa == Isa::kScalar ? 10 : 100;
      for (int threads : {2, 8}) {
        set_num_threads(threads);
        int differing = 0;
        for (int rep = 0; rep < reps; ++rep) {
          std::fill(many.begin(), many.end(), 0.f);
          CHECK(run(&many) == Status::kOk);
          bool same = true;
          for (size_t i = 0; same && i < one.size(); ++i) {
            same = test::bits_equal(one[i], many[i]);
          }
          differing += same ? 0 : 1;
        }
        CHECK_MSG(differing == 0, "%s %zux%zux%zu: threads=%d differs from threads=1 in %d of %d",
                  isa_name(isa), s.m, s.n, s.k, threads, differing, reps);
      }
    }
  }
  set_num_threads(saved);
}

}  // namespace

int main() {
  test_short_a_threads();
  test_shared_a_packing_repeated();
  return test::finish("gemm_short_threads_test");
}
