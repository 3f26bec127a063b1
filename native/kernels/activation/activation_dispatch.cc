// The activation family's table per ISA. Baseline flags: only takes the addresses of ISA functions.
#include "kernels/activation/activation.h"

namespace gradguard {
namespace kernels {

const ActivationKernels& activation_kernels(Isa isa) {
  static const ActivationKernels kScalar = {scalar::act_fwd_f32__scalar,
                                            scalar::act_bwd_f32__scalar};
#if defined(__x86_64__) || defined(_M_X64)
  static const ActivationKernels kAvx2 = {avx2::act_fwd_f32__avx2, avx2::act_bwd_f32__avx2};
  static const ActivationKernels kAvx512 = {avx512::act_fwd_f32__avx512,
                                            avx512::act_bwd_f32__avx512};
  if (isa == Isa::kAvx512) return kAvx512;
  if (isa == Isa::kAvx2) return kAvx2;
#elif defined(__aarch64__)
  static const ActivationKernels kNeon = {neon::act_fwd_f32__neon, neon::act_bwd_f32__neon};
  if (isa == Isa::kNeon) return kNeon;
#endif
  return kScalar;
}

}  // namespace kernels
}  // namespace gradguard
