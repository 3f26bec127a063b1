// Tail masks for 16-lane float32 loops, for the *_avx512.cc kernels (compiled with -mavx512f): the
// masked loads and stores themselves are single intrinsics (_mm512_maskz_loadu_ps,
// _mm512_mask_storeu_ps). Internal linkage on purpose: every including file gets its own copy, so a
// file built with other ISA flags can never end up sharing (or supplying) these symbols.
#ifndef GRADGUARD_KERNELS_AVX512_LANES_H_
#define GRADGUARD_KERNELS_AVX512_LANES_H_

#include <immintrin.h>

#include <cstddef>

namespace gradguard {
namespace kernels {
namespace avx512 {
namespace {

// Lanes [0, r) set; r >= 16 sets all 16.
inline __mmask16 tail_mask16(size_t r) {
  return r >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << r) - 1u);
}

}  // namespace
}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard

#endif  // GRADGUARD_KERNELS_AVX512_LANES_H_
