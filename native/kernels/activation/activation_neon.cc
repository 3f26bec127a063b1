// NEON activations: relu and leaky_relu (forward and backward) in 4-lane vectors, scalar tails; the
// transcendental functions use the float64 scalar reference (as in activation_avx2.cc).
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/activation/activation.h"

namespace gradguard {
namespace kernels {
namespace neon {

void act_fwd_f32__neon(int fn, const float* x, float* y, size_t n, float p0, float p1) {
  if (fn != 0 && fn != 1) {
    scalar::act_fwd_f32__scalar(fn, x, y, n, p0, p1);
    return;
  }
  const float32x4_t zero = vdupq_n_f32(0.0f);
  const float32x4_t slope = vdupq_n_f32(p0);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    float32x4_t r;
    if (fn == 0) {
      // zero where x <= 0; NaN (compare false) keeps x
      r = vbslq_f32(vcleq_f32(v, zero), zero, v);
    } else {
      r = vbslq_f32(vcgtq_f32(v, zero), v, vmulq_f32(v, slope));
    }
    vst1q_f32(y + i, r);
  }
  if (i < n) scalar::act_fwd_f32__scalar(fn, x + i, y + i, n - i, p0, p1);
}

void act_bwd_f32__neon(int fn, const float* x, const float* grad_y, float* grad_x, size_t n,
                       float p0, float p1) {
  if (fn != 0 && fn != 1) {
    scalar::act_bwd_f32__scalar(fn, x, grad_y, grad_x, n, p0, p1);
    return;
  }
  const float32x4_t zero = vdupq_n_f32(0.0f);
  const float32x4_t slope = vdupq_n_f32(p0);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    const float32x4_t g = vld1q_f32(grad_y + i);
    float32x4_t r;
    if (fn == 0) {
      r = vbslq_f32(vcleq_f32(v, zero), zero, g);
    } else {
      r = vbslq_f32(vcgtq_f32(v, zero), g, vmulq_f32(g, slope));
    }
    vst1q_f32(grad_x + i, r);
  }
  if (i < n) scalar::act_bwd_f32__scalar(fn, x + i, grad_y + i, grad_x + i, n - i, p0, p1);
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
