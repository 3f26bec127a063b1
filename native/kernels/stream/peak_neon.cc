// NEON peak: 12 independent q-register FMA chains.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/stream/peak.h"

namespace gradguard {
namespace kernels {
namespace neon {

double fma_peak_loop__neon(size_t iterations, float* sink) {
  const float32x4_t m = vdupq_n_f32(0.999999f), c = vdupq_n_f32(1e-7f);
  float32x4_t a[12];
  for (int k = 0; k < 12; ++k) a[k] = vdupq_n_f32(static_cast<float>(k + 1));
  for (size_t i = 0; i < iterations; ++i) {
    for (int k = 0; k < 12; ++k) a[k] = vfmaq_f32(c, a[k], m);
  }
  float32x4_t s = a[0];
  for (int k = 1; k < 12; ++k) s = vaddq_f32(s, a[k]);
  *sink += vaddvq_f32(s);
  return 12.0 * 4 * 2 * static_cast<double>(iterations);
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
