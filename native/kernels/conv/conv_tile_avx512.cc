// AVX-512F tiles of the unit-stride convolution path (conv_unit.cc): an 8 x 48 output tile read
// straight from a zero-padded input through a per-depth offset table (no im2col, no B packing),
// and a 4 x 6 gradWeight tile of dot products along output rows (masked row tails, so no lane
// past a row is ever multiplied). float32 FMA accumulation in a fixed order.
// Compiled with -mavx512f -mfma; no inline library templates, no namespace-scope initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx512_lanes.h"
#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace avx512 {

// 8 rows (output channels) x 3 vectors of 16 columns: 24 accumulators, 3 loads and 8 broadcasts
// per depth step.
void conv_tile_f32__avx512(size_t kc, const float* ap, const float* xb, const size_t* offs,
                           float* c, size_t ldc, size_t mr) {
  __m512 acc[8][3];
  for (int i = 0; i < 8; ++i) {
    for (int v = 0; v < 3; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  for (size_t p = 0; p < kc; ++p) {
    const float* b = xb + offs[p];
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16),
                 b2 = _mm512_loadu_ps(b + 32);
    const float* a = ap + p * 8;
    for (int i = 0; i < 8; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(av, b2, acc[i][2]);
    }
  }
  for (size_t i = 0; i < mr && i < 8; ++i) {
    for (int v = 0; v < 3; ++v) _mm512_storeu_ps(c + i * ldc + v * 16, acc[i][v]);
  }
}

// 4 output channels x 6 taps; per 16 columns 4 + 6 loads and 24 FMAs. The accumulators are 24
// named registers (an array of them is kept in memory by GCC across this loop nest).
void conv_gw_tile_f32__avx512(size_t samples, size_t rows, size_t len, const float* gy,
                              size_t gy_sample, size_t gy_ch, size_t gy_row, size_t mo,
                              const float* xb, size_t x_sample, size_t x_row, const size_t* offs,
                              size_t nt, float* c, size_t ldc) {
#define GG_ACC(i)                                                                                \
  __m512 a##i##0 = _mm512_setzero_ps(), a##i##1 = a##i##0, a##i##2 = a##i##0, a##i##3 = a##i##0, \
         a##i##4 = a##i##0, a##i##5 = a##i##0;
  GG_ACC(0)
  GG_ACC(1)
  GG_ACC(2)
  GG_ACC(3)
#undef GG_ACC
  // Rows and taps past mo / nt repeat the last valid one (read, never stored).
  const size_t g1 = (mo > 1 ? 1 : 0) * gy_ch, g2 = (mo > 2 ? 2 : mo - 1) * gy_ch,
               g3 = (mo > 3 ? 3 : mo - 1) * gy_ch;
  const size_t x0 = offs[0], x1 = offs[nt > 1 ? 1 : 0], x2 = offs[nt > 2 ? 2 : nt - 1],
               x3 = offs[nt > 3 ? 3 : nt - 1], x4 = offs[nt > 4 ? 4 : nt - 1],
               x5 = offs[nt > 5 ? 5 : nt - 1];
  const size_t full = len / 16 * 16;
  const __mmask16 tail = tail_mask16(len - full);
  for (size_t s = 0; s < samples; ++s) {
    for (size_t h = 0; h < rows; ++h) {
      const float* g = gy + s * gy_sample + h * gy_row;
      const float* x = xb + s * x_sample + h * x_row;
      for (size_t j = 0; j < len; j += 16) {
        const __mmask16 m = j < full ? static_cast<__mmask16>(0xFFFF) : tail;
        const __m512 v0 = _mm512_maskz_loadu_ps(m, g + j),
                     v1 = _mm512_maskz_loadu_ps(m, g + g1 + j),
                     v2 = _mm512_maskz_loadu_ps(m, g + g2 + j),
                     v3 = _mm512_maskz_loadu_ps(m, g + g3 + j);
#define GG_TAP(t)                                             \
  {                                                           \
    const __m512 xv = _mm512_maskz_loadu_ps(m, x + x##t + j); \
    a0##t = _mm512_fmadd_ps(v0, xv, a0##t);                   \
    a1##t = _mm512_fmadd_ps(v1, xv, a1##t);                   \
    a2##t = _mm512_fmadd_ps(v2, xv, a2##t);                   \
    a3##t = _mm512_fmadd_ps(v3, xv, a3##t);                   \
  }
        GG_TAP(0) GG_TAP(1) GG_TAP(2) GG_TAP(3) GG_TAP(4) GG_TAP(5)
#undef GG_TAP
      }
    }
  }
  const __m512 acc[4][6] = {{a00, a01, a02, a03, a04, a05},
                            {a10, a11, a12, a13, a14, a15},
                            {a20, a21, a22, a23, a24, a25},
                            {a30, a31, a32, a33, a34, a35}};
  for (size_t i = 0; i < mo && i < 4; ++i) {
    for (size_t t = 0; t < nt && t < 6; ++t) c[i * ldc + t] += _mm512_reduce_add_ps(acc[i][t]);
  }
}

// gradWeight as a GEMM over positions (conv.h, ConvGwClFn): 32 output channels (2 vectors of a
// channels-last gY row) x 12 taps (broadcasts from the frame), 24 accumulators held across all
// positions of the call: per position 2 loads, 12 broadcasts and 24 FMAs, no horizontal sums and
// no row-tail lanes. Taps past nt repeat the last valid one (computed, never stored).
void conv_gw_cl_f32__avx512(size_t rows, size_t ow, const float* gyt, size_t gy_ld, const float* xb,
                            size_t x_row, const size_t* offs, size_t nt, float* c, size_t ldc) {
#define GG_EACH(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)
#define GG_ACC(t) __m512 l##t = _mm512_setzero_ps(), h##t = l##t;
#define GG_OFF(t) const size_t x##t = offs[nt > t ? t : nt - 1];
  GG_EACH(GG_ACC);
  GG_EACH(GG_OFF);
  for (size_t h = 0; h < rows; ++h) {
    const float* x = xb + h * x_row;
    const float* g = gyt + h * ow * gy_ld;
    for (size_t w = 0; w < ow; ++w, g += gy_ld) {
      const __m512 g0 = _mm512_loadu_ps(g), g1 = _mm512_loadu_ps(g + 16);
#define GG_TAP(t)                                  \
  {                                                \
    const __m512 xv = _mm512_set1_ps(x[x##t + w]); \
    l##t = _mm512_fmadd_ps(g0, xv, l##t);          \
    h##t = _mm512_fmadd_ps(g1, xv, h##t);          \
  }
      GG_EACH(GG_TAP);
    }
  }
#undef GG_TAP
#undef GG_OFF
#undef GG_ACC
#undef GG_EACH
  const __m512 lo[12] = {l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11};
  const __m512 hi[12] = {h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11};
  for (size_t t = 0; t < nt && t < 12; ++t) {
    float* d = c + t * ldc;
    _mm512_storeu_ps(d, _mm512_add_ps(_mm512_loadu_ps(d), lo[t]));
    _mm512_storeu_ps(d + 16, _mm512_add_ps(_mm512_loadu_ps(d + 16), hi[t]));
  }
}

// dst[p·ld + o] = src[o·P + p] (conv.h, ConvGwPackFn) in 16 x 16 blocks transposed in registers
// (unpacks within 128-bit lanes, then lane shuffles); the edges past whole blocks element by
// element.
void conv_gw_pack_f32__avx512(size_t og, size_t P, const float* src, float* dst, size_t ld) {
  const size_t ob = og / 16 * 16, pb = P / 16 * 16;
  for (size_t o0 = 0; o0 < ob; o0 += 16) {
    for (size_t p0 = 0; p0 < pb; p0 += 16) {
      __m512 r[16], t[16];
      for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + (o0 + i) * P + p0);
      for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
      }
      // r[4k + m]: lane L holds column 4L + m of rows 4k..4k+3.
      for (int k = 0; k < 16; k += 4) {
        const __m512d a = _mm512_castps_pd(t[k]), b = _mm512_castps_pd(t[k + 1]),
                      c = _mm512_castps_pd(t[k + 2]), d = _mm512_castps_pd(t[k + 3]);
        r[k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
      }
      for (int m = 0; m < 4; ++m) {
        const __m512 a0 = _mm512_shuffle_f32x4(r[m], r[4 + m], 0x88),
                     a1 = _mm512_shuffle_f32x4(r[m], r[4 + m], 0xDD),
                     b0 = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0x88),
                     b1 = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0xDD);
        _mm512_storeu_ps(dst + (p0 + m) * ld + o0, _mm512_shuffle_f32x4(a0, b0, 0x88));
        _mm512_storeu_ps(dst + (p0 + 4 + m) * ld + o0, _mm512_shuffle_f32x4(a1, b1, 0x88));
        _mm512_storeu_ps(dst + (p0 + 8 + m) * ld + o0, _mm512_shuffle_f32x4(a0, b0, 0xDD));
        _mm512_storeu_ps(dst + (p0 + 12 + m) * ld + o0, _mm512_shuffle_f32x4(a1, b1, 0xDD));
      }
    }
    for (size_t p = pb; p < P; ++p) {
      for (size_t o = o0; o < o0 + 16; ++o) dst[p * ld + o] = src[o * P + p];
    }
  }
  for (size_t o = ob; o < og; ++o) {
    for (size_t p = 0; p < P; ++p) dst[p * ld + o] = src[o * P + p];
  }
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
