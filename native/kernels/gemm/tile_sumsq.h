// Σ c² (float64) of one finished GEMM output tile (rows x cols, row stride ldc): the epilogue of
// sgemm_sumsq, run on each micro-tile right after the micro-kernel wrote it (still in L1). Each ISA
// sums in its own fixed lane pattern, so a tile's sum depends only on the tile and the ISA.
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
