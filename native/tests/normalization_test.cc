// BatchNorm1d and LayerNorm kernels on every ISA against long-double references on mean-100 data
// (where a one-pass float32 variance fails), running-statistics update, backward identities,
// accumulate, thread-count determinism, and every ISA against the scalar inner loops on odd sizes
// (vector tails), with and without weight/bias, with NaN and Inf inputs.
#include "kernels/normalization/normalization.h"

#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

void test_batchnorm_forward_large_offset(Isa isa) {
  const size_t n = 33, c = 17;
  std::vector<float> x = test::random_floats(n * c, 1, 99.f, 101.f);
  std::vector<float> w = test::random_floats(c, 2), b = test::random_floats(c, 3);
  std::vector<float> rm(c, 0.5f), rv(c, 2.f), y(n * c);
  std::vector<double> sm(c), si(c);
  batchnorm1d_forward_f32(isa, x.data(), n, c, w.data(), b.data(), rm.data(), rv.data(), true, 0.1,
                          1e-5, y.data(), sm.data(), si.data());
  for (size_t j = 0; j < c; ++j) {
    long double mean = 0, m2 = 0;
    for (size_t i = 0; i < n; ++i) mean += x[i * c + j];
    mean /= n;
    for (size_t i = 0; i < n; ++i) m2 += (x[i * c + j] - mean) * (x[i * c + j] - mean);
    const long double invstd = 1.0L / std::sqrt(m2 / n + 1e-5L);
    CHECK(test::close(sm[j], static_cast<double>(mean), 1e-12, 0));
    CHECK(test::close(si[j], static_cast<double>(invstd), 1e-9, 0));
    CHECK(test::close(rm[j], static_cast<double>(0.9L * 0.5L + 0.1L * mean), 1e-6, 1e-6));
    CHECK(test::close(rv[j], static_cast<double>(0.9L * 2 + 0.1L * m2 / (n - 1)), 1e-6, 1e-6));
    for (size_t i = 0; i < n; ++i) {
      const long double e = (x[i * c + j] - mean) * invstd * w[j] + b[j];
      CHECK_MSG(test::close(y[i * c + j], static_cast<double>(e), 1e-5, 1e-5), "y[%zu,%zu]", i, j);
    }
  }
}

void test_batchnorm_backward_identities(Isa isa) {
  const size_t n = 9, c = 5;
  std::vector<float> x = test::random_floats(n * c, 4), dy = test::random_floats(n * c, 5);
  std::vector<float> w = test::random_floats(c, 6), y(n * c), dx(n * c), dw(c, 1.f), db(c, 2.f);
  std::vector<double> sm(c), si(c);
  // eps = 0: the orthogonality to xhat below is exact only then.
  batchnorm1d_forward_f32(isa, x.data(), n, c, w.data(), nullptr, nullptr, nullptr, true, 0.1, 0.0,
                          y.data(), sm.data(), si.data());
  batchnorm1d_backward_f32(isa, dy.data(), x.data(), n, c, w.data(), sm.data(), si.data(), true,
                           dx.data(), dw.data(), db.data(), true);
  for (size_t j = 0; j < c; ++j) {
    double sum_dx = 0, sum_dy = 0, sum_dx_xhat = 0;
    for (size_t i = 0; i < n; ++i) {
      sum_dx += dx[i * c + j];
      sum_dy += dy[i * c + j];
      sum_dx_xhat += dx[i * c + j] * (x[i * c + j] - sm[j]) * si[j];
    }
    CHECK(std::fabs(sum_dx) < 1e-5);       // dx is orthogonal to the constant direction
    CHECK(std::fabs(sum_dx_xhat) < 1e-5);  // ... and to xhat
    CHECK(test::close(db[j], 2.0 + sum_dy, 1e-6, 1e-6));
  }
}

void test_layernorm(Isa isa) {
  const size_t m = 4, d = 257;
  std::vector<float> x = test::random_floats(m * d, 7, 99.f, 101.f),
                     dy = test::random_floats(m * d, 8);
  std::vector<float> y(m * d), dx(m * d), dw(d), db(d);
  std::vector<double> sm(m), si(m);
  layernorm_forward_f32(isa, x.data(), m, d, nullptr, nullptr, 1e-5, y.data(), sm.data(),
                        si.data());
  layernorm_backward_f32(isa, dy.data(), x.data(), m, d, nullptr, sm.data(), si.data(), dx.data(),
                         dw.data(), db.data(), false);
  for (size_t i = 0; i < m; ++i) {
    double mean = 0, var = 0, sum_dx = 0;
    for (size_t j = 0; j < d; ++j) mean += y[i * d + j] / d;
    for (size_t j = 0; j < d; ++j) var += (y[i * d + j] - mean) * (y[i * d + j] - mean) / d;
    for (size_t j = 0; j < d; ++j) sum_dx += dx[i * d + j];
    CHECK(std::fabs(mean) < 1e-5);
    CHECK(test::close(var, 1.0, 1e-3, 0));
    CHECK(std::fabs(sum_dx) < 1e-3);
  }
}

