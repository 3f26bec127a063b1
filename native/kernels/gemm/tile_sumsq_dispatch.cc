// The tile sum-of-squares table (core/kernel_table.h): NEON takes the scalar reference (its base).
// Baseline flags: only takes the addresses of ISA functions.
#include "core/kernel_table.h"
#include "kernels/gemm/tile_sumsq.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr KernelTable<TileSumsqFn> kTileSumsq = [] {
  KernelTable<TileSumsqFn> t(scalar::tile_sumsq_f32__scalar);
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, avx2::tile_sumsq_f32__avx2);
  if constexpr (isa_built(Isa::kAvx512)) t.set(Isa::kAvx512, avx512::tile_sumsq_f32__avx512);
  return t;
}();

}  // namespace

TileSumsqFn tile_sumsq_kernel(Isa isa) { return kTileSumsq[isa]; }

}  // namespace kernels
}  // namespace gradguard
