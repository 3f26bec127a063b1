// The softmax row loops' kernel table (core/kernel_table.h). Baseline flags: only takes the
// addresses of ISA functions. AVX-512 takes the AVX2 loops (its base): the rows are short and bound
// by exp and memory traffic, and AVX2's exp is the activation family's.
#include "core/kernel_table.h"
#include "kernels/softmax/softmax.h"

namespace gradguard {
namespace kernels {
namespace {

#define GG_SOFTMAX_ROW(ns)                                                                \
  SoftmaxRowKernels {                                                                     \
    ns::sm_row_max__##ns, ns::sm_exp_sum__##ns, ns::sm_scale__##ns, ns::sm_log_out__##ns, \
        ns::sm_dot__##ns, ns::sm_sum__##ns, ns::sm_grad__##ns, ns::sm_log_grad__##ns      \
  }

constexpr KernelTable<SoftmaxRowKernels> kSoftmaxRows = [] {
  KernelTable<SoftmaxRowKernels> t(GG_SOFTMAX_ROW(scalar));
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, GG_SOFTMAX_ROW(neon));
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, GG_SOFTMAX_ROW(avx2));
  return t;
}();

#undef GG_SOFTMAX_ROW

}  // namespace

const SoftmaxRowKernels& softmax_row_kernels(Isa isa) { return kSoftmaxRows[isa]; }

}  // namespace kernels
}  // namespace gradguard
