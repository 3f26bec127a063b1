// The dropout multiply's kernel table (core/kernel_table.h). AVX-512 takes AVX2's loop (its
// base): one multiply per 12 bytes moved, so the loop is expected to be memory-bound already.
#include "core/kernel_table.h"
#include "kernels/dropout/dropout.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr KernelTable<DropoutRangeFn> kDropout = [] {
  KernelTable<DropoutRangeFn> t(scalar::dropout_range__scalar);
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, neon::dropout_range__neon);
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, avx2::dropout_range__avx2);
  return t;
}();

}  // namespace

DropoutRangeFn dropout_range_kernel(Isa isa) { return kDropout[isa]; }

}  // namespace kernels
}  // namespace gradguard
