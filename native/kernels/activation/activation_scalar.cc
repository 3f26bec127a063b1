// The scalar reference: each element computed in float64 with the C library's exp/tanh/erf/log1p
// and rounded once to float32, so it is accurate to within 1 ulp of the true result: the reference
// the SIMD variants (which vectorise every kind, tails included) are tested against.
// Formulas are arranged so no intermediate overflows or cancels (sigmoid via exp(-|x|), softplus
// via max(z, 0) + log1p(exp(-|z|)), 1 + tanh u as 2 sigmoid(2u), sigmoid' and tanh' from
// exp(-|x|)).
#include <cmath>

#include "kernels/activation/activation.h"

namespace gradguard {
namespace kernels {
namespace scalar {
namespace {

constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2/pi)
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi)
constexpr double kGeluC = 0.044715;

inline double sigmoid(double x) {
  const double e = std::exp(-std::fabs(x));  // in (0, 1]: never overflows
  return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

// sigmoid'(x) = s (1 - s) = e / (1 + e)^2, e = exp(-|x|): no cancellation for large |x|.
inline double dsigmoid(double x) {
  const double e = std::exp(-std::fabs(x));
  return e / ((1.0 + e) * (1.0 + e));
}

inline double fwd(int fn, double x, double p0, double p1) {
  switch (fn) {
    case 0:  // relu (NaN stays NaN)
      return x > 0 ? x : (x != x ? x : 0.0);
    case 1: return x > 0 ? x : x * p0;
    case 2: return sigmoid(x);
    case 3: return std::tanh(x);
    case 4: return 0.5 * x * std::erfc(-x * kInvSqrt2);  // erfc: no cancellation in the left tail
    case 5: {  // 0.5 x (1 + tanh u) = x sigmoid(2u): no cancellation in the left tail
      const double u = kSqrt2OverPi * (x + kGeluC * x * x * x);
      return x * sigmoid(2.0 * u);
    }
    case 6: return x > 0 ? x : p0 * std::expm1(x);
    case 7: {
      const double z = x * p0;
      if (z > p1) return x;
      return (std::fmax(z, 0.0) + std::log1p(std::exp(-std::fabs(z)))) / p0;
    }
    default: return x;
  }
}

// f'(x) (the factor grad_y is multiplied by).
inline double deriv(int fn, double x, double p0, double p1) {
  switch (fn) {
    case 0:  // PyTorch's threshold_backward: a NaN input passes the gradient through
      return x <= 0 ? 0.0 : 1.0;
    case 1: return x > 0 ? 1.0 : p0;
    case 2: return dsigmoid(x);
    case 3: {
      // 1 - tanh^2 = 4E / (1 + E)^2 with E = exp(-2|x|): exact where 1 - t^2 would round to 0
      const double e = std::exp(-2.0 * std::fabs(x));
      return 4.0 * e / ((1.0 + e) * (1.0 + e));
    }
    case 4: {
      const double cdf = 0.5 * std::erfc(-x * kInvSqrt2);
      const double pdf = kInvSqrt2Pi * std::exp(-0.5 * x * x);
      return cdf + x * pdf;
    }
    case 5: {
      // d/dx x sigmoid(2u) = sigmoid(2u) + 2 x sigmoid'(2u) u'
      // (= 0.5 (1 + t) + 0.5 x (1 - t^2) u' with t = tanh u, without its cancellations)
      const double x2 = x * x;
      const double u = kSqrt2OverPi * (x + kGeluC * x2 * x);
      const double du = kSqrt2OverPi * (1.0 + 3.0 * kGeluC * x2);
      return sigmoid(2.0 * u) + 2.0 * x * dsigmoid(2.0 * u) * du;
    }
    case 6: return x <= 0 ? p0 * std::exp(x) : 1.0;
    case 7: {
      const double z = x * p0;
      if (z > p1) return 1.0;
      return sigmoid(z);
    }
    default: return 1.0;
  }
}

}  // namespace

void act_fwd_f32__scalar(int fn, const float* x, float* y, size_t n, float p0, float p1) {
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(fwd(fn, x[i], p0, p1));
}

void act_bwd_f32__scalar(int fn, const float* x, const float* grad_y, float* grad_x, size_t n,
                         float p0, float p1) {
  for (size_t i = 0; i < n; ++i) {
    grad_x[i] = static_cast<float>(static_cast<double>(grad_y[i]) * deriv(fn, x[i], p0, p1));
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
