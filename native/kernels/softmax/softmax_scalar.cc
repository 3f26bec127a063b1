// Scalar reference of the softmax row loops (softmax.h): std::exp in float32, sums in float64, in
// element order. PyTorch 1.13 semantics (max-subtracted; -inf entries give 0 / -inf; an all -inf
// row gives NaN). Compiled with -ffp-contract=off.
#include <cmath>
#include <limits>

#include "kernels/softmax/softmax.h"

namespace gradguard {
namespace kernels {
namespace scalar {

float sm_row_max__scalar(const float* x, size_t n) {
  float m = -std::numeric_limits<float>::infinity();
  for (size_t j = 0; j < n; ++j) {
    if (std::isnan(x[j])) return x[j];
    if (x[j] > m) m = x[j];
  }
  return m;
}

double sm_exp_sum__scalar(const float* x, size_t n, float m, float* y) {
  double s = 0;
  for (size_t j = 0; j < n; ++j) {
    const float e = std::exp(x[j] - m);
    if (y) y[j] = e;
    s += e;
  }
  return s;
}

void sm_scale__scalar(float* y, size_t n, float s) {
  for (size_t j = 0; j < n; ++j) y[j] *= s;
}

void sm_log_out__scalar(const float* x, size_t n, float m, float ls, float* y) {
  for (size_t j = 0; j < n; ++j) y[j] = (x[j] - m) - ls;
}

double sm_dot__scalar(const float* a, const float* b, size_t n) {
  double s = 0;
  for (size_t j = 0; j < n; ++j) s += static_cast<double>(a[j]) * b[j];
  return s;
}

double sm_sum__scalar(const float* a, size_t n) {
  double s = 0;
  for (size_t j = 0; j < n; ++j) s += a[j];
  return s;
}

void sm_grad__scalar(const float* y, const float* gy, size_t n, float s, float* gx) {
  for (size_t j = 0; j < n; ++j) gx[j] = y[j] * (gy[j] - s);
}

void sm_log_grad__scalar(const float* y, const float* gy, size_t n, float s, float* gx) {
  for (size_t j = 0; j < n; ++j) gx[j] = gy[j] - std::exp(y[j]) * s;
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
