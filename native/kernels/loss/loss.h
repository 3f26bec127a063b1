// Loss functions with their gradient written in the same pass (upstream gradient 1), PyTorch
// semantics. The value is accumulated in float64; per-element work is done in float64 and rounded
// once, so the gradient is within 1 ulp of the exact one. `grad` may be nullptr (value only) and
// may alias `input` exactly (each element is read before it is written).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace gradguard {
namespace kernels {

// mse_loss: sum (x - t)^2, divided by n when `mean` (n == 0 and mean: NaN, as PyTorch);
// grad = 2 (x - t) (/ n).
double mse_loss(const float* input, const float* target, size_t n, bool mean, float* grad);

// cross_entropy over logits [batch, classes] (row-major) and int32 labels [batch], mean reduction:
// mean_b (logsumexp(x_b) - x_b[t_b]); grad = (softmax(x_b) - onehot(t_b)) / batch. Stable for any
// finite logits. Every label is checked before anything is written: one outside [0, classes) gives
// kInvalidArgument (and *bad_index its position). batch == 0 gives NaN (PyTorch's empty mean).
Status cross_entropy_loss(const float* logits, const int32_t* labels, size_t batch, size_t classes,
                          float* grad, double* loss, size_t* bad_index);

// binary_cross_entropy_with_logits, mean: mean (max(x, 0) - x t + log1p(exp(-|x|)));
// grad = (sigmoid(x) - t) / n.
double bce_with_logits_loss(const float* input, const float* target, size_t n, float* grad);

}  // namespace kernels
}  // namespace gradguard
