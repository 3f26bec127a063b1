// Scalar "peak": 8 independent multiply-adds per round (no FMA contraction: -ffp-contract=off).
#include "kernels/stream/peak.h"

namespace gradguard {
namespace kernels {
namespace scalar {

double fma_peak_loop__scalar(size_t iterations, float* sink) {
  float a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const float m = 0.999999f, c = 1e-7f;
  for (size_t i = 0; i < iterations; ++i) {
    for (int k = 0; k < 8; ++k) a[k] = a[k] * m + c;
  }
  float s = 0;
  for (int k = 0; k < 8; ++k) s += a[k];
  *sink += s;
  return 16.0 * static_cast<double>(iterations);
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
