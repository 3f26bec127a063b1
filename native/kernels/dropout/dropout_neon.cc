// NEON dropout multiply (dropout.h): 4 elements per step, x * scale in float32 and-ed with a lane
// mask from the mask bytes. Bit-identical to the scalar reference. No inline library templates,
// no namespace-scope dynamic initialisers.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/dropout/dropout.h"

namespace gradguard {
namespace kernels {
namespace neon {

void dropout_range__neon(const float* x, const uint8_t* mask, size_t lo, size_t hi, size_t group,
                         float scale, float* out) {
  const float32x4_t s = vdupq_n_f32(scale);
  size_t i = lo;
  for (; i + 4 <= hi; i += 4) {
    const uint32x4_t m = {
        mask[i / group] ? 0xffffffffu : 0u, mask[(i + 1) / group] ? 0xffffffffu : 0u,
        mask[(i + 2) / group] ? 0xffffffffu : 0u, mask[(i + 3) / group] ? 0xffffffffu : 0u};
    const float32x4_t v = vmulq_f32(vld1q_f32(x + i), s);
    vst1q_f32(out + i, vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), m)));
  }
  for (; i < hi; ++i) out[i] = mask[i / group] ? x[i] * scale : 0.0f;
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
