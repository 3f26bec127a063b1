// The GEMM family's micro-kernel table per ISA. Baseline flags: only takes the addresses of ISA
// functions.
#include "kernels/gemm/gemm.h"

namespace gradguard {
namespace kernels {

const GemmKernels& gemm_kernels(Isa isa) {
  static const GemmKernels kScalar = {scalar::gemm_f32_4x8__scalar, 4, 8};
  (void)isa;
  return kScalar;
}

}  // namespace kernels
}  // namespace gradguard
