// Softmax / log-softmax kernels: every ISA against a float64 reference and against the scalar row
// loops on edge sizes (vector tails), -inf masking, all -inf rows (NaN), NaN and ±Inf inputs, ±100
// logits, huge and denormal values, empty shapes, in place, and 1/2/many threads bit-identical.
#include "kernels/softmax/softmax.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<double> reference(const std::vector<float>& x, size_t rows, size_t cols, bool log) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < rows; ++r) {
    double m = -INFINITY;
    bool nan = false;
    for (size_t j = 0; j < cols; ++j) {
      nan = nan || std::isnan(x[r * cols + j]);
      m = x[r * cols + j] > m ? x[r * cols + j] : m;
    }
    double s = 0;
    for (size_t j = 0; j < cols; ++j) s += std::exp(x[r * cols + j] - m);
    for (size_t j = 0; j < cols; ++j) {
      const double v = x[r * cols + j] - m;
      y[r * cols + j] = nan ? NAN : (log ? v - std::log(s) : std::exp(v) / s);
    }
  }
  return y;
}

// Rows of every kind: random, ±100, masked, all masked, a NaN, +Inf, denormals.
std::vector<float> special_rows(size_t rows, size_t cols, uint32_t seed) {
  std::vector<float> x = test::random_floats(rows * cols, seed, -5.f, 5.f);
  for (size_t r = 0; r < rows; ++r) {
    float* row = x.data() + r * cols;
    switch (r % 7) {
      case 1:
        for (size_t j = 0; j < cols; ++j) row[j] *= 20.f;  // ±100
        break;
      case 2:
        for (size_t j = 0; j < cols; j += 3) row[j] = -kInf;
        row[cols - 1] = 1.f;  // at least one finite entry
        break;
      case 3:
        for (size_t j = 0; j < cols; ++j) row[j] = -kInf;
        break;
      case 4: row[cols / 2] = NAN; break;
      case 5:
        for (size_t j = 0; j < cols; ++j) row[j] = 1e-40f * static_cast<float>(j % 5);
        break;
      case 6: row[0] = 3e38f; break;
      default: break;
    }
  }
  return x;
}

bool near(float a, double e, double rtol, double atol) { return test::close(a, e, rtol, atol); }

void test_against_reference(Isa isa) {
  for (size_t cols : test::edge_sizes()) {
    if (cols == 0 || cols > 20000) continue;
    const size_t rows = 7;
    const std::vector<float> x = special_rows(rows, cols, static_cast<uint32_t>(cols));
    for (bool log : {false, true}) {
      std::vector<float> y(x.size());
      softmax_forward_f32(isa, x.data(), rows, cols, log, y.data());
      const std::vector<double> e = reference(x, rows, cols, log);
      for (size_t i = 0; i < y.size(); ++i) {
        CHECK_MSG(near(y[i], e[i], 2e-6, log ? 1e-5 : 1e-7), "%s log=%d cols=%zu [%zu]: %g vs %g",
                  isa_name(isa), log, cols, i, y[i], e[i]);
      }
      // in place gives the same bits
      std::vector<float> z = x;
      softmax_forward_f32(isa, z.data(), rows, cols, log, z.data());
      bool same = true;
      for (size_t i = 0; i < z.size(); ++i) same = same && test::bits_equal(z[i], y[i]);
      CHECK_MSG(same, "%s log=%d cols=%zu: in place differs", isa_name(isa), log, cols);
    }
  }
}

void test_backward(Isa isa) {
  for (size_t cols : {1, 3, 8, 9, 17, 100, 1001}) {
    const size_t rows = 7;
    const std::vector<float> x = special_rows(rows, cols, 40 + static_cast<uint32_t>(cols));
    const std::vector<float> gy = test::random_floats(x.size(), 41);
    for (bool log : {false, true}) {
      std::vector<float> y(x.size()), gx(x.size());
      softmax_forward_f32(isa, x.data(), rows, cols, log, y.data());
      softmax_backward_f32(isa, y.data(), gy.data(), rows, cols, log, gx.data());
      for (size_t r = 0; r < rows; ++r) {
        double s = 0;
        for (size_t j = 0; j < cols; ++j) {
          const size_t i = r * cols + j;
          s += log ? gy[i] : static_cast<double>(gy[i]) * y[i];
        }
        for (size_t j = 0; j < cols; ++j) {
          const size_t i = r * cols + j;
          const double e =
              log ? gy[i] - std::exp(static_cast<double>(y[i])) * s : y[i] * (gy[i] - s);
          CHECK_MSG(near(gx[i], e, 1e-5, 1e-6), "%s log=%d cols=%zu [%zu]: %g vs %g", isa_name(isa),
                    log, cols, i, gx[i], e);
        }
      }
      // masked entries: softmax 0, log-softmax gradY; an all -inf row NaN
      if (cols >= 3) {
        const size_t r2 = 2 * cols, r3 = 3 * cols;
        CHECK(y[r2] == (log ? -kInf : 0.f));
        CHECK(gx[r2] == (log ? gy[r2] : 0.f));
        CHECK(std::isnan(y[r3]) && std::isnan(gx[r3]));
      }
      // gradX in place of gradY and of y
      std::vector<float> g1 = gy, y1 = y;
      softmax_backward_f32(isa, y.data(), g1.data(), rows, cols, log, g1.data());
      softmax_backward_f32(isa, y1.data(), gy.data(), rows, cols, log, y1.data());
      bool same = true;
      for (size_t i = 0; i < gx.size(); ++i) {
        same = same && test::bits_equal(g1[i], gx[i]) && test::bits_equal(y1[i], gx[i]);
      }
      CHECK_MSG(same, "%s log=%d cols=%zu: in-place backward differs", isa_name(isa), log, cols);
    }
  }
  // empty shapes write nothing
  float sentinel = 5.f;
  softmax_forward_f32(isa, &sentinel, 0, 3, false, &sentinel);
  softmax_forward_f32(isa, &sentinel, 3, 0, true, &sentinel);
  softmax_backward_f32(isa, &sentinel, &sentinel, 0, 4, false, &sentinel);
  CHECK(sentinel == 5.f);
}

