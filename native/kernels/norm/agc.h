// Adaptive gradient clipping, unit-wise (Brock et al. 2021, NFNets). Unit norms accumulate in
// float64; a unit is one of `units[t]` equal slices of tensor t (rows of an [out, ...] weight, or
// the whole tensor when units[t] == 1). For each unit: max_norm = clipping * max(|W_u|, eps); when
// |G_u| > max_norm, G_u *= max_norm / max(|G_u|, 1e-6). No PyTorch builtin; matches the NFNets
// code.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dispatch.h"
#include "kernels/norm/multi_tensor.h"

namespace gradguard {
namespace kernels {

// params[t].size == grads[t].size, and units[t] divides it (units[t] >= 1 when size > 0).
void agc_clip(Isa isa, const Span* params, const Span* grads, const uint32_t* units, size_t count,
              double clipping, double eps);

}  // namespace kernels
}  // namespace gradguard
