// NEON (AArch64) norm kernels: float32 loads widened to float64 pairs for the sums; max |x| and the
// non-finite count on integer bit patterns (NaN > Inf); scalar tails.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/norm/norm.h"

namespace gradguard {
namespace kernels {
namespace neon {
namespace {

inline uint32_t abs_bits(float v) {
  uint32_t b;
  __builtin_memcpy(&b, &v, sizeof(b));
  return b & 0x7fffffffu;
}

}  // namespace

double sumsq_f32__neon(const float* x, size_t n) {
  float64x2_t a0 = vdupq_n_f64(0.0), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t v0 = vld1q_f32(x + i), v1 = vld1q_f32(x + i + 4);
    const float64x2_t d0 = vcvt_f64_f32(vget_low_f32(v0)), d1 = vcvt_high_f64_f32(v0);
    const float64x2_t d2 = vcvt_f64_f32(vget_low_f32(v1)), d3 = vcvt_high_f64_f32(v1);
    a0 = vfmaq_f64(a0, d0, d0);
    a1 = vfmaq_f64(a1, d1, d1);
    a2 = vfmaq_f64(a2, d2, d2);
    a3 = vfmaq_f64(a3, d3, d3);
  }
  double s = vaddvq_f64(vaddq_f64(vaddq_f64(a0, a1), vaddq_f64(a2, a3)));
  for (; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return s;
}

double sumabs_f32__neon(const float* x, size_t n) {
  float64x2_t a0 = vdupq_n_f64(0.0), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t v0 = vabsq_f32(vld1q_f32(x + i)), v1 = vabsq_f32(vld1q_f32(x + i + 4));
    a0 = vaddq_f64(a0, vcvt_f64_f32(vget_low_f32(v0)));
    a1 = vaddq_f64(a1, vcvt_high_f64_f32(v0));
    a2 = vaddq_f64(a2, vcvt_f64_f32(vget_low_f32(v1)));
    a3 = vaddq_f64(a3, vcvt_high_f64_f32(v1));
  }
  double s = vaddvq_f64(vaddq_f64(vaddq_f64(a0, a1), vaddq_f64(a2, a3)));
  for (; i < n; ++i) s += x[i] < 0 ? -static_cast<double>(x[i]) : static_cast<double>(x[i]);
  return s;
}

uint32_t maxabs_f32__neon(const float* x, size_t n) {
  const uint32x4_t abs = vdupq_n_u32(0x7fffffffu);
  const uint32_t* p = reinterpret_cast<const uint32_t*>(x);
  uint32x4_t m0 = vdupq_n_u32(0), m1 = m0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    m0 = vmaxq_u32(m0, vandq_u32(vld1q_u32(p + i), abs));
    m1 = vmaxq_u32(m1, vandq_u32(vld1q_u32(p + i + 4), abs));
  }
  uint32_t m = vmaxvq_u32(vmaxq_u32(m0, m1));
  for (; i < n; ++i) {
    const uint32_t b = abs_bits(x[i]);
    m = b > m ? b : m;
  }
  return m;
}

void stats_f32__neon(const float* x, size_t n, StatsPartial* out) {
  const uint32x4_t abs = vdupq_n_u32(0x7fffffffu);
  const uint32x4_t max_finite = vdupq_n_u32(0x7f7fffffu);
  float64x2_t a0 = vdupq_n_f64(0.0), a1 = a0;
  uint32x4_t mx = vdupq_n_u32(0);
  uint64_t bad = 0;
  size_t i = 0;
  const size_t kBlock = size_t{1} << 24;  // flush the 32-bit lane counters before they can overflow
  while (i + 4 <= n) {
    uint32x4_t cnt = vdupq_n_u32(0);
    const size_t stop = n - i > kBlock ? i + kBlock : n;
    for (; i + 4 <= stop; i += 4) {
      const float32x4_t v = vld1q_f32(x + i);
      const uint32x4_t b = vandq_u32(vreinterpretq_u32_f32(v), abs);
      mx = vmaxq_u32(mx, b);
      cnt = vsubq_u32(cnt, vcgtq_u32(b, max_finite));
      const float64x2_t d0 = vcvt_f64_f32(vget_low_f32(v)), d1 = vcvt_high_f64_f32(v);
      a0 = vfmaq_f64(a0, d0, d0);
      a1 = vfmaq_f64(a1, d1, d1);
    }
    bad += vaddvq_u32(cnt);
  }
  double s = vaddvq_f64(vaddq_f64(a0, a1));
  uint32_t m = vmaxvq_u32(mx);
  for (; i < n; ++i) {
    const uint32_t b = abs_bits(x[i]);
    m = b > m ? b : m;
    bad += b > 0x7f7fffffu;
    s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  }
  out->sum_squares = s;
  out->max_abs_bits = m;
  out->nonfinite = bad;
}

void scale_f32__neon(float* x, size_t n, float s) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    vst1q_f32(x + i, vmulq_n_f32(vld1q_f32(x + i), s));
    vst1q_f32(x + i + 4, vmulq_n_f32(vld1q_f32(x + i + 4), s));
  }
  for (; i < n; ++i) x[i] *= s;
}

void clamp_f32__neon(float* x, size_t n, float lo, float hi) {
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    // Compare-and-select: comparisons with NaN are false, so a NaN input is stored unchanged.
    float32x4_t r = vbslq_f32(vcltq_f32(v, vlo), vlo, v);
    r = vbslq_f32(vcgtq_f32(r, vhi), vhi, r);
    vst1q_f32(x + i, r);
  }
  for (; i < n; ++i) {
    const float v = x[i];
    if (v < lo)
      x[i] = lo;
    else if (v > hi)
      x[i] = hi;
  }
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
