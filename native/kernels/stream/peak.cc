// The FMA peak loop's table (core/kernel_table.h): one loop per ISA. Baseline flags.
#include "kernels/stream/peak.h"

#include "core/kernel_table.h"

namespace gradguard {
namespace kernels {
namespace {

using FmaPeakFn = double (*)(size_t iterations, float* sink);

constexpr KernelTable<FmaPeakFn> kFmaPeak = [] {
  KernelTable<FmaPeakFn> t(scalar::fma_peak_loop__scalar);
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, neon::fma_peak_loop__neon);
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, avx2::fma_peak_loop__avx2);
  if constexpr (isa_built(Isa::kAvx512)) t.set(Isa::kAvx512, avx512::fma_peak_loop__avx512);
  return t;
}();

}  // namespace

double fma_peak_loop(Isa isa, size_t iterations, float* sink) {
  return kFmaPeak[isa](iterations, sink);
}

}  // namespace kernels
}  // namespace gradguard
