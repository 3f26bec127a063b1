// Reference inner loops of BatchNorm1d/LayerNorm (normalization_rows.h): one element at a time,
// float64 accumulation, -ffp-contract=off.
#include <cmath>

#include "kernels/normalization/normalization_rows.h"

namespace gradguard {
namespace kernels {
namespace scalar {

void ln_stats__scalar(const float* x, size_t d, double eps, double* mean, double* invstd) {
  double mu = 0.0;
  for (size_t j = 0; j < d; ++j) mu += x[j];
  mu /= static_cast<double>(d);
  double m2 = 0.0;
  for (size_t j = 0; j < d; ++j) {
    const double dlt = x[j] - mu;
    m2 += dlt * dlt;
  }
  *mean = mu;
  *invstd = 1.0 / std::sqrt(m2 / static_cast<double>(d) + eps);
}

void ln_apply__scalar(const float* x, size_t d, double mean, double invstd, const float* w,
                      const float* b, float* y) {
  for (size_t j = 0; j < d; ++j) {
    const double wj = w ? w[j] : 1.0;
    const double bj = b ? b[j] : 0.0;
    y[j] = static_cast<float>((x[j] - mean) * invstd * wj + bj);
  }
}

void ln_backward__scalar(const float* x, const float* dy, size_t d, double mean, double invstd,
                         const float* w, double* acc_w, double* acc_b, float* dx) {
  double sum_gw = 0.0, sum_gw_xhat = 0.0;
  for (size_t j = 0; j < d; ++j) {
    const double xhat = (x[j] - mean) * invstd;
    const double gw = static_cast<double>(dy[j]) * (w ? w[j] : 1.0);
    sum_gw += gw;
    sum_gw_xhat += gw * xhat;
    acc_w[j] += dy[j] * xhat;
    acc_b[j] += dy[j];
  }
  if (!dx) return;
  const double inv_d = 1.0 / static_cast<double>(d);
  for (size_t j = 0; j < d; ++j) {
    const double xhat = (x[j] - mean) * invstd;
    const double gw = static_cast<double>(dy[j]) * (w ? w[j] : 1.0);
    dx[j] = static_cast<float>(invstd * (gw - inv_d * sum_gw - xhat * inv_d * sum_gw_xhat));
  }
}

void bn_sum__scalar(const float* x, size_t cols, double* acc) {
  for (size_t j = 0; j < cols; ++j) acc[j] += x[j];
}

void bn_sum_sq__scalar(const float* x, size_t cols, const double* mean, double* acc) {
  for (size_t j = 0; j < cols; ++j) {
    const double dlt = x[j] - mean[j];
    acc[j] += dlt * dlt;
  }
}

void bn_apply__scalar(const float* x, size_t cols, const double* mean, const double* invstd,
                      const float* w, const float* b, float* y) {
  for (size_t j = 0; j < cols; ++j) {
    const double wj = w ? w[j] : 1.0;
    const double bj = b ? b[j] : 0.0;
    y[j] = static_cast<float>((x[j] - mean[j]) * invstd[j] * wj + bj);
  }
}

void bn_grad_sums__scalar(const float* dy, const float* x, size_t cols, const double* mean,
                          const double* invstd, double* sum_dy, double* sum_dy_xhat) {
  for (size_t j = 0; j < cols; ++j) {
    const double g = dy[j];
    sum_dy[j] += g;
    sum_dy_xhat[j] += g * (x[j] - mean[j]) * invstd[j];
  }
}

void bn_dx__scalar(const float* dy, const float* x, size_t cols, const double* mean,
                   const double* invstd, const float* w, const double* sum_dy,
                   const double* sum_dy_xhat, double inv_n, bool training, float* dx) {
  for (size_t j = 0; j < cols; ++j) {
    const double k = (w ? w[j] : 1.0) * invstd[j];
    const double g = dy[j];
    if (training) {
      const double xhat = (x[j] - mean[j]) * invstd[j];
      dx[j] = static_cast<float>(k * (g - inv_n * sum_dy[j] - xhat * inv_n * sum_dy_xhat[j]));
    } else {
      dx[j] = static_cast<float>(k * g);
    }
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
