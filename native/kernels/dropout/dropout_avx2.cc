// AVX2 dropout multiply (dropout.h): 8 elements per step, x * scale in float32 (as the scalar
// reference: no FMA involved) and-ed with a lane mask built from the mask bytes (elementwise:
// 8 bytes widened; groups: the group's byte per lane). Bit-identical to the scalar reference.
// Compiled with -mavx2 -mfma; no inline library templates, no namespace-scope dynamic initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstring>

#include "kernels/dropout/dropout.h"

namespace gradguard {
namespace kernels {
namespace avx2 {

void dropout_range__avx2(const float* x, const uint8_t* mask, size_t lo, size_t hi, size_t group,
                         float scale, float* out) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i zero = _mm256_setzero_si256();
  size_t i = lo;
  if (group == 1) {
    for (; i + 8 <= hi; i += 8) {
      uint64_t bytes;
      std::memcpy(&bytes, mask + i, 8);
      const __m256i m32 = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(bytes)));
      const __m256 keep = _mm256_castsi256_ps(
          _mm256_xor_si256(_mm256_cmpeq_epi32(m32, zero), _mm256_set1_epi32(-1)));
      _mm256_storeu_ps(out + i, _mm256_and_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), s), keep));
    }
  } else {
    for (; i + 8 <= hi; i += 8) {
      // A run of 8 inside one group (the usual case for Dropout2d) broadcasts its byte.
      const size_t g0 = i / group, g1 = (i + 7) / group;
      __m256 keep;
      if (g0 == g1) {
        keep = _mm256_castsi256_ps(_mm256_set1_epi32(mask[g0] ? -1 : 0));
      } else {
        alignas(32) int32_t m[8];
        for (int l = 0; l < 8; ++l) m[l] = mask[(i + l) / group] ? -1 : 0;
        keep = _mm256_castsi256_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(m)));
      }
      _mm256_storeu_ps(out + i, _mm256_and_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), s), keep));
    }
  }
  for (; i < hi; ++i) out[i] = mask[i / group] ? x[i] * scale : 0.0f;
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
