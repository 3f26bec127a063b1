// AVX2 transposing pack (attention_pack.h): each panel of w rows is cut into groups of 8 rows; per
// 8 depth steps, 8 row loads, one 8×8 register transpose (unpack, shuffle, 128-bit permute: 24
// shuffles) and 8 stores of the group's panel columns (masked when the group is narrower than 8:
// the last 6 rows of a 14-row AVX-512 panel, a 6-row AVX2 one). Rows past the source's end are zero
// vectors, so the padding is written by the same stores. The depth tail (depth % 8) is scalar.
// Compiled with -mavx2 -mfma.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/attention/attention_pack.h"
#include "kernels/avx2_lanes.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// r[t] (row t, 8 depth steps) -> r[p] (depth p, 8 rows).
inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

}  // namespace

void att_pack_rows__avx2(const float* src, size_t ld, size_t rows, size_t depth, size_t w,
                         float* dst) {
  for (size_t r0 = 0; r0 < rows; r0 += w) {
    float* panel = dst + (r0 / w) * depth * w;
    const size_t n = rows - r0 < w ? rows - r0 : w;  // source rows in this panel
    for (size_t g = 0; g < w; g += 8) {
      const size_t lanes = w - g < 8 ? w - g : 8;                // panel columns this group fills
      const size_t valid = n > g ? (n - g < 8 ? n - g : 8) : 0;  // of them, real rows
      const bool full = lanes == 8;
      const __m256i mk = tail_mask8(static_cast<long>(lanes));
      const float* s = src + (r0 + g) * ld;
      size_t p0 = 0;
      for (; p0 + 8 <= depth; p0 += 8) {
        __m256 r[8];
        for (size_t t = 0; t < 8; ++t) {
          r[t] = t < valid ? _mm256_loadu_ps(s + t * ld + p0) : _mm256_setzero_ps();
        }
        transpose8(r);
        for (size_t p = 0; p < 8; ++p) store8(panel + (p0 + p) * w + g, r[p], full, mk);
      }
      for (size_t p = p0; p < depth; ++p) {
        float* d = panel + p * w + g;
        for (size_t t = 0; t < lanes; ++t) d[t] = t < valid ? s[t * ld + p] : 0.0f;
      }
    }
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard

#endif
