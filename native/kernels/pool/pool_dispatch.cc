// The pooling kernel table (core/kernel_table.h). AVX-512 takes AVX2's row (its base): no 16-lane
// variant exists yet, so none has been shown to beat AVX2 (the rule for adding one).
#include "core/kernel_table.h"
#include "kernels/pool/pool.h"

namespace gradguard {
namespace kernels {
namespace {

#define GG_POOL_ROW(ns) \
  PoolKernels { ns::max_plane__##ns, ns::avg_plane__##ns }

constexpr KernelTable<PoolKernels> kPool = [] {
  KernelTable<PoolKernels> t(GG_POOL_ROW(scalar));
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, GG_POOL_ROW(neon));
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, GG_POOL_ROW(avx2));
  return t;
}();

#undef GG_POOL_ROW

}  // namespace

const PoolKernels& pool_kernels(Isa isa) { return kPool[isa]; }

}  // namespace kernels
}  // namespace gradguard
