// Dropout multiply driver (dropout.h): fixed chunks of elements across the thread pool; each
// element is computed alone, so any split gives the same bits.
#include "kernels/dropout/dropout.h"

#include "core/thread_pool.h"

namespace gradguard {
namespace kernels {

void dropout_apply_f32(Isa isa, const float* x, const uint8_t* mask, size_t n, size_t group,
                       float scale, float* out) {
  const DropoutRangeFn fn = dropout_range_kernel(isa);
  parallel_for(0, n, 65536, [&](size_t lo, size_t hi) { fn(x, mask, lo, hi, group, scale, out); });
}

}  // namespace kernels
}  // namespace gradguard
