// AVX2+FMA tiles of the unit-stride convolution path (conv_unit.cc): a 4 x 24 output tile read
// straight from a zero-padded input through a per-depth offset table, a 3 x 4 gradWeight tile of
// dot products along output rows (masked row tails), and the gradWeight GEMM over positions from a
// channels-last gY (16 channels x 6 taps) with its transpose. float32 FMA accumulation in a fixed
// order.
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

// gradWeight as a GEMM over positions (conv.h, ConvGwClFn): 16 output channels (2 vectors of a
// channels-last gY row) x 6 taps (broadcasts from the frame), 12 accumulators held across all
// positions of the call (15 of the 16 ymm registers with the 2 gY vectors and a broadcast): per
// position 2 loads, 6 broadcasts and 12 FMAs, no horizontal sums and no row-tail lanes. Taps past
// nt repeat the last valid one (computed, never stored).
void conv_gw_cl_f32__avx2(size_t rows, size_t ow, const float* gyt, size_t gy_ld, const float* xb,
                          size_t x_row, const size_t* offs, size_t nt, float* c, size_t ldc) {
#define GG_EACH(M) M(0) M(1) M(2) M(3) M(4) M(5)
#define GG_ACC(t) __m256 l##t = _mm256_setzero_ps(), h##t = l##t;
#define GG_OFF(t) const size_t x##t = offs[nt > t ? t : nt - 1];
  GG_EACH(GG_ACC);
  GG_EACH(GG_OFF);
  for (size_t h = 0; h < rows; ++h) {
    const float* x = xb + h * x_row;
    const float* g = gyt + h * ow * gy_ld;
    for (size_t w = 0; w < ow; ++w, g += gy_ld) {
      const __m256 g0 = _mm256_loadu_ps(g), g1 = _mm256_loadu_ps(g + 8);
#define GG_TAP(t)                                        \
  {                                                      \
    const __m256 xv = _mm256_broadcast_ss(x + x##t + w); \
    l##t = _mm256_fmadd_ps(g0, xv, l##t);                \
    h##t = _mm256_fmadd_ps(g1, xv, h##t);                \
  }
      GG_EACH(GG_TAP);
    }
  }
#undef GG_TAP
#undef GG_OFF
#undef GG_ACC
#undef GG_EACH
  const __m256 lo[6] = {l0, l1, l2, l3, l4, l5};
  const __m256 hi[6] = {h0, h1, h2, h3, h4, h5};
  for (size_t t = 0; t < nt && t < 6; ++t) {
    float* d = c + t * ldc;
    _mm256_storeu_ps(d, _mm256_add_ps(_mm256_loadu_ps(d), lo[t]));
    _mm256_storeu_ps(d + 8, _mm256_add_ps(_mm256_loadu_ps(d + 8), hi[t]));
  }
}

// dst[p·ld + o] = src[o·P + p] (conv.h, ConvGwPackFn) in 8 x 8 blocks transposed in registers
// (unpacks within 128-bit lanes, then lane permutes); the edges past whole blocks element by
// element.
void conv_gw_pack_f32__avx2(size_t og, size_t P, const float* src, float* dst, size_t ld) {
  const size_t ob = og / 8 * 8, pb = P / 8 * 8;
  for (size_t o0 = 0; o0 < ob; o0 += 8) {
    for (size_t p0 = 0; p0 < pb; p0 += 8) {
      __m256 r[8], t[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + (o0 + i) * P + p0);
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
      }
      // r[4k + m]: in each 128-bit lane, column m of rows 4k..4k+3 (lane 0: p0 + m, lane 1:
      // p0 + 4 + m).
      for (int k = 0; k < 8; k += 4) {
        const __m256d a = _mm256_castps_pd(t[k]), b = _mm256_castps_pd(t[k + 1]),
                      cc = _mm256_castps_pd(t[k + 2]), d = _mm256_castps_pd(t[k + 3]);
        r[k] = _mm256_castpd_ps(_mm256_unpacklo_pd(a, cc));
        r[k + 1] = _mm256_castpd_ps(_mm256_unpackhi_pd(a, cc));
        r[k + 2] = _mm256_castpd_ps(_mm256_unpacklo_pd(b, d));
        r[k + 3] = _mm256_castpd_ps(_mm256_unpackhi_pd(b, d));
      }
      for (int m = 0; m < 4; ++m) {
        _mm256_storeu_ps(dst + (p0 + m) * ld + o0, _mm256_permute2f128_ps(r[m], r[4 + m], 0x20));
        _mm256_storeu_ps(dst + (p0 + 4 + m) * ld + o0,
                         _mm256_permute2f128_ps(r[m], r[4 + m], 0x31));
      }
    }
    for (size_t p = pb; p < P; ++p) {
      for (size_t o = o0; o < o0 + 8; ++o) dst[p * ld + o] = src[o * P + p];
    }
  }
  for (size_t o = ob; o < og; ++o) {
    for (size_t p = 0; p < P; ++p) dst[p * ld + o] = src[o * P + p];
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
