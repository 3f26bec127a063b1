// NEON softmax row loops (softmax.h), the AArch64 twin of softmax_avx2.cc: 4 lanes, tails through a
// padded 4-float buffer (so every element takes the same vector exp), e^x the activation family's
// Cephes exp (vec_math_neon.h) with NaN blended back, sums in float64 (2 x float64x2_t per step).
// No inline library templates, no namespace-scope dynamic initialisers.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>

#include "kernels/activation/vec_math_neon.h"
#include "kernels/softmax/softmax.h"

namespace gradguard {
namespace kernels {
namespace neon {
namespace {

using D = float64x2_t;

// e^v, NaN kept, 0 below e^-86 (as exp8 in softmax_avx2.cc: no subnormal intermediate products).
inline F exp4(F v) {
  const F lo = dup(-86.0f);
  const F e = sel(vcltq_f32(v, lo), dup(0.0f), exp_neg4(vmaxq_f32(v, lo)));
  return sel(isnan4(v), v, e);
}

// 4 floats from p (r < 4: the first r, the others `fill`).
inline F ld(const float* p, size_t r, float fill) {
  if (r >= 4) return vld1q_f32(p);
  float t[4] = {fill, fill, fill, fill};
  for (size_t i = 0; i < r; ++i) t[i] = p[i];
  return vld1q_f32(t);
}
inline void st(float* p, F v, size_t r) {
  if (r >= 4) {
    vst1q_f32(p, v);
    return;
  }
  float t[4];
  vst1q_f32(t, v);
  for (size_t i = 0; i < r; ++i) p[i] = t[i];
}
inline void add_pd(F v, D* lo, D* hi) {
  *lo = vaddq_f64(*lo, vcvt_f64_f32(vget_low_f32(v)));
  *hi = vaddq_f64(*hi, vcvt_high_f64_f32(v));
}
inline double hsum(D lo, D hi) {
  const D s = vaddq_f64(lo, hi);
  return vgetq_lane_f64(s, 0) + vgetq_lane_f64(s, 1);
}

}  // namespace

float sm_row_max__neon(const float* x, size_t n) {
  F m = dup(-INFINITY);
  M nan = vdupq_n_u32(0);
  for (size_t j = 0; j < n; j += 4) {
    const F v = ld(x + j, n - j, -INFINITY);
    nan = vorrq_u32(nan, isnan4(v));
    m = vmaxnmq_f32(m, v);
  }
  if (vmaxvq_u32(nan) != 0) return NAN;
  return vmaxvq_f32(m);
}

double sm_exp_sum__neon(const float* x, size_t n, float m, float* y) {
  const F vm = dup(m);
  D lo = vdupq_n_f64(0.0), hi = vdupq_n_f64(0.0);
  for (size_t j = 0; j < n; j += 4) {
    const size_t r = n - j;
    // padding lanes hold -inf: e^(-inf - m) = 0 adds nothing (m = -inf makes the row NaN anyway)
    const F e = exp4(vsubq_f32(ld(x + j, r, -INFINITY), vm));
    if (y) st(y + j, e, r);
    add_pd(e, &lo, &hi);
  }
  return hsum(lo, hi);
}

void sm_scale__neon(float* y, size_t n, float s) {
  const F vs = dup(s);
  for (size_t j = 0; j < n; j += 4) st(y + j, vmulq_f32(ld(y + j, n - j, 0.0f), vs), n - j);
}

void sm_log_out__neon(const float* x, size_t n, float m, float ls, float* y) {
  const F vm = dup(m), vl = dup(ls);
  for (size_t j = 0; j < n; j += 4) {
    st(y + j, vsubq_f32(vsubq_f32(ld(x + j, n - j, 0.0f), vm), vl), n - j);
  }
}

double sm_dot__neon(const float* a, const float* b, size_t n) {
  D lo = vdupq_n_f64(0.0), hi = vdupq_n_f64(0.0);
  for (size_t j = 0; j < n; j += 4) {
    const F va = ld(a + j, n - j, 0.0f), vb = ld(b + j, n - j, 0.0f);
    lo = vfmaq_f64(lo, vcvt_f64_f32(vget_low_f32(va)), vcvt_f64_f32(vget_low_f32(vb)));
    hi = vfmaq_f64(hi, vcvt_high_f64_f32(va), vcvt_high_f64_f32(vb));
  }
  return hsum(lo, hi);
}

double sm_sum__neon(const float* a, size_t n) {
  D lo = vdupq_n_f64(0.0), hi = vdupq_n_f64(0.0);
  for (size_t j = 0; j < n; j += 4) add_pd(ld(a + j, n - j, 0.0f), &lo, &hi);
  return hsum(lo, hi);
}

void sm_grad__neon(const float* y, const float* gy, size_t n, float s, float* gx) {
  const F vs = dup(s);
  for (size_t j = 0; j < n; j += 4) {
    const size_t r = n - j;
    st(gx + j, vmulq_f32(ld(y + j, r, 0.0f), vsubq_f32(ld(gy + j, r, 0.0f), vs)), r);
  }
}

void sm_log_grad__neon(const float* y, const float* gy, size_t n, float s, float* gx) {
  const F vs = dup(s);
  for (size_t j = 0; j < n; j += 4) {
    const size_t r = n - j;
    st(gx + j, vfmsq_f32(ld(gy + j, r, 0.0f), exp4(ld(y + j, r, 0.0f)), vs), r);
  }
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard

#endif
