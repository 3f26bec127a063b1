// Σ c² (float64) of one finished block of GEMM output (rows x cols, row stride ldc): the epilogue
// of sgemm_sumsq, run on each strip of C (a row block x one micro-tile's columns) right after the
// task that computed it finished (still in L2). Each ISA sums in its own fixed lane pattern, so a
// strip's sum depends only on the strip and the ISA.
#pragma once

#include <cstddef>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

using TileSumsqFn = double (*)(const float* c, size_t ldc, size_t rows, size_t cols);

// The function for `isa` (which must be supported by this CPU).
TileSumsqFn tile_sumsq_kernel(Isa isa);

#define GG_TILE_SUMSQ_DECLARE(Enum, ns, ...)                                         \
  namespace ns {                                                                     \
  double tile_sumsq_f32__##ns(const float* c, size_t ldc, size_t rows, size_t cols); \
  }

// Declared for every ISA of the list; defined where tile_sumsq_<isa>.cc exists.
GG_ISA_LIST(GG_TILE_SUMSQ_DECLARE)
#undef GG_TILE_SUMSQ_DECLARE

}  // namespace kernels
}  // namespace gradguard
