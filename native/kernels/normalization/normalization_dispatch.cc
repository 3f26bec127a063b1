// The BatchNorm1d/LayerNorm inner loops' kernel table (core/kernel_table.h). Baseline flags: only
// takes the addresses of ISA functions. AVX-512 takes the AVX2 loops (its base): they are bound by
// float32 -> float64 conversion and memory traffic, not by vector width.
#include "core/kernel_table.h"
#include "kernels/normalization/normalization_rows.h"

namespace gradguard {
namespace kernels {
namespace {

#define GG_NORM_ROWS_ROW(ns)                                                             \
  NormRowKernels {                                                                       \
    ns::ln_stats__##ns, ns::ln_apply__##ns, ns::ln_backward__##ns, ns::bn_sum__##ns,     \
        ns::bn_sum_sq__##ns, ns::bn_apply__##ns, ns::bn_grad_sums__##ns, ns::bn_dx__##ns \
  }

constexpr KernelTable<NormRowKernels> kNormRows = [] {
  KernelTable<NormRowKernels> t(GG_NORM_ROWS_ROW(scalar));
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, GG_NORM_ROWS_ROW(neon));
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, GG_NORM_ROWS_ROW(avx2));
  return t;
}();

#undef GG_NORM_ROWS_ROW

}  // namespace

const NormRowKernels& norm_row_kernels(Isa isa) { return kNormRows[isa]; }

}  // namespace kernels
}  // namespace gradguard
