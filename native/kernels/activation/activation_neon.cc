// NEON activations in 4-lane vectors, tails through a zero-padded 4-lane buffer: relu, leaky_relu
// and, with the same float32 exp/log1p/erfc polynomials as activation_avx2.cc (Cephes), sigmoid,
// tanh, gelu (both forms), elu and softplus, forward and backward, a few ulp from the float64
// reference. Every exp argument is <= 0 (no overflow at any input); NaN is blended through.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/activation/activation.h"
#include "kernels/activation/cephes_coeffs.h"
#include "kernels/activation/vec_math_neon.h"

namespace gradguard {
namespace kernels {
namespace neon {
namespace {

inline F expm1_neg4(F x, F ex) {
  F p = dup(1.0f / 40320.0f);
  p = fma4(dup(1.0f / 5040.0f), p, x);
  p = fma4(dup(1.0f / 720.0f), p, x);
  p = fma4(dup(1.0f / 120.0f), p, x);
  p = fma4(dup(1.0f / 24.0f), p, x);
  p = fma4(dup(1.0f / 6.0f), p, x);
  p = fma4(dup(0.5f), p, x);
  const F taylor = fma4(x, vmulq_f32(p, x), x);
  return sel(vcgtq_f32(x, dup(-0.5f)), taylor, vsubq_f32(ex, dup(1.0f)));
}

inline F log1p_unit4(F u) {
  const F one = dup(1.0f);
  const F w = vaddq_f32(one, u);
  const M big = vcgtq_f32(w, dup(1.41421356237f));
  const F e = sel(big, one, dup(0.0f));
  const F m = sel(big, vmulq_f32(w, dup(0.5f)), w);
  const F f = vsubq_f32(m, one);
  const F z = vmulq_f32(f, f);
  F y = dup(7.0376836292e-2f);
  y = fma4(dup(-1.1514610310e-1f), y, f);
  y = fma4(dup(1.1676998740e-1f), y, f);
  y = fma4(dup(-1.2420140846e-1f), y, f);
  y = fma4(dup(1.4249322787e-1f), y, f);
  y = fma4(dup(-1.6668057665e-1f), y, f);
  y = fma4(dup(2.0000714765e-1f), y, f);
  y = fma4(dup(-2.4999993993e-1f), y, f);
  y = fma4(dup(3.3333331174e-1f), y, f);
  y = vmulq_f32(y, vmulq_f32(f, z));
  y = fma4(y, e, dup(-2.12194440e-4f));
  y = vfmsq_f32(y, dup(0.5f), z);
  F lw = vaddq_f32(f, y);
  lw = fma4(lw, e, dup(0.693359375f));
  const F wm1 = vsubq_f32(w, one);
  const F corrected = vdivq_f32(vmulq_f32(lw, u), wm1);
  return sel(vceqq_f32(wm1, dup(0.0f)), u, corrected);
}

inline F horner4(F x, const float* c, int n) {
  F y = dup(c[0]);
  for (int i = 1; i < n; ++i) y = fma4(dup(c[i]), y, x);
  return y;
}

inline F ncdf4(F x) {
  const F one = dup(1.0f);
  const F z = vmulq_f32(x, dup(-0.70710678118654752f));
  const F a = vabsq_f32(z);
  const F h = vmulq_f32(x, x);
  const F half_err = vmulq_f32(dup(0.5f), vfmaq_f32(vnegq_f32(h), x, x));
  const F z2 = vmulq_f32(dup(0.5f), h);
  const F erfc_small = vfmsq_f32(one, z, horner4(z2, cephes::kErfT, 7));
  const F q = vdivq_f32(one, a);
  const F q2 = vmulq_f32(q, q);
  const F p =
      sel(vcltq_f32(a, dup(2.0f)), horner4(q2, cephes::kErfcP, 9), horner4(q2, cephes::kErfcR, 8));
  F ez = exp_neg4(vnegq_f32(z2));
  ez = vfmsq_f32(ez, half_err, ez);
  const F tail = vmulq_f32(vmulq_f32(ez, q), p);
  const F erfc_big = sel(vcltq_f32(z, dup(0.0f)), vsubq_f32(dup(2.0f), tail), tail);
  return vmulq_f32(dup(0.5f), sel(vcltq_f32(a, one), erfc_small, erfc_big));
}

constexpr float kSqrt2OverPiF = cephes::kSqrt2OverPi;
constexpr float kGeluCF = cephes::kGeluC;

inline F fwd4(int fn, F x, F p0, F p1) {
  F y;
  switch (fn) {
    case 0: return sel(vcleq_f32(x, dup(0.0f)), dup(0.0f), x);
    case 1: return sel(vcgtq_f32(x, dup(0.0f)), x, vmulq_f32(x, p0));
    case 2: y = sigmoid4(x, nullptr); break;
    case 3: y = tanh4(x, nullptr); break;
    case 4: y = vmulq_f32(x, ncdf4(x)); break;
    case 5: {
      const F x3 = vmulq_f32(vmulq_f32(x, x), x);
      const F u = vmulq_f32(dup(kSqrt2OverPiF), fma4(x, dup(kGeluCF), x3));
      y = vmulq_f32(x, sigmoid4(vaddq_f32(u, u), nullptr));
      break;
    }
    case 6: {
      const F neg = vmulq_f32(p0, expm1_neg4(x, exp_neg4(x)));
      y = sel(vcgtq_f32(x, dup(0.0f)), x, neg);
      break;
    }
    default: {  // 7: softplus
      const F zz = vmulq_f32(x, p0);
      const F e = exp_neg4(vnegq_f32(vabsq_f32(zz)));
      const F sp = vdivq_f32(vaddq_f32(vmaxq_f32(zz, dup(0.0f)), log1p_unit4(e)), p0);
      y = sel(vcgtq_f32(zz, p1), x, sp);
      break;
    }
  }
  return sel(isnan4(x), x, y);
}

inline F deriv4(int fn, F x, F p0, F p1) {
  F d;
  switch (fn) {
    case 0:  // NaN passes the gradient through (x <= 0 is false)
      return sel(vcleq_f32(x, dup(0.0f)), dup(0.0f), dup(1.0f));
    case 1: return sel(vcgtq_f32(x, dup(0.0f)), dup(1.0f), p0);
    case 2: sigmoid4(x, &d); break;
    case 3: tanh4(x, &d); break;
    case 4: {
      const F h = vmulq_f32(x, x);
      const F half_err = vmulq_f32(dup(0.5f), vfmaq_f32(vnegq_f32(h), x, x));
      F e = exp_neg4(vmulq_f32(dup(-0.5f), h));
      e = vfmsq_f32(e, half_err, e);
      d = fma4(ncdf4(x), x, vmulq_f32(dup(0.39894228040143268f), e));
      break;
    }
    case 5: {
      const F x2 = vmulq_f32(x, x);
      const F u = vmulq_f32(dup(kSqrt2OverPiF), fma4(x, dup(kGeluCF), vmulq_f32(x2, x)));
      F ds;
      const F s = sigmoid4(vaddq_f32(u, u), &ds);
      const F xc = vminq_f32(vmaxq_f32(x, dup(-1e6f)), dup(1e6f));
      const F du =
          vmulq_f32(dup(kSqrt2OverPiF), fma4(dup(1.0f), dup(3.0f * kGeluCF), vmulq_f32(xc, xc)));
      d = fma4(s, vmulq_f32(vaddq_f32(xc, xc), ds), du);
      break;
    }
    case 6: return sel(vcleq_f32(x, dup(0.0f)), vmulq_f32(p0, exp_neg4(x)), dup(1.0f));
    default: {  // 7
      const F zz = vmulq_f32(x, p0);
      d = sel(vcgtq_f32(zz, p1), dup(1.0f), sigmoid4(zz, nullptr));
      break;
    }
  }
  return sel(isnan4(x), x, d);
}

}  // namespace

void act_fwd_f32__neon(int fn, const float* x, float* y, size_t n, float p0, float p1) {
  const F a = dup(p0), b = dup(p1);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, fwd4(fn, vld1q_f32(x + i), a, b));
  if (i < n) {
    float tx[4] = {0.f, 0.f, 0.f, 0.f}, ty[4];
    for (size_t j = 0; j < n - i; ++j) tx[j] = x[i + j];
    vst1q_f32(ty, fwd4(fn, vld1q_f32(tx), a, b));
    for (size_t j = 0; j < n - i; ++j) y[i + j] = ty[j];
  }
}

void act_bwd_f32__neon(int fn, const float* x, const float* grad_y, float* grad_x, size_t n,
                       float p0, float p1) {
  const F a = dup(p0), b = dup(p1);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const F d = deriv4(fn, vld1q_f32(x + i), a, b);
    vst1q_f32(grad_x + i, fn == 0 ? sel(vcleq_f32(vld1q_f32(x + i), dup(0.0f)), dup(0.0f),
                                        vld1q_f32(grad_y + i))
                                  : vmulq_f32(vld1q_f32(grad_y + i), d));
  }
  if (i < n) {
    float tx[4] = {0.f, 0.f, 0.f, 0.f}, tg[4] = {0.f, 0.f, 0.f, 0.f}, to[4];
    for (size_t j = 0; j < n - i; ++j) {
      tx[j] = x[i + j];
      tg[j] = grad_y[i + j];
    }
    const F xv = vld1q_f32(tx);
    const F d = deriv4(fn, xv, a, b);
    vst1q_f32(to, fn == 0 ? sel(vcleq_f32(xv, dup(0.0f)), dup(0.0f), vld1q_f32(tg))
                          : vmulq_f32(vld1q_f32(tg), d));
    for (size_t j = 0; j < n - i; ++j) grad_x[i + j] = to[j];
  }
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
