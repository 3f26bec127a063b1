// AVX-512F sum-of-squares micro-kernel (sgemm_sumsq's last depth slice): gemm_f32_14x32__avx512's
// tile, FMA chain and epilogue, so the same C bits, and then each stored row's two vectors widened
// to float64 from the registers and squared into four accumulators (row order, a fixed lane
// pattern). The full 14 x 32 tile has its own instance without row guards or masks (with them the
// mask and sum registers spilled). Short panels (mr < 14) run the full FMA chain with stores of
// the valid rows only: every element is the same chain as in gemm_rows, so the same bits.
// Measured on the 4096 x 2048 x 8 weight-gradient product, 1 thread, loaded Xeon VM (thread-CPU
// times, so indicative): a stand-alone probe of the tile loop, interleaved, put this epilogue at
// +0-10 % over the micro-kernel alone and the strip sums from L1 at +18-30 %; sgemm_sumsq against
// sgemm, in alternating processes, best of 4 x 15 calls: 2.38 ms (strip sums 2.58 ms; sgemm
// 1.98-2.10 ms).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx512_lanes.h"
#include "kernels/gemm/gemm_tiles_x86.h"
#include "kernels/gemm/tile_sumsq.h"

namespace gradguard {
namespace kernels {
namespace avx512 {
namespace {

// row[0, nr) = alpha * x + beta * row (beta == 0: row is not read), as gemm_avx512.cc's store_row,
// then Σ of the stored lanes' squares into s0..s3. kFull: all 32 lanes, no masks (the hot path:
// no mask registers live across the tile, no spills). Otherwise lanes outside k0/k1 count as 0
// (the padding columns hold alpha * 0, which is NaN when alpha * an A value is infinite).
template <bool kFull>
inline void store_row_sumsq(float* row, __m512 x0, __m512 x1, __m512 va, __m512 vb, bool read_c,
                            __mmask16 k0, __mmask16 k1, __m512d& s0, __m512d& s1, __m512d& s2,
                            __m512d& s3) {
  x0 = _mm512_mul_ps(va, x0);
  x1 = _mm512_mul_ps(va, x1);
  if (kFull) {
    if (read_c) {
      x0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row), x0);
      x1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row + 16), x1);
    }
    _mm512_storeu_ps(row, x0);
    _mm512_storeu_ps(row + 16, x1);
  } else {
    if (read_c) {
      x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k0, row), x0);
      x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k1, row + 16), x1);
    }
    _mm512_mask_storeu_ps(row, k0, x0);
    _mm512_mask_storeu_ps(row + 16, k1, x1);
    x0 = _mm512_maskz_mov_ps(k0, x0);
    x1 = _mm512_maskz_mov_ps(k1, x1);
  }
  const __m512d d0 = _mm512_cvtps_pd(_mm512_castps512_ps256(x0));
  const __m512d d1 =
      _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x0), 1)));
  const __m512d d2 = _mm512_cvtps_pd(_mm512_castps512_ps256(x1));
  const __m512d d3 =
      _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x1), 1)));
  s0 = _mm512_fmadd_pd(d0, d0, s0);
  s1 = _mm512_fmadd_pd(d1, d1, s1);
  s2 = _mm512_fmadd_pd(d2, d2, s2);
  s3 = _mm512_fmadd_pd(d3, d3, s3);
}

// The tile; kFull: mr == 14 and nr == 32 (no row guards, no masks).
template <bool kFull>
double sumsq_tile(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, size_t mr,
                  size_t nr, float alpha, float beta) {
  for (size_t i = 0; i < mr; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + nr - 1), _MM_HINT_T0);
  }
  // clang-format off
  GG_AVX512_14X32_ACCUMULATE()
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const bool read_c = beta != 0.f;
  const __mmask16 k0 = tail_mask16(nr), k1 = tail_mask16(nr > 16 ? nr - 16 : 0);
  __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
#define GG_STORE(i)                                                                          \
  if (kFull || mr > i) {                                                                    \
    store_row_sumsq<kFull>(c + (i) * ldc, c##i##0, c##i##1, va, vb, read_c, k0, k1, s0, s1, \
                           s2, s3);                                                         \
  }
  {
    GG_STORE(0) GG_STORE(1) GG_STORE(2) GG_STORE(3) GG_STORE(4) GG_STORE(5)
    GG_STORE(6) GG_STORE(7) GG_STORE(8) GG_STORE(9) GG_STORE(10) GG_STORE(11) GG_STORE(12)
    GG_STORE(13)
  }
#undef GG_STORE
  // clang-format on
  alignas(64) double l[8];
  _mm512_store_pd(l, _mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

}  // namespace

double gemm_sumsq_f32_14x32__avx512(size_t kc, const float* ap, const float* bp, float* c,
                                    size_t ldc, size_t mr, size_t nr, float alpha, float beta) {
  if (mr == 14 && nr == 32) return sumsq_tile<true>(kc, ap, bp, c, ldc, mr, nr, alpha, beta);
  return sumsq_tile<false>(kc, ap, bp, c, ldc, mr, nr, alpha, beta);
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
