// Scalar reference for the norm family: float64 accumulation in four interleaved partial sums
// combined as (s0 + s1) + (s2 + s3); built with -ffp-contract=off so no FMA changes its meaning.
#include <cmath>
#include <cstring>

#include "kernels/norm/norm.h"

namespace gradguard {
namespace kernels {
namespace scalar {
namespace {

inline uint32_t abs_bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof(b));
  return b & 0x7fffffffu;
}

}  // namespace

double sumsq_f32__scalar(const float* x, size_t n) {
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    s[i & 3] += v * v;
  }
  return (s[0] + s[1]) + (s[2] + s[3]);
}

double sumabs_f32__scalar(const float* x, size_t n) {
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  for (size_t i = 0; i < n; ++i) s[i & 3] += std::fabs(static_cast<double>(x[i]));
  return (s[0] + s[1]) + (s[2] + s[3]);
}

uint32_t maxabs_f32__scalar(const float* x, size_t n) {
  uint32_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t b = abs_bits(x[i]);
    m = b > m ? b : m;
  }
  return m;
}

double sumpow_f32__scalar(const float* x, size_t n, double p) {
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  for (size_t i = 0; i < n; ++i) s[i & 3] += std::pow(std::fabs(static_cast<double>(x[i])), p);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

void stats_f32__scalar(const float* x, size_t n, StatsPartial* out) {
  out->sum_squares = sumsq_f32__scalar(x, n);
  out->max_abs_bits = maxabs_f32__scalar(x, n);
  uint64_t bad = 0;
  for (size_t i = 0; i < n; ++i) bad += abs_bits(x[i]) > 0x7f7fffffu;
  out->nonfinite = bad;
}

void scale_f32__scalar(float* x, size_t n, float s) {
  for (size_t i = 0; i < n; ++i) x[i] *= s;
}

void clamp_f32__scalar(float* x, size_t n, float lo, float hi) {
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (v < lo)
      x[i] = lo;  // false for NaN: NaN stays
    else if (v > hi)
      x[i] = hi;
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
