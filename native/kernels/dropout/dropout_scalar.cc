// Reference dropout multiply (dropout.h): one element at a time, out = kept ? x * scale : 0 in
// float32; -ffp-contract=off.
#include "kernels/dropout/dropout.h"

namespace gradguard {
namespace kernels {
namespace scalar {

void dropout_range__scalar(const float* x, const uint8_t* mask, size_t lo, size_t hi, size_t group,
                           float scale, float* out) {
  for (size_t i = lo; i < hi; ++i) out[i] = mask[i / group] ? x[i] * scale : 0.0f;
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
