// BatchNorm2d kernels (kernels/normalization, batchnorm2d_*) on every ISA: against a long-double
// reference on mean-100 data, plane == 1 bit-identical to batchnorm1d, the backward's identities,
// every ISA against the scalar column loops (odd planes for vector tails), NaN confined to its
// channel, and 1, 2 and many threads bit-identical.
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/normalization/normalization.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

struct Run {
  std::vector<float> y, rm, rv, dx, dw, db;
  std::vector<double> sm, si;
};

Run run(Isa isa, const std::vector<float>& x, const std::vector<float>& dy, size_t n, size_t c,
        size_t plane, bool training) {
  Run r;
  const std::vector<float> w = test::random_floats(c, 2), b = test::random_floats(c, 3);
  r.y.resize(x.size());
  r.rm.assign(c, 0.5f);
  r.rv.assign(c, 2.f);
  r.sm.resize(c);
  r.si.resize(c);
  batchnorm2d_forward_f32(isa, x.data(), n, c, plane, w.data(), b.data(), r.rm.data(), r.rv.data(),
                          training, 0.1, 1e-5, r.y.data(), r.sm.data(), r.si.data());
  r.dx.resize(x.size());
  r.dw.assign(c, 1.f);
  r.db.assign(c, 1.f);
  batchnorm2d_backward_f32(isa, dy.data(), x.data(), n, c, plane, w.data(), r.sm.data(),
                           r.si.data(), training, r.dx.data(), r.dw.data(), r.db.data(), false);
  return r;
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::bits_equal(a[i], b[i])) return false;
  }
  return true;
}

bool near(const std::vector<float>& a, const std::vector<float>& e, double tol) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::close(a[i], e[i], tol, tol)) return false;
  }
  return true;
}

void test_large_offset(Isa isa) {
  const size_t n = 3, c = 5, plane = 7 * 9;
  const std::vector<float> x = test::random_floats(n * c * plane, 1, 99.f, 101.f);
  const std::vector<float> dy = test::random_floats(x.size(), 4);
  const Run r = run(isa, x, dy, n, c, plane, true);
  const std::vector<float> w = test::random_floats(c, 2), b = test::random_floats(c, 3);
  const size_t m = n * plane;
  for (size_t j = 0; j < c; ++j) {
    long double mean = 0, m2 = 0;
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < plane; ++k) mean += x[(i * c + j) * plane + k];
    }
    mean /= m;
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < plane; ++k) {
        const long double d = x[(i * c + j) * plane + k] - mean;
        m2 += d * d;
      }
    }
    const long double invstd = 1.0L / std::sqrt(m2 / m + 1e-5L);
    CHECK(test::close(r.sm[j], static_cast<double>(mean), 1e-12, 0));
    CHECK(test::close(r.si[j], static_cast<double>(invstd), 1e-9, 0));
    CHECK(test::close(r.rv[j], static_cast<double>(0.9L * 2 + 0.1L * m2 / (m - 1)), 1e-6, 1e-6));
    long double sdy = 0;
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < plane; ++k) {
        const size_t e = (i * c + j) * plane + k;
        CHECK(test::close(r.y[e], static_cast<double>((x[e] - mean) * invstd * w[j] + b[j]), 1e-5,
                          1e-5));
        sdy += dy[e];
      }
    }
    CHECK(test::close(r.db[j], static_cast<double>(sdy), 1e-5, 1e-5));
    // Training: dx sums to 0 over the channel.
    double sdx = 0;
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < plane; ++k) sdx += r.dx[(i * c + j) * plane + k];
    }
    CHECK(std::fabs(sdx) < 1e-4);
  }
}

void test_plane1_is_batchnorm1d(Isa isa) {
  const size_t n = 13, c = 9;
  const std::vector<float> x = test::random_floats(n * c, 5), dy = test::random_floats(n * c, 6);
  const Run r = run(isa, x, dy, n, c, 1, true);
  const std::vector<float> w = test::random_floats(c, 2), b = test::random_floats(c, 3);
  std::vector<float> y(n * c), rm(c, 0.5f), rv(c, 2.f), dx(n * c), dw(c), db(c);
  std::vector<double> sm(c), si(c);
  batchnorm1d_forward_f32(isa, x.data(), n, c, w.data(), b.data(), rm.data(), rv.data(), true, 0.1,
                          1e-5, y.data(), sm.data(), si.data());
  batchnorm1d_backward_f32(isa, dy.data(), x.data(), n, c, w.data(), sm.data(), si.data(), true,
                           dx.data(), dw.data(), db.data(), false);
  CHECK(same(r.y, y) && same(r.rv, rv) && same(r.dx, dx) && same(r.dw, dw) && same(r.db, db));
}

void test_isa_vs_scalar(Isa isa) {
  for (size_t plane : {2, 3, 4, 5, 7, 8, 9, 17, 49, 784}) {
    for (bool training : {true, false}) {
      const size_t n = 3, c = 4;
      std::vector<float> x =
          test::random_floats(n * c * plane, static_cast<uint32_t>(plane), -3.f, 3.f);
      const std::vector<float> dy = test::random_floats(x.size(), 8);
      x[plane + 1] = NAN;  // channel 1 only
      const Run a = run(isa, x, dy, n, c, plane, training);
      const Run s = run(Isa::kScalar, x, dy, n, c, plane, training);
      // The vector column loops may contract (x - mean) * invstd * w + b with FMA: float64
      // rounding differences, far below float32's.
      CHECK_MSG(near(a.y, s.y, 1e-6) && near(a.dx, s.dx, 1e-5) && near(a.dw, s.dw, 1e-5) &&
                    near(a.db, s.db, 1e-6) && near(a.rv, s.rv, 1e-6),
                "isa %s plane %zu training %d", isa_name(isa), plane, training);
      for (size_t i = 0; i < n; ++i) {
        for (size_t k = 0; k < plane; ++k) {
          CHECK(std::isnan(a.y[(i * c + 1) * plane + k]) == training || (i == 0 && k == 1));
          CHECK(std::isfinite(a.y[(i * c + 2) * plane + k]));
        }
      }
    }
  }
}

void test_threads(Isa isa) {
  const int saved = num_threads();
  const size_t n = 4, c = 37, plane = 81;
  const std::vector<float> x = test::random_floats(n * c * plane, 9),
                           dy = test::random_floats(x.size(), 10);
  set_num_threads(1);
  const Run one = run(isa, x, dy, n, c, plane, true);
  for (int t : {2, 3, 8}) {
    set_num_threads(t);
    const Run many = run(isa, x, dy, n, c, plane, true);
    CHECK_MSG(same(many.y, one.y) && same(many.dx, one.dx) && same(many.dw, one.dw) &&
                  same(many.rv, one.rv),
              "isa %s threads %d", isa_name(isa), t);
  }
  set_num_threads(saved);
}

}  // namespace

int main() {
  for (Isa isa : test::isas()) {
    test_large_offset(isa);
    test_plane1_is_batchnorm1d(isa);
    test_isa_vs_scalar(isa);
    test_threads(isa);
  }
  return test::finish("batchnorm2d_test");
}
