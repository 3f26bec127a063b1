// Loss kernels against straightforward float64 formulas, with stability, label checks and aliasing.
#include "kernels/loss/loss.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;
using gradguard::test::close;

namespace {

void test_mse() {
  for (size_t n : {size_t(1), size_t(7), size_t(1000)}) {
    std::vector<float> x = test::random_floats(n, 1, -3.f, 3.f), t = test::random_floats(n, 2);
    std::vector<float> g(n);
    double ref = 0;
    for (size_t i = 0; i < n; ++i) ref += (double(x[i]) - t[i]) * (double(x[i]) - t[i]);
    CHECK(close(mse_loss(x.data(), t.data(), n, false, g.data()), ref, 1e-14, 0));
    CHECK(close(g[0], 2.0 * (double(x[0]) - t[0]), 1e-7, 0));
    CHECK(close(mse_loss(x.data(), t.data(), n, true, g.data()), ref / n, 1e-14, 0));
    CHECK(close(g[n - 1], 2.0 * (double(x[n - 1]) - t[n - 1]) / n, 1e-7, 0));
    // grad aliasing input
    std::vector<float> xi = x;
    mse_loss(xi.data(), t.data(), n, true, xi.data());
    CHECK(xi[0] == g[0]);
  }
  CHECK(std::isnan(mse_loss(nullptr, nullptr, 0, true, nullptr)));
  CHECK(mse_loss(nullptr, nullptr, 0, false, nullptr) == 0.0);
}

void test_cross_entropy() {
  const size_t batch = 5, classes = 7;
  std::vector<float> x = test::random_floats(batch * classes, 3, -4.f, 4.f);
  std::vector<int32_t> labels = {0, 6, 3, 3, 1};
  std::vector<float> g(batch * classes);
  double loss = 0;
  CHECK(cross_entropy_loss(x.data(), labels.data(), batch, classes, g.data(), &loss, nullptr) ==
        Status::kOk);
  double ref = 0;
  for (size_t b = 0; b < batch; ++b) {
    double s = 0;
    for (size_t j = 0; j < classes; ++j) s += std::exp(double(x[b * classes + j]));
    ref += std::log(s) - x[b * classes + labels[b]];
    for (size_t j = 0; j < classes; ++j) {
      const double p = std::exp(double(x[b * classes + j])) / s;
      CHECK(close(g[b * classes + j], (p - (int(j) == labels[b])) / batch, 1e-6, 1e-9));
    }
  }
  CHECK(close(loss, ref / batch, 1e-12, 0));
  // ±100 logits: finite, exact-ish
  float big[6] = {100.f, -100.f, 0.f, -100.f, 100.f, 0.f};
  int32_t lb[2] = {1, 1};
  float gb[6];
  CHECK(cross_entropy_loss(big, lb, 2, 3, gb, &loss, nullptr) == Status::kOk);
  CHECK(close(loss, 100.0, 1e-9, 0));
  for (float v : gb) CHECK(std::isfinite(v));
  // a bad label: error, nothing written
  int32_t bad[2] = {0, 3};
  float gbad[6] = {9, 9, 9, 9, 9, 9};
  size_t where = 99;
  CHECK(cross_entropy_loss(big, bad, 2, 3, gbad, &loss, &where) == Status::kInvalidArgument);
  CHECK(where == 1 && gbad[0] == 9.f && gbad[5] == 9.f);
  int32_t neg[1] = {-1};
  CHECK(cross_entropy_loss(big, neg, 1, 3, nullptr, &loss, &where) == Status::kInvalidArgument);
  // empty batch: NaN
  CHECK(cross_entropy_loss(nullptr, nullptr, 0, 3, nullptr, &loss, nullptr) == Status::kOk &&
        std::isnan(loss));
}

void test_bce() {
  float x[4] = {100.f, -100.f, 1000.f, -1000.f}, t[4] = {0.f, 1.f, 1.f, 0.f}, g[4];
  CHECK(close(bce_with_logits_loss(x, t, 4, g), 50.0, 1e-12, 0));
  CHECK(g[0] == 0.25f && g[1] == -0.25f && g[2] == 0.f && g[3] == 0.f);
  const size_t n = 33;
  std::vector<float> xs = test::random_floats(n, 5, -5.f, 5.f),
                     ts = test::random_floats(n, 6, 0.f, 1.f), gs(n);
  double ref = 0;
  for (size_t i = 0; i < n; ++i) {
    const double v = xs[i], tv = ts[i];
    ref +=
        -(tv * std::log(1 / (1 + std::exp(-v))) + (1 - tv) * std::log(1 - 1 / (1 + std::exp(-v))));
  }
  CHECK(close(bce_with_logits_loss(xs.data(), ts.data(), n, gs.data()), ref / n, 1e-10, 0));
  CHECK(close(gs[0], (1 / (1 + std::exp(-double(xs[0]))) - ts[0]) / n, 1e-6, 1e-12));
  float nan = std::numeric_limits<float>::quiet_NaN(), one = 1.f;
  CHECK(std::isnan(bce_with_logits_loss(&nan, &one, 1, nullptr)));
}

}  // namespace

int main() {
  test_mse();
  test_cross_entropy();
  test_bce();
  return test::finish("loss_test");
}
