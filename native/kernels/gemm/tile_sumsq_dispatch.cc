// The tile sum-of-squares tables (core/kernel_table.h): NEON takes the scalar rows (its base).
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

// Sum-of-squares micro-kernels: AVX2 and AVX-512 (the scalar and NEON rows have none).
constexpr KernelTable<GemmSumsqKernel> kGemmSumsq = [] {
  KernelTable<GemmSumsqKernel> t({nullptr, 0, 0});
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, {avx2::gemm_sumsq_f32_6x16__avx2, 6, 16});
  if constexpr (isa_built(Isa::kAvx512)) {
    t.set(Isa::kAvx512, {avx512::gemm_sumsq_f32_14x32__avx512, 14, 32});
  }
  return t;
}();

}  // namespace

TileSumsqFn tile_sumsq_kernel(Isa isa) { return kTileSumsq[isa]; }

const GemmSumsqKernel& gemm_sumsq_kernel(Isa isa) { return kGemmSumsq[isa]; }

}  // namespace kernels
}  // namespace gradguard
