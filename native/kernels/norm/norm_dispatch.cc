// The norm family's table per ISA. Baseline flags: only takes the addresses of ISA functions.
#include "kernels/norm/norm.h"

namespace gradguard {
namespace kernels {

#define GG_NORM_TABLE(ns)                                                                    \
  NormKernels {                                                                              \
    ns::sumsq_f32__##ns, ns::sumabs_f32__##ns, ns::maxabs_f32__##ns, scalar::sumpow_f32__scalar, \
        ns::stats_f32__##ns, ns::scale_f32__##ns, ns::clamp_f32__##ns                        \
  }

const NormKernels& norm_kernels(Isa isa) {
  static const NormKernels kScalar = GG_NORM_TABLE(scalar);
#if defined(__x86_64__) || defined(_M_X64)
  static const NormKernels kAvx2 = GG_NORM_TABLE(avx2);
  static const NormKernels kAvx512 = GG_NORM_TABLE(avx512);
  if (isa == Isa::kAvx512) return kAvx512;
  if (isa == Isa::kAvx2) return kAvx2;
#elif defined(__aarch64__)
  static const NormKernels kNeon = GG_NORM_TABLE(neon);
  if (isa == Isa::kNeon) return kNeon;
#endif
  return kScalar;
}

#undef GG_NORM_TABLE

}  // namespace kernels
}  // namespace gradguard
