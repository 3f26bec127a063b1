// The BatchNorm1d/LayerNorm inner loops' table per ISA. Baseline flags: only takes the addresses of
// ISA functions.
#include "kernels/normalization/normalization_rows.h"

namespace gradguard {
namespace kernels {

#define GG_NORM_ROWS_TABLE(ns)                                                           \
  {                                                                                      \
    ns::ln_stats__##ns, ns::ln_apply__##ns, ns::ln_backward__##ns, ns::bn_sum__##ns,     \
        ns::bn_sum_sq__##ns, ns::bn_apply__##ns, ns::bn_grad_sums__##ns, ns::bn_dx__##ns \
  }

const NormRowKernels& norm_row_kernels(Isa isa) {
  static const NormRowKernels kScalar = GG_NORM_ROWS_TABLE(scalar);
#if defined(__x86_64__) || defined(_M_X64)
  static const NormRowKernels kAvx2 = GG_NORM_ROWS_TABLE(avx2);
  static const NormRowKernels kAvx512 = GG_NORM_ROWS_TABLE(avx512);
  if (isa == Isa::kAvx512) return kAvx512;
  if (isa == Isa::kAvx2) return kAvx2;
#elif defined(__aarch64__)
  static const NormRowKernels kNeon = GG_NORM_ROWS_TABLE(neon);
  if (isa == Isa::kNeon) return kNeon;
#endif
  return kScalar;
}

#undef GG_NORM_ROWS_TABLE

}  // namespace kernels
}  // namespace gradguard
