#include "kernels/stream/peak.h"

namespace gradguard {
namespace kernels {

double fma_peak_loop(Isa isa, size_t iterations, float* sink) {
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::kAvx512) return avx512::fma_peak_loop__avx512(iterations, sink);
  if (isa == Isa::kAvx2) return avx2::fma_peak_loop__avx2(iterations, sink);
#elif defined(__aarch64__)
  if (isa == Isa::kNeon) return neon::fma_peak_loop__neon(iterations, sink);
#endif
  return scalar::fma_peak_loop__scalar(iterations, sink);
}

}  // namespace kernels
}  // namespace gradguard
