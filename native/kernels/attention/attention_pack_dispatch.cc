// The attention packing table (core/kernel_table.h): scalar everywhere (NEON included: its 8-wide
// panels are a copy loop the compiler schedules well enough next to the products), AVX2's register
// transposes on AVX2 and (as its base) AVX-512. Baseline flags: only takes the addresses.
#include "core/kernel_table.h"
#include "kernels/attention/attention_pack.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr KernelTable<AttentionPackKernels> kPack = [] {
  KernelTable<AttentionPackKernels> t(AttentionPackKernels{scalar::att_pack_rows__scalar});
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, {avx2::att_pack_rows__avx2});
  return t;
}();

}  // namespace

const AttentionPackKernels& attention_pack_kernels(Isa isa) { return kPack[isa]; }

}  // namespace kernels
}  // namespace gradguard
