// The GEMM family's micro-kernel table per ISA. Baseline flags: only takes the addresses of ISA
// functions.
#include "kernels/gemm/gemm.h"

namespace gradguard {
namespace kernels {

const GemmKernels& gemm_kernels(Isa isa) {
  static const GemmKernels kScalar = {scalar::gemm_f32_4x8__scalar, 4, 8};
#if defined(__x86_64__) || defined(_M_X64)
  static const GemmKernels kAvx2 = {avx2::gemm_f32_6x16__avx2, 6, 16};
  static const GemmKernels kAvx512 = {avx512::gemm_f32_12x32__avx512, 12, 32};
  if (isa == Isa::kAvx512) return kAvx512;
  if (isa == Isa::kAvx2) return kAvx2;
#elif defined(__aarch64__)
  static const GemmKernels kNeon = {neon::gemm_f32_8x8__neon, 8, 8};
  if (isa == Isa::kNeon) return kNeon;
#endif
  return kScalar;
}

}  // namespace kernels
}  // namespace gradguard