// Forward and backward of both ops, all outputs concatenated.
std::vector<float> run_all(Isa isa, size_t n, size_t c) {
  std::vector<float> x = test::random_floats(n * c, 11, 99.f, 101.f),
                     dy = test::random_floats(n * c, 12);
  std::vector<float> w = test::random_floats(c, 13), rm(c, 0.f), rv(c, 1.f);
  std::vector<float> y(n * c), dx(n * c), dw(c), db(c), out;
  std::vector<double> sm(c), si(c), lm(n), li(n);
  batchnorm1d_forward_f32(isa, x.data(), n, c, w.data(), w.data(), rm.data(), rv.data(), true, 0.1,
                          1e-5, y.data(), sm.data(), si.data());
  batchnorm1d_backward_f32(isa, dy.data(), x.data(), n, c, w.data(), sm.data(), si.data(), true,
                           dx.data(), dw.data(), db.data(), false);
  for (auto* v : {&y, &dx, &dw, &db, &rm, &rv}) out.insert(out.end(), v->begin(), v->end());
  layernorm_forward_f32(isa, x.data(), n, c, w.data(), w.data(), 1e-5, y.data(), lm.data(),
                        li.data());
  layernorm_backward_f32(isa, dy.data(), x.data(), n, c, w.data(), lm.data(), li.data(), dx.data(),
                         dw.data(), db.data(), false);
  for (auto* v : {&y, &dx, &dw, &db}) out.insert(out.end(), v->begin(), v->end());
  return out;
}

void test_thread_determinism(Isa isa) {
  const int saved = num_threads();
  for (size_t n : {1000, 3, 130}) {
    const size_t c = n == 3 ? 70001 : 300;
    set_num_threads(1);
    const std::vector<float> one = run_all(isa, n, c);
    for (int t : {2, 3, 8}) {
      set_num_threads(t);
      const std::vector<float> many = run_all(isa, n, c);
      bool same = many.size() == one.size();
      for (size_t i = 0; same && i < one.size(); ++i) same = test::bits_equal(one[i], many[i]);
      CHECK_MSG(same, "%s [%zu, %zu]: threads=%d differs from threads=1", isa_name(isa), n, c, t);
    }
  }
  set_num_threads(saved);
}

bool near_all(const std::vector<float>& a, const std::vector<float>& e, double tol) {
  if (a.size() != e.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::close(a[i], e[i], tol, tol)) return false;
  }
  return true;
}

// Every ISA against scalar on odd shapes, with and without weight/bias, NaN/Inf in one feature (and
// so in one LayerNorm row), training and eval.
void test_match_scalar() {
  const float kNaN = std::nanf(""), kInf = INFINITY;
  for (Isa isa : test::isas()) {
    for (size_t c : {1, 2, 3, 5, 7, 9, 17, 33}) {
      for (size_t n : {2, 3, 7}) {
        std::vector<float> x = test::random_floats(n * c, uint32_t(n * 100 + c), -3.f, 5.f);
        const std::vector<float> dy = test::random_floats(n * c, uint32_t(n * 100 + c + 1));
        const std::vector<float> w = test::random_floats(c, uint32_t(c + 2));
        const std::vector<float> b = test::random_floats(c, uint32_t(c + 3));
        if (c >= 3) {
          x[1] = kNaN;
          x[c + 2] = kInf;
        }
        for (bool affine : {false, true}) {
          for (bool training : {true, false}) {
            auto run = [&](Isa k) {
              std::vector<float> rm(c, 0.25f), rv(c, 1.5f), y(n * c), dx(n * c), dw(c, 1.f),
                  db(c, 2.f);
              std::vector<float> ly(n * c), ldx(n * c), ldw(c, 1.f), ldb(c, 2.f);
              std::vector<double> sm(c), si(c), lm(n), li(n);
              const float* wp = affine ? w.data() : nullptr;
              const float* bp = affine ? b.data() : nullptr;
              batchnorm1d_forward_f32(k, x.data(), n, c, wp, bp, rm.data(), rv.data(), training,
                                      0.1, 1e-5, y.data(), sm.data(), si.data());
              batchnorm1d_backward_f32(k, dy.data(), x.data(), n, c, wp, sm.data(), si.data(),
                                       training, dx.data(), dw.data(), db.data(), true);
              layernorm_forward_f32(k, x.data(), n, c, wp, bp, 1e-5, ly.data(), lm.data(),
                                    li.data());
              layernorm_backward_f32(k, dy.data(), x.data(), n, c, wp, lm.data(), li.data(),
                                     ldx.data(), ldw.data(), ldb.data(), true);
              std::vector<float> out;
              for (auto* v : {&rm, &rv, &y, &dx, &dw, &db, &ly, &ldx, &ldw, &ldb}) {
                out.insert(out.end(), v->begin(), v->end());
              }
              return out;
            };
            const std::vector<float> ref = run(Isa::kScalar), got = run(isa);
            CHECK_MSG(near_all(got, ref, 1e-6), "%s [%zu, %zu] affine=%d training=%d vs scalar",
                      isa_name(isa), n, c, int(affine), int(training));
          }
        }
      }
    }
  }
}

}  // namespace

int main() {
  for (Isa isa : test::isas()) {
    test_thread_determinism(isa);
    test_batchnorm_forward_large_offset(isa);
    test_batchnorm_backward_identities(isa);
    test_layernorm(isa);
  }
  test_match_scalar();
  return test::finish("normalization_test");
}
