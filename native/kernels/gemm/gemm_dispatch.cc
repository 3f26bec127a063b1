// The GEMM family's micro-kernel table (core/kernel_table.h): each ISA's micro-kernel and its tile.
// Baseline flags: only takes the addresses of ISA functions.
#include "core/kernel_table.h"
#include "kernels/gemm/gemm.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr KernelTable<GemmKernels> kGemm = [] {
  KernelTable<GemmKernels> t({scalar::gemm_f32_4x8__scalar, 4, 8});
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, {neon::gemm_f32_8x8__neon, 8, 8});
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, {avx2::gemm_f32_6x16__avx2, 6, 16});
  if constexpr (isa_built(Isa::kAvx512)) {
    t.set(Isa::kAvx512, {avx512::gemm_f32_14x32__avx512, 14, 32});
  }
  return t;
}();

}  // namespace

const GemmKernels& gemm_kernels(Isa isa) { return kGemm[isa]; }

}  // namespace kernels
}  // namespace gradguard
