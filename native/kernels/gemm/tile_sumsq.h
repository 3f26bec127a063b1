// Σ c² (float64) of one finished block of GEMM output (rows x cols, row stride ldc): the epilogue
// of sgemm_sumsq on ISAs without a sum-of-squares micro-kernel (below), run on each strip of C (a
// row block x one micro-tile's columns) one panel after it was written, and on the paths that run
// no micro-kernel. Each ISA sums in its own fixed lane pattern, so a strip's sum depends only on
// the strip and the ISA.
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

// The micro-kernel with the sum of squares in its epilogue (sgemm_sumsq's last depth slice): the
// ISA's GemmMicroKernel, storing the same C bits, that also returns Σ c² (float64) of the mr x nr
// values it stored, squared from the registers they were stored from (no reload of C: summing a
// tile from memory right after its stores waits for their line fills; summing strips a panel
// later costs the loads and conversions on the GEMM's critical path). Fixed lane order per ISA.
using GemmSumsqMicroKernel = double (*)(size_t kc, const float* ap, const float* bp, float* c,
                                        size_t ldc, size_t mr, size_t nr, float alpha, float beta);

struct GemmSumsqKernel {
  GemmSumsqMicroKernel micro;  // null: this ISA has none (the driver sums strips from memory)
  size_t mr, nr;               // its tile; used only where equal to gemm_kernels(isa)'s
};

// The entry for `isa` (which must be supported by this CPU).
const GemmSumsqKernel& gemm_sumsq_kernel(Isa isa);

namespace avx2 {
double gemm_sumsq_f32_6x16__avx2(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                                 size_t mr, size_t nr, float alpha, float beta);
}  // namespace avx2
namespace avx512 {
double gemm_sumsq_f32_14x32__avx512(size_t kc, const float* ap, const float* bp, float* c,
                                    size_t ldc, size_t mr, size_t nr, float alpha, float beta);
}  // namespace avx512

}  // namespace kernels
}  // namespace gradguard
