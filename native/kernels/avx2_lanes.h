// Masked 8-lane float32 loads and stores for the tails of AVX2 loops, for the *_avx2.cc kernels
// (compiled with -mavx2 -mfma). Internal linkage on purpose: every including file gets its own
// copy, so a file built with other ISA flags can never end up sharing (or supplying) these symbols.
#ifndef GRADGUARD_KERNELS_AVX2_LANES_H_
#define GRADGUARD_KERNELS_AVX2_LANES_H_

#include <immintrin.h>

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// Lanes [0, r) set; r may be <= 0 (none) or >= 8 (all).
inline __m256i tail_mask8(long r) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(r < 8 ? r : 8)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// 8 floats, or only the lanes in m when !full (the others read as 0).
inline __m256 load8(const float* p, bool full, __m256i m) {
  return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}

// 8 floats, or only the lanes in m when !full (the others are not written).
inline void store8(float* p, __m256 v, bool full, __m256i m) {
  if (full) {
    _mm256_storeu_ps(p, v);
  } else {
    _mm256_maskstore_ps(p, m, v);
  }
}

}  // namespace
}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard

#endif  // GRADGUARD_KERNELS_AVX2_LANES_H_
