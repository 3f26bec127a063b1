// BatchNorm1d over [n, c] and LayerNorm over the last dimension of [m, d]: forward and backward in
// float32 storage with float64 statistics (two passes: mean, then centred sum of squares), so
// mean-100 data keeps full precision where a one-pass float32 E[x^2] - E[x]^2 does not.
// PyTorch 1.13 semantics. Null weight/bias mean 1/0; null running stats are neither used nor
// updated; null outputs are skipped. The inner loops run on `isa` (normalization_rows.h); the
// result is the same on every ISA up to the float64 rounding of LayerNorm's row sums.
#pragma once

#include <cstddef>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

// Training: batch mean and biased variance normalise x (n >= 2 checked by the caller); the running
// stats, when given, move by momentum towards the mean and the UNBIASED variance. Eval: the running
// stats normalise x and nothing is written but y. save_mean/save_invstd [c] receive what normalised
// x (eval: the running mean and 1/sqrt(running_var + eps)) for the backward.
void batchnorm1d_forward_f32(Isa isa, const float* x, size_t n, size_t c, const float* weight,
                             const float* bias, float* running_mean, float* running_var,
                             bool training, double momentum, double eps, float* y,
                             double* save_mean, double* save_invstd);

// Gradients of L = sum(y * dy). training: through the batch statistics; else the statistics are
// constants. dw/db are overwritten, or added to when accumulate is set.
void batchnorm1d_backward_f32(Isa isa, const float* dy, const float* x, size_t n, size_t c,
                              const float* weight, const double* save_mean,
                              const double* save_invstd, bool training, float* dx, float* dw,
                              float* db, bool accumulate);

// BatchNorm2d over x [n, c, plane] (plane = H*W): batchnorm1d's semantics with the statistics per
// channel over the n*plane values (training needs n*plane >= 2, checked by the caller). plane == 1
// is exactly batchnorm1d_forward_f32. Otherwise the same per-ISA column loops run along each
// channel's planes (one column per spatial position, summed down the batch, then across the plane
// in order), with the per-channel statistics broadcast over the plane.
void batchnorm2d_forward_f32(Isa isa, const float* x, size_t n, size_t c, size_t plane,
                             const float* weight, const float* bias, float* running_mean,
                             float* running_var, bool training, double momentum, double eps,
                             float* y, double* save_mean, double* save_invstd);

// The BatchNorm2d backward (batchnorm1d_backward_f32 with the sums over n and the plane).
void batchnorm2d_backward_f32(Isa isa, const float* dy, const float* x, size_t n, size_t c,
                              size_t plane, const float* weight, const double* save_mean,
                              const double* save_invstd, bool training, float* dx, float* dw,
                              float* db, bool accumulate);

// Per row of [m, d]: y = (x - mean) / sqrt(var + eps) * weight + bias, biased variance.
void layernorm_forward_f32(Isa isa, const float* x, size_t m, size_t d, const float* weight,
                           const float* bias, double eps, float* y, double* save_mean,
                           double* save_invstd);

// dx through the row statistics; dw/db summed over rows (overwritten, or added when accumulate).
void layernorm_backward_f32(Isa isa, const float* dy, const float* x, size_t m, size_t d,
                            const float* weight, const double* save_mean, const double* save_invstd,
                            float* dx, float* dw, float* db, bool accumulate);

}  // namespace kernels
}  // namespace gradguard
