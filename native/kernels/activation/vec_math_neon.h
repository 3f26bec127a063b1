// NEON float32 vector math shared by the activation and recurrent-gate kernels (the AArch64 twin
// of vec_math_avx2.h): lane helpers, e^x for x <= 0 (Cephes expf), sigmoid and tanh with their
// derivatives. Include only from *_neon.cc files. Plain inline functions, no dynamic initialisers.
#pragma once

#if defined(__aarch64__)
#include <arm_neon.h>

namespace gradguard {
namespace kernels {
namespace neon {

using F = float32x4_t;
using M = uint32x4_t;

inline F dup(float v) { return vdupq_n_f32(v); }
inline F sel(M m, F a, F b) { return vbslq_f32(m, a, b); }  // m ? a : b
inline M isnan4(F x) { return vmvnq_u32(vceqq_f32(x, x)); }
// a + b * c
inline F fma4(F a, F b, F c) { return vfmaq_f32(a, b, c); }

// e^x for x <= 0 (as exp_neg8 in activation_avx2.cc).
inline F exp_neg4(F x) {
  const F xc = vminq_f32(vmaxq_f32(x, dup(-104.0f)), dup(88.7f));
  const F fx = vrndnq_f32(vmulq_f32(xc, dup(1.44269504088896341f)));
  F r = vfmsq_f32(xc, fx, dup(0.693359375f));
  r = vfmsq_f32(r, fx, dup(-2.12194440e-4f));
  F p = dup(1.9875691500e-4f);
  p = fma4(dup(1.3981999507e-3f), p, r);
  p = fma4(dup(8.3334519073e-3f), p, r);
  p = fma4(dup(4.1665795894e-2f), p, r);
  p = fma4(dup(1.6666665459e-1f), p, r);
  p = fma4(dup(5.0000001201e-1f), p, r);
  p = vaddq_f32(fma4(r, p, vmulq_f32(r, r)), dup(1.0f));
  const int32x4_t n = vcvtq_s32_f32(fx);
  const int32x4_t n1 = vshrq_n_s32(n, 1);
  const int32x4_t n2 = vsubq_s32(n, n1);
  const int32x4_t bias = vdupq_n_s32(127);
  const F s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
  const F s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
  return vmulq_f32(vmulq_f32(p, s1), s2);
}

inline F sigmoid4(F v, F* dsig) {
  const F e = exp_neg4(vnegq_f32(vabsq_f32(v)));
  const F d = vaddq_f32(dup(1.0f), e);
  const F pos = vdivq_f32(dup(1.0f), d);
  const F neg = vdivq_f32(e, d);
  if (dsig) *dsig = vdivq_f32(neg, d);
  return sel(vcgeq_f32(v, dup(0.0f)), pos, neg);
}

inline F tanh4(F x, F* dtanh) {
  const F one = dup(1.0f);
  const F a = vabsq_f32(x);
  const F z = vmulq_f32(x, x);
  F p = dup(-5.70498872745e-3f);
  p = fma4(dup(2.06390887954e-2f), p, z);
  p = fma4(dup(-5.37397155531e-2f), p, z);
  p = fma4(dup(1.33314422036e-1f), p, z);
  p = fma4(dup(-3.33332819422e-1f), p, z);
  const F small = fma4(x, vmulq_f32(p, z), x);
  const F e = exp_neg4(vmulq_f32(dup(-2.0f), a));
  const F d = vaddq_f32(one, e);
  const F big_abs = vdivq_f32(vsubq_f32(one, e), d);
  const F big = vreinterpretq_f32_u32(
      vorrq_u32(vreinterpretq_u32_f32(big_abs),
                vandq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x80000000u))));
  const M is_small = vcltq_f32(a, dup(0.625f));
  if (dtanh) {
    const F d_small = vfmsq_f32(one, small, small);
    const F d_big = vdivq_f32(vmulq_f32(dup(4.0f), e), vmulq_f32(d, d));
    *dtanh = sel(is_small, d_small, d_big);
  }
  return sel(is_small, small, big);
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
