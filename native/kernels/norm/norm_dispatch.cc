// The norm family's kernel table (core/kernel_table.h). Baseline flags: only takes the addresses of
// ISA functions. sum |x|^p for a general p is the scalar reference's on every ISA (std::pow).
#include "core/kernel_table.h"
#include "kernels/norm/norm.h"

namespace gradguard {
namespace kernels {
namespace {

#define GG_NORM_ROW(ns)                                                                          \
  NormKernels {                                                                                  \
    ns::sumsq_f32__##ns, ns::sumabs_f32__##ns, ns::maxabs_f32__##ns, scalar::sumpow_f32__scalar, \
        ns::stats_f32__##ns, ns::scale_f32__##ns, ns::clamp_f32__##ns                            \
  }

constexpr KernelTable<NormKernels> kNorm = [] {
  KernelTable<NormKernels> t(GG_NORM_ROW(scalar));
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, GG_NORM_ROW(neon));
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, GG_NORM_ROW(avx2));
  if constexpr (isa_built(Isa::kAvx512)) t.set(Isa::kAvx512, GG_NORM_ROW(avx512));
  return t;
}();

#undef GG_NORM_ROW

}  // namespace

const NormKernels& norm_kernels(Isa isa) { return kNorm[isa]; }

}  // namespace kernels
}  // namespace gradguard
