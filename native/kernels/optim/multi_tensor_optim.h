// Fused multi-tensor optimiser steps: one memory pass over every parameter, gradient and state
// span, cut into fixed chunks of kChunk elements and spread over the thread pool. The update is
// elementwise, so results are bit-identical for any thread count (on one ISA).
#pragma once

#include <cstddef>

#include "core/dispatch.h"
#include "core/status.h"
#include "kernels/norm/multi_tensor.h"
#include "kernels/optim/optim.h"

namespace gradguard {
namespace kernels {

// SGD over `count` tensors. bufs may be null only when c.momentum == 0. Every list must have the
// same sizes as params (kInvalidArgument otherwise, and nothing is written).
Status multi_tensor_sgd(Isa isa, const Span* params, const Span* grads, const Span* bufs,
                        size_t count, const SgdConsts& c);

// Adam / AdamW over `count` tensors; vmax may be null only when !c.amsgrad. Same size rule.
Status multi_tensor_adam(Isa isa, const Span* params, const Span* grads, const Span* m,
                         const Span* v, const Span* vmax, size_t count, const AdamConsts& c);

}  // namespace kernels
}  // namespace gradguard