// Every ISA's row loops against the scalar ones, function by function, on tails.
void test_rows_match_scalar(Isa isa) {
  const SoftmaxRowKernels& s = softmax_row_kernels(Isa::kScalar);
  const SoftmaxRowKernels& k = softmax_row_kernels(isa);
  for (size_t n : test::edge_sizes()) {
    if (n > 20000) continue;
    std::vector<float> x = test::random_floats(n, 50 + static_cast<uint32_t>(n), -30.f, 0.f);
    const std::vector<float> b = test::random_floats(n, 51);
    CHECK(k.row_max(x.data(), n) == s.row_max(x.data(), n));
    if (n > 2) {
      x[n - 1] = NAN;  // in the tail
      CHECK(std::isnan(k.row_max(x.data(), n)));
      x[n - 1] = -1.f;
    }
    std::vector<float> ys(n), yk(n);
    const double ss = s.exp_sum(x.data(), n, 0.5f, ys.data());
    const double sk = k.exp_sum(x.data(), n, 0.5f, yk.data());
    CHECK_MSG(test::close(sk, ss, 1e-6, 0), "%s exp_sum n=%zu", isa_name(isa), n);
    CHECK(test::close(k.exp_sum(x.data(), n, 0.5f, nullptr), ss, 1e-6, 0));
    for (size_t i = 0; i < n; ++i) CHECK(test::close(yk[i], ys[i], 4e-7, 1e-37));
    CHECK(test::close(k.dot(x.data(), b.data(), n), s.dot(x.data(), b.data(), n), 1e-12, 1e-12));
    CHECK(test::close(k.sum(x.data(), n), s.sum(x.data(), n), 1e-12, 1e-12));
    std::vector<float> gs(n), gk(n);
    s.log_grad(x.data(), b.data(), n, 0.75f, gs.data());
    k.log_grad(x.data(), b.data(), n, 0.75f, gk.data());
    for (size_t i = 0; i < n; ++i) CHECK(test::close(gk[i], gs[i], 1e-6, 1e-7));
    s.grad(x.data(), b.data(), n, 0.75f, gs.data());
    k.grad(x.data(), b.data(), n, 0.75f, gk.data());
    for (size_t i = 0; i < n; ++i) CHECK(test::bits_equal(gk[i], gs[i]));
  }
}

// Far below the row maximum: the vector loops flush e^v < e^-86 to 0 (no subnormal products, which
// cost a microcode assist each); the reference keeps subnormals. Either is within 1e-37 of e^v.
void test_tiny_exponents(Isa isa) {
  const SoftmaxRowKernels& k = softmax_row_kernels(isa);
  const float x[] = {-1000.f, -104.f, -90.f, -87.f, -86.5f, -85.9f, -80.f, -INFINITY, 0.f};
  float y[9];
  const double s = k.exp_sum(x, 9, 0.f, y);
  for (int i = 0; i < 9; ++i) {
    const double e = std::exp(static_cast<double>(x[i]));
    CHECK_MSG(test::close(y[i], e, 1e-6, 1e-37), "%s e^%g = %g", isa_name(isa), x[i], y[i]);
    CHECK(y[i] >= 0.f);
  }
  CHECK(y[5] > 0.f && y[6] > 0.f && y[7] == 0.f && y[8] == 1.f);
  CHECK(test::close(s, 1.0, 1e-12, 0));
}

void test_threads(Isa isa) {
  const int saved = num_threads();
  const size_t rows = 3001, cols = 37;
  const std::vector<float> x = special_rows(rows, cols, 60);
  const std::vector<float> gy = test::random_floats(x.size(), 61);
  auto run = [&](bool log) {
    std::vector<float> y(x.size()), gx(x.size());
    softmax_forward_f32(isa, x.data(), rows, cols, log, y.data());
    softmax_backward_f32(isa, y.data(), gy.data(), rows, cols, log, gx.data());
    y.insert(y.end(), gx.begin(), gx.end());
    return y;
  };
  for (bool log : {false, true}) {
    set_num_threads(1);
    const std::vector<float> one = run(log);
    for (int t : {2, 3, 8}) {
      set_num_threads(t);
      const std::vector<float> many = run(log);
      bool same = true;
      for (size_t i = 0; i < one.size(); ++i) same = same && test::bits_equal(one[i], many[i]);
      CHECK_MSG(same, "%s log=%d threads=%d differs from 1", isa_name(isa), log, t);
    }
  }
  set_num_threads(saved);
}

}  // namespace

int main() {
  for (Isa isa : test::isas()) {
    test_against_reference(isa);
    test_backward(isa);
    test_rows_match_scalar(isa);
    test_tiny_exponents(isa);
    test_threads(isa);
  }
  return test::finish("softmax_test");
}
