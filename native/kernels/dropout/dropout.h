// Dropout's multiply (the mask is drawn in TypeScript from the library's seedable Rng):
// out[i] = mask[i / group] ? x[i] * scale : 0, one float32 product per element, so every ISA and
// the pure-TS backend agree bit for bit. A dropped element is +0 even where x is NaN or Inf
// (PyTorch multiplies by 0 there, giving NaN). out may be x (in place).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

// Elements [0, n) of x; mask holds n / group bytes (group >= 1 divides n). Threaded in fixed
// chunks (an elementwise op: any split gives the same bits).
void dropout_apply_f32(Isa isa, const float* x, const uint8_t* mask, size_t n, size_t group,
                       float scale, float* out);

// The per-ISA loop over elements [lo, hi) (absolute indices, so the group of i is i / group).
using DropoutRangeFn = void (*)(const float* x, const uint8_t* mask, size_t lo, size_t hi,
                                size_t group, float scale, float* out);
DropoutRangeFn dropout_range_kernel(Isa isa);

#define GG_DROPOUT_DECLARE(Enum, ns, ...)                                             \
  namespace ns {                                                                      \
  void dropout_range__##ns(const float* x, const uint8_t* mask, size_t lo, size_t hi, \
                           size_t group, float scale, float* out);                    \
  }

GG_ISA_LIST(GG_DROPOUT_DECLARE)
#undef GG_DROPOUT_DECLARE

}  // namespace kernels
}  // namespace gradguard
