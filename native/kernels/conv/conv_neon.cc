// NEON row kernels of the convolution's direct path: axpy and a dot product in two 4-lane FMA
// accumulators (summed in a fixed order), scalar tails. float32 throughout.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace neon {

void conv_axpy_f32__neon(size_t n, float a, const float* x, float* y) {
  size_t j = 0;
  for (; j + 4 <= n; j += 4) vst1q_f32(y + j, vfmaq_n_f32(vld1q_f32(y + j), vld1q_f32(x + j), a));
  for (; j < n; ++j) y[j] += a * x[j];
}

float conv_dot_f32__neon(size_t n, const float* x, const float* y) {
  float32x4_t a0 = vdupq_n_f32(0.f), a1 = a0;
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    a0 = vfmaq_f32(a0, vld1q_f32(x + j), vld1q_f32(y + j));
    a1 = vfmaq_f32(a1, vld1q_f32(x + j + 4), vld1q_f32(y + j + 4));
  }
  float lanes[4];
  vst1q_f32(lanes, vaddq_f32(a0, a1));
  float s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; j < n; ++j) s += x[j] * y[j];
  return s;
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
