// BatchNorm1d and LayerNorm kernels against long-double references on mean-100 data (where a
// one-pass float32 variance fails), running-statistics update, backward identities, accumulate.
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/normalization/normalization.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

void test_batchnorm_forward_large_offset() {
  const size_t n = 33, c = 17;
  std::vector<float> x = test::random_floats(n * c, 1, 99.f, 101.f);
  std::vector<float> w = test::random_floats(c, 2), b = test::random_floats(c, 3);
  std::vector<float> rm(c, 0.5f), rv(c, 2.f), y(n * c);
  std::vector<double> sm(c), si(c);
  batchnorm1d_forward_f32(x.data(), n, c, w.data(), b.data(), rm.data(), rv.data(), true, 0.1,
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

void test_batchnorm_backward_identities() {
  const size_t n = 9, c = 5;
  std::vector<float> x = test::random_floats(n * c, 4), dy = test::random_floats(n * c, 5);
  std::vector<float> w = test::random_floats(c, 6), y(n * c), dx(n * c), dw(c, 1.f), db(c, 2.f);
  std::vector<double> sm(c), si(c);
  // eps = 0: the orthogonality to xhat below is exact only then.
  batchnorm1d_forward_f32(x.data(), n, c, w.data(), nullptr, nullptr, nullptr, true, 0.1, 0.0,
                          y.data(), sm.data(), si.data());
  batchnorm1d_backward_f32(dy.data(), x.data(), n, c, w.data(), sm.data(), si.data(), true,
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

void test_layernorm() {
  const size_t m = 4, d = 257;
  std::vector<float> x = test::random_floats(m * d, 7, 99.f, 101.f), dy = test::random_floats(m * d, 8);
  std::vector<float> y(m * d), dx(m * d), dw(d), db(d);
  std::vector<double> sm(m), si(m);
  layernorm_forward_f32(x.data(), m, d, nullptr, nullptr, 1e-5, y.data(), sm.data(), si.data());
  layernorm_backward_f32(dy.data(), x.data(), m, d, nullptr, sm.data(), si.data(), dx.data(),
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
std::vector<float> run_all(size_t n, size_t c) {
  std::vector<float> x = test::random_floats(n * c, 11, 99.f, 101.f), dy = test::random_floats(n * c, 12);
  std::vector<float> w = test::random_floats(c, 13), rm(c, 0.f), rv(c, 1.f);
  std::vector<float> y(n * c), dx(n * c), dw(c), db(c), out;
  std::vector<double> sm(c), si(c), lm(n), li(n);
  batchnorm1d_forward_f32(x.data(), n, c, w.data(), w.data(), rm.data(), rv.data(), true, 0.1, 1e-5,
                          y.data(), sm.data(), si.data());
  batchnorm1d_backward_f32(dy.data(), x.data(), n, c, w.data(), sm.data(), si.data(), true,
                           dx.data(), dw.data(), db.data(), false);
  for (auto* v : {&y, &dx, &dw, &db, &rm, &rv}) out.insert(out.end(), v->begin(), v->end());
  layernorm_forward_f32(x.data(), n, c, w.data(), w.data(), 1e-5, y.data(), lm.data(), li.data());
  layernorm_backward_f32(dy.data(), x.data(), n, c, w.data(), lm.data(), li.data(), dx.data(),
                         dw.data(), db.data(), false);
  for (auto* v : {&y, &dx, &dw, &db}) out.insert(out.end(), v->begin(), v->end());
  return out;
}

void test_thread_determinism() {
  const int saved = num_threads();
  for (size_t n : {1000, 3, 130}) {
    const size_t c = n == 3 ? 70001 : 300;
    set_num_threads(1);
    const std::vector<float> one = run_all(n, c);
    for (int t : {2, 3, 8}) {
      set_num_threads(t);
      const std::vector<float> many = run_all(n, c);
      bool same = many.size() == one.size();
      for (size_t i = 0; same && i < one.size(); ++i) same = test::bits_equal(one[i], many[i]);
      CHECK_MSG(same, "[%zu, %zu]: threads=%d differs from threads=1", n, c, t);
    }
  }
  set_num_threads(saved);
}

}  // namespace

int main() {
  test_thread_determinism();
  test_batchnorm_forward_large_offset();
  test_batchnorm_backward_identities();
  test_layernorm();
  return test::finish("normalization_test");
}
