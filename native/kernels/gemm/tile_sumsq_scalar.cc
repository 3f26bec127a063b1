// The reference tile sum of squares: float64, four lanes in a fixed pattern (column j of a row to
// lane j % 4 for whole groups of four, the tail to lane 0), lanes added pairwise at the end.
// Built with -ffp-contract=off: every square is rounded before it is added.
#include "kernels/gemm/tile_sumsq.h"

namespace gradguard {
namespace kernels {
namespace scalar {

double tile_sumsq_f32__scalar(const float* c, size_t ldc, size_t rows, size_t cols) {
  double acc[4] = {0.0, 0.0, 0.0, 0.0};
  for (size_t i = 0; i < rows; ++i) {
    const float* row = c + i * ldc;
    size_t j = 0;
    for (; j + 4 <= cols; j += 4) {
      for (size_t l = 0; l < 4; ++l) {
        const double v = row[j + l];
        acc[l] += v * v;
      }
    }
    for (; j < cols; ++j) {
      const double v = row[j];
      acc[0] += v * v;
    }
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
