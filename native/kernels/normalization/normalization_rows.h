// The per-ISA inner loops of the BatchNorm1d/LayerNorm kernels (normalization.cc drives them and
// splits the work across threads): one row of LayerNorm, or a range of feature columns of one row
// of BatchNorm. Every statistic and reduction accumulates in float64. Column-wise (BatchNorm) loops
// add in row order per feature; LayerNorm's row sums are split across SIMD lanes, so they may
// differ from the scalar reference (namespace scalar, -ffp-contract=off) in the last float64 bits.
#pragma once

#include <cstddef>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

struct NormRowKernels {
  // LayerNorm row: mean and 1/sqrt(biased var + eps), two passes.
  void (*ln_stats)(const float* x, size_t d, double eps, double* mean, double* invstd);
  // y = (x - mean) * invstd * w + b (null w/b: 1/0).
  void (*ln_apply)(const float* x, size_t d, double mean, double invstd, const float* w,
                   const float* b, float* y);
  // acc_w += dy * xhat, acc_b += dy, and (dx non-null) dx = invstd * (gw - mean(gw) - xhat *
  // mean(gw * xhat)) with gw = dy * w.
  void (*ln_backward)(const float* x, const float* dy, size_t d, double mean, double invstd,
                      const float* w, double* acc_w, double* acc_b, float* dx);
  // BatchNorm, columns [0, cols) of one row (callers offset every pointer to the first column):
  // acc += x;  acc += (x - mean)^2.
  void (*bn_sum)(const float* x, size_t cols, double* acc);
  void (*bn_sum_sq)(const float* x, size_t cols, const double* mean, double* acc);
  // y = (x - mean) * invstd * w + b.
  void (*bn_apply)(const float* x, size_t cols, const double* mean, const double* invstd,
                   const float* w, const float* b, float* y);
  // sum_dy += dy;  sum_dy_xhat += dy * (x - mean) * invstd.
  void (*bn_grad_sums)(const float* dy, const float* x, size_t cols, const double* mean,
                       const double* invstd, double* sum_dy, double* sum_dy_xhat);
  // training: dx = w * invstd * (dy - inv_n * sum_dy - xhat * inv_n * sum_dy_xhat); else
  // dx = w * invstd * dy.
  void (*bn_dx)(const float* dy, const float* x, size_t cols, const double* mean,
                const double* invstd, const float* w, const double* sum_dy,
                const double* sum_dy_xhat, double inv_n, bool training, float* dx);
};

// The table for `isa` (which must be supported by this CPU).
const NormRowKernels& norm_row_kernels(Isa isa);

#define GG_NORM_ROWS_DECLARE(Enum, ns, ...)                                                     \
  namespace ns {                                                                                \
  void ln_stats__##ns(const float* x, size_t d, double eps, double* mean, double* invstd);      \
  void ln_apply__##ns(const float* x, size_t d, double mean, double invstd, const float* w,     \
                      const float* b, float* y);                                                \
  void ln_backward__##ns(const float* x, const float* dy, size_t d, double mean, double invstd, \
                         const float* w, double* acc_w, double* acc_b, float* dx);              \
  void bn_sum__##ns(const float* x, size_t cols, double* acc);                                  \
  void bn_sum_sq__##ns(const float* x, size_t cols, const double* mean, double* acc);           \
  void bn_apply__##ns(const float* x, size_t cols, const double* mean, const double* invstd,    \
                      const float* w, const float* b, float* y);                                \
  void bn_grad_sums__##ns(const float* dy, const float* x, size_t cols, const double* mean,     \
                          const double* invstd, double* sum_dy, double* sum_dy_xhat);           \
  void bn_dx__##ns(const float* dy, const float* x, size_t cols, const double* mean,            \
                   const double* invstd, const float* w, const double* sum_dy,                  \
                   const double* sum_dy_xhat, double inv_n, bool training, float* dx);          \
  }

// Declared for every ISA of the list; defined where a file <family>_<isa>.cc exists, and
// named only by the table rows of those ISAs.
GG_ISA_LIST(GG_NORM_ROWS_DECLARE)
#undef GG_NORM_ROWS_DECLARE

}  // namespace kernels
}  // namespace gradguard
