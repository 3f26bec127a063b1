// Loss kernels (baseline flags): one pass each, float64 accumulation. They are memory- and
// exp-bound, small next to the GEMMs around them, so one portable implementation serves every ISA.
#include "kernels/loss/loss.h"

#include <cmath>
#include <limits>

namespace gradguard {
namespace kernels {

double mse_loss(const float* input, const float* target, size_t n, bool mean, float* grad) {
  const double scale = mean ? 1.0 / static_cast<double>(n) : 1.0;
  double acc = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(input[i]) - static_cast<double>(target[i]);
    acc += d * d;
    if (grad) grad[i] = static_cast<float>(2.0 * d * scale);
  }
  if (mean) return n == 0 ? std::numeric_limits<double>::quiet_NaN() : acc * scale;
  return acc;
}

Status cross_entropy_loss(const float* logits, const int32_t* labels, size_t batch, size_t classes,
                          float* grad, double* loss, size_t* bad_index) {
  for (size_t b = 0; b < batch; ++b) {
    if (labels[b] < 0 || static_cast<uint64_t>(labels[b]) >= classes) {
      if (bad_index) *bad_index = b;
      return Status::kInvalidArgument;
    }
  }
  if (batch == 0) {
    *loss = std::numeric_limits<double>::quiet_NaN();
    return Status::kOk;
  }
  const double inv_batch = 1.0 / static_cast<double>(batch);
  double acc = 0.0;
  for (size_t b = 0; b < batch; ++b) {
    const float* row = logits + b * classes;
    double mx = -std::numeric_limits<double>::infinity();
    bool nan = false;
    for (size_t j = 0; j < classes; ++j) {
      const double v = row[j];
      if (v != v) nan = true;
      if (v > mx) mx = v;
    }
    double lse;
    if (nan) {
      lse = std::numeric_limits<double>::quiet_NaN();
    } else if (std::isinf(mx)) {
      lse = mx;  // +Inf: the loss is Inf or NaN as the formula gives it; -Inf everywhere: -Inf
    } else {
      double sum = 0.0;
      for (size_t j = 0; j < classes; ++j) sum += std::exp(static_cast<double>(row[j]) - mx);
      lse = mx + std::log(sum);
    }
    const size_t t = static_cast<size_t>(labels[b]);
    acc += lse - static_cast<double>(row[t]);
    if (grad) {
      float* g = grad + b * classes;
      for (size_t j = 0; j < classes; ++j) {
        const double p = std::exp(static_cast<double>(row[j]) - lse);
        g[j] = static_cast<float>((p - (j == t ? 1.0 : 0.0)) * inv_batch);
      }
    }
  }
  *loss = acc * inv_batch;
  return Status::kOk;
}

double bce_with_logits_loss(const float* input, const float* target, size_t n, float* grad) {
  const double inv_n = 1.0 / static_cast<double>(n);
  double acc = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double x = input[i];
    const double t = target[i];
    const double e = std::exp(-std::fabs(x));  // in (0, 1]
    acc += std::fmax(x, 0.0) - x * t + std::log1p(e);
    if (grad) {
      const double s = x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      grad[i] = static_cast<float>((s - t) * inv_n);
    }
  }
  return n == 0 ? std::numeric_limits<double>::quiet_NaN() : acc * inv_n;
}

}  // namespace kernels
}  // namespace gradguard
