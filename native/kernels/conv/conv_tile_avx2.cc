// AVX2+FMA tiles of the unit-stride convolution path (conv_unit.cc): a 4 x 24 output tile read
// straight from a zero-padded input through a per-depth offset table, and a 3 x 4 gradWeight tile
// of dot products along output rows (masked row tails). float32 FMA accumulation in a fixed order.
// Compiled with -mavx2 -mfma; no inline library templates, no namespace-scope initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx2_lanes.h"
#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// Σ of the 8 lanes in a fixed order.
inline float hsum8(__m256 v) {
  const __m128 q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 d = _mm_add_ps(q, _mm_movehl_ps(q, q));
  return _mm_cvtss_f32(_mm_add_ss(d, _mm_shuffle_ps(d, d, 1)));
}

}  // namespace

// 4 rows x 3 vectors of 8 columns: 12 accumulators, 3 loads and 4 broadcasts per depth step.
void conv_tile_f32__avx2(size_t kc, const float* ap, const float* xb, const size_t* offs, float* c,
                         size_t ldc, size_t mr) {
  __m256 acc[4][3];
  for (int i = 0; i < 4; ++i) {
    for (int v = 0; v < 3; ++v) acc[i][v] = _mm256_setzero_ps();
  }
  for (size_t p = 0; p < kc; ++p) {
    const float* b = xb + offs[p];
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), b2 = _mm256_loadu_ps(b + 16);
    const float* a = ap + p * 4;
    for (int i = 0; i < 4; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
      acc[i][2] = _mm256_fmadd_ps(av, b2, acc[i][2]);
    }
  }
  for (size_t i = 0; i < mr && i < 4; ++i) {
    for (int v = 0; v < 3; ++v) _mm256_storeu_ps(c + i * ldc + v * 8, acc[i][v]);
  }
}

// 3 output channels x 4 taps; per 8 columns 3 + 4 loads and 12 FMAs.
void conv_gw_tile_f32__avx2(size_t samples, size_t rows, size_t len, const float* gy,
                            size_t gy_sample, size_t gy_ch, size_t gy_row, size_t mo,
                            const float* xb, size_t x_sample, size_t x_row, const size_t* offs,
                            size_t nt, float* c, size_t ldc) {
  __m256 acc[3][4];
  for (int i = 0; i < 3; ++i) {
    for (int t = 0; t < 4; ++t) acc[i][t] = _mm256_setzero_ps();
  }
  size_t gi[3], xt[4];  // rows and taps past mo / nt repeat the last valid one (never stored)
  for (size_t i = 0; i < 3; ++i) gi[i] = (i < mo ? i : mo - 1) * gy_ch;
  for (size_t t = 0; t < 4; ++t) xt[t] = offs[t < nt ? t : nt - 1];
  const size_t full = len / 8 * 8;
  const __m256i tail = tail_mask8(static_cast<long>(len - full));
  for (size_t s = 0; s < samples; ++s) {
    for (size_t h = 0; h < rows; ++h) {
      const float* g = gy + s * gy_sample + h * gy_row;
      const float* x = xb + s * x_sample + h * x_row;
      for (size_t j = 0; j < len; j += 8) {
        const bool f = j < full;
        __m256 gv[3];
        for (int i = 0; i < 3; ++i) gv[i] = load8(g + gi[i] + j, f, tail);
        for (int t = 0; t < 4; ++t) {
          const __m256 xv = load8(x + xt[t] + j, f, tail);
          for (int i = 0; i < 3; ++i) acc[i][t] = _mm256_fmadd_ps(gv[i], xv, acc[i][t]);
        }
      }
    }
  }
  for (size_t i = 0; i < mo && i < 3; ++i) {
    for (size_t t = 0; t < nt && t < 4; ++t) c[i * ldc + t] += hsum8(acc[i][t]);
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
