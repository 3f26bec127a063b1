// AVX2+FMA sum-of-squares micro-kernel (sgemm_sumsq's last depth slice): gemm_f32_6x16__avx2's
// tile, FMA chain and epilogue, so the same C bits, and then each stored row's two vectors widened
// to float64 from the registers (four lanes at a time) and squared into four accumulators (row
// order, a fixed lane pattern): no reload of the tile. The full 6 x 16 tile has its own instance
// without row guards or masks (no spills). Short panels (mr < 6) run the full FMA chain with
// stores of the valid rows only: every element is the same chain as in gemm_rows, so the same
// bits. Callgrind, 4096 x 2048 x 8 weight-gradient product: sgemm_sumsq 20.0 % more instructions
// than sgemm (the strip sums from L1: 26.1 %).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx2_lanes.h"
#include "kernels/gemm/gemm_tiles_x86.h"
#include "kernels/gemm/tile_sumsq.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// row[0, nr) = alpha * x + beta * row as gemm_avx2.cc's store_row_full (kFull) or
// store_row_masked (masked lanes neither read nor written), then Σ of the stored lanes' squares
// into s0..s3 (the others count as 0: padding columns hold alpha * 0, NaN when alpha * an A value
// is infinite). kFull keeps no mask registers live across the tile.
template <bool kFull>
inline void store_row_sumsq(float* row, __m256 x0, __m256 x1, __m256 va, __m256 vb, bool read_c,
                            __m256i m0, __m256i m1, __m256d& s0, __m256d& s1, __m256d& s2,
                            __m256d& s3) {
  x0 = _mm256_mul_ps(va, x0);
  x1 = _mm256_mul_ps(va, x1);
  if (read_c) {
    x0 = _mm256_fmadd_ps(vb, load8(row, kFull, m0), x0);
    x1 = _mm256_fmadd_ps(vb, load8(row + 8, kFull, m1), x1);
  }
  store8(row, x0, kFull, m0);
  store8(row + 8, x1, kFull, m1);
  if (!kFull) {
    x0 = _mm256_and_ps(x0, _mm256_castsi256_ps(m0));
    x1 = _mm256_and_ps(x1, _mm256_castsi256_ps(m1));
  }
  const __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(x0));
  const __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(x0, 1));
  const __m256d d2 = _mm256_cvtps_pd(_mm256_castps256_ps128(x1));
  const __m256d d3 = _mm256_cvtps_pd(_mm256_extractf128_ps(x1, 1));
  s0 = _mm256_fmadd_pd(d0, d0, s0);
  s1 = _mm256_fmadd_pd(d1, d1, s1);
  s2 = _mm256_fmadd_pd(d2, d2, s2);
  s3 = _mm256_fmadd_pd(d3, d3, s3);
}

// The tile; kFull: mr == 6 and nr == 16 (no row guards, no masks).
template <bool kFull>
double sumsq_tile(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, size_t mr,
                  size_t nr, float alpha, float beta) {
  for (size_t i = 0; i < mr; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + nr - 1), _MM_HINT_T0);
  }
  GG_AVX2_6X16_ACCUMULATE()
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const bool read_c = beta != 0.f;
  const long cols = static_cast<long>(nr);
  const __m256i m0 = kFull ? __m256i{} : tail_mask8(cols),
                m1 = kFull ? __m256i{} : tail_mask8(cols - 8);
  __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
  store_row_sumsq<kFull>(c, c00, c01, va, vb, read_c, m0, m1, s0, s1, s2, s3);
  if (kFull || mr > 1)
    store_row_sumsq<kFull>(c + ldc, c10, c11, va, vb, read_c, m0, m1, s0, s1, s2, s3);
  if (kFull || mr > 2)
    store_row_sumsq<kFull>(c + 2 * ldc, c20, c21, va, vb, read_c, m0, m1, s0, s1, s2, s3);
  if (kFull || mr > 3)
    store_row_sumsq<kFull>(c + 3 * ldc, c30, c31, va, vb, read_c, m0, m1, s0, s1, s2, s3);
  if (kFull || mr > 4)
    store_row_sumsq<kFull>(c + 4 * ldc, c40, c41, va, vb, read_c, m0, m1, s0, s1, s2, s3);
  if (kFull || mr > 5)
    store_row_sumsq<kFull>(c + 5 * ldc, c50, c51, va, vb, read_c, m0, m1, s0, s1, s2, s3);
  alignas(32) double l[4];
  _mm256_store_pd(l, _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
  return (l[0] + l[1]) + (l[2] + l[3]);
}

}  // namespace

double gemm_sumsq_f32_6x16__avx2(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                                 size_t mr, size_t nr, float alpha, float beta) {
  if (mr == 6 && nr == 16) return sumsq_tile<true>(kc, ap, bp, c, ldc, mr, nr, alpha, beta);
  return sumsq_tile<false>(kc, ap, bp, c, ldc, mr, nr, alpha, beta);
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
