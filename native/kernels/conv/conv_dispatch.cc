// The conv family's kernel table (core/kernel_table.h): the direct path's row kernels. Baseline
// flags: only takes the addresses of ISA functions.
#include "core/kernel_table.h"
#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace {

#define GG_CONV_ROW(ns) \
  ConvKernels { ns::conv_axpy_f32__##ns, ns::conv_dot_f32__##ns }

constexpr KernelTable<ConvKernels> kConv = [] {
  KernelTable<ConvKernels> t(GG_CONV_ROW(scalar));
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, GG_CONV_ROW(neon));
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, GG_CONV_ROW(avx2));
  if constexpr (isa_built(Isa::kAvx512)) t.set(Isa::kAvx512, GG_CONV_ROW(avx512));
  return t;
}();

#undef GG_CONV_ROW

}  // namespace

const ConvKernels& conv_kernels(Isa isa) { return kConv[isa]; }

}  // namespace kernels
}  // namespace gradguard
