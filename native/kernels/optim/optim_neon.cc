// NEON (AArch64) optimiser kernels: 4 float32 lanes, scalar tails in the same operation order as
// the scalar reference (FMA contraction may differ by an ulp). vmaxq_f32 propagates NaN, as
// torch.maximum does.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/optim/optim.h"

namespace gradguard {
namespace kernels {
namespace neon {
namespace {

inline float max_nan(float a, float b) { return (a != a || a > b) ? a : b; }

}  // namespace

void sgd_f32__neon(float* p, const float* g, float* buf, size_t n, const SgdConsts& c) {
  const float32x4_t scale = vdupq_n_f32(c.grad_scale), wd = vdupq_n_f32(c.weight_decay);
  const float32x4_t mom = vdupq_n_f32(c.momentum), omd = vdupq_n_f32(c.one_minus_dampening);
  const float32x4_t neg_lr = vdupq_n_f32(-c.lr);
  const bool use_wd = c.weight_decay != 0.f, use_mom = c.momentum != 0.f;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    float32x4_t d = vmulq_f32(vld1q_f32(g + i), scale);
    if (c.maximize) d = vnegq_f32(d);
    const float32x4_t pi = vld1q_f32(p + i);
    if (use_wd) d = vaddq_f32(d, vmulq_f32(wd, pi));
    if (use_mom) {
      const float32x4_t b =
          c.first_step ? d : vaddq_f32(vmulq_f32(vld1q_f32(buf + i), mom), vmulq_f32(omd, d));
      vst1q_f32(buf + i, b);
      d = c.nesterov ? vaddq_f32(d, vmulq_f32(mom, b)) : b;
    }
    vst1q_f32(p + i, vaddq_f32(pi, vmulq_f32(neg_lr, d)));
  }
  for (; i < n; ++i) {
    float d = g[i] * c.grad_scale;
    if (c.maximize) d = -d;
    const float pi = p[i];
    if (use_wd) d = d + c.weight_decay * pi;
    if (use_mom) {
      const float b = c.first_step ? d : buf[i] * c.momentum + c.one_minus_dampening * d;
      buf[i] = b;
      d = c.nesterov ? d + c.momentum * b : b;
    }
    p[i] = pi + -c.lr * d;
  }
}

void adam_f32__neon(float* p, const float* g, float* m, float* v, float* vmax, size_t n,
                    const AdamConsts& c) {
  const float32x4_t scale = vdupq_n_f32(c.grad_scale), wd = vdupq_n_f32(c.weight_decay);
  const float32x4_t decay = vdupq_n_f32(c.decay);
  const float32x4_t b1 = vdupq_n_f32(c.beta1), omb1 = vdupq_n_f32(c.one_minus_beta1);
  const float32x4_t b2 = vdupq_n_f32(c.beta2), omb2 = vdupq_n_f32(c.one_minus_beta2);
  const float32x4_t step = vdupq_n_f32(c.step_size), bc2 = vdupq_n_f32(c.bc2_sqrt);
  const float32x4_t eps = vdupq_n_f32(c.eps);
  const bool use_wd = !c.decoupled && c.weight_decay != 0.f;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    float32x4_t d = vmulq_f32(vld1q_f32(g + i), scale);
    if (c.maximize) d = vnegq_f32(d);
    float32x4_t pi = vld1q_f32(p + i);
    if (c.decoupled) pi = vmulq_f32(pi, decay);
    if (use_wd) d = vaddq_f32(d, vmulq_f32(wd, pi));
    const float32x4_t mi = vaddq_f32(vmulq_f32(vld1q_f32(m + i), b1), vmulq_f32(omb1, d));
    float32x4_t vi = vaddq_f32(vmulq_f32(vld1q_f32(v + i), b2), vmulq_f32(vmulq_f32(omb2, d), d));
    vst1q_f32(m + i, mi);
    vst1q_f32(v + i, vi);
    if (c.amsgrad) {
      vi = vmaxq_f32(vld1q_f32(vmax + i), vi);  // FMAX: NaN if either is NaN
      vst1q_f32(vmax + i, vi);
    }
    const float32x4_t denom = vaddq_f32(vdivq_f32(vsqrtq_f32(vi), bc2), eps);
    vst1q_f32(p + i, vsubq_f32(pi, vdivq_f32(vmulq_f32(step, mi), denom)));
  }
  for (; i < n; ++i) {
    float d = g[i] * c.grad_scale;
    if (c.maximize) d = -d;
    float pi = p[i];
    if (c.decoupled) pi = pi * c.decay;
    if (use_wd) d = d + c.weight_decay * pi;
    const float mi = m[i] * c.beta1 + c.one_minus_beta1 * d;
    float vi = v[i] * c.beta2 + c.one_minus_beta2 * d * d;
    m[i] = mi;
    v[i] = vi;
    if (c.amsgrad) {
      vi = max_nan(vmax[i], vi);
      vmax[i] = vi;
    }
    const float denom = __builtin_sqrtf(vi) / c.bc2_sqrt + c.eps;
    p[i] = pi - (c.step_size * mi) / denom;
  }
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard

#endif  // __aarch64__
