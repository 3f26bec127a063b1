// AVX2+FMA SGEMM micro-kernel, 6x16 tile in 12 ymm float32 accumulators (broadcast A, FMA with two
// B vectors per depth step); alpha * acc then FMA with beta * C, masked stores for edge tiles.
// Unlike PyTorch's BLAS the k order is fixed, so results are identical for any thread count.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx2_lanes.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/gemm_tiles_x86.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// row[0, 16) = alpha * x + beta * row (beta == 0: row is not read).
inline void store_row_full(float* row, __m256 x0, __m256 x1, __m256 va, __m256 vb, bool read_c) {
  x0 = _mm256_mul_ps(va, x0);
  x1 = _mm256_mul_ps(va, x1);
  if (read_c) {
    x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), x0);
    x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), x1);
  }
  _mm256_storeu_ps(row, x0);
  _mm256_storeu_ps(row + 8, x1);
}

// The same for the first nr < 16 columns only; masked-out lanes are neither read nor written.
inline void store_row_masked(float* row, __m256 x0, __m256 x1, __m256 va, __m256 vb, bool read_c,
                             __m256i m0, __m256i m1) {
  x0 = _mm256_mul_ps(va, x0);
  x1 = _mm256_mul_ps(va, x1);
  if (read_c) {
    x0 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(row, m0), x0);
    x1 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(row + 8, m1), x1);
  }
  _mm256_maskstore_ps(row, m0, x0);
  _mm256_maskstore_ps(row + 8, m1, x1);
}

// The tile for panels with only R < 6 valid rows (the last panel of m = 32 or m = 8, an RNN step's
// batch): R rows of FMAs instead of 6. Every element is the same FMA chain in the same k order as
// in the full tile, so results are bit-identical to it.
template <int R>
void gemm_rows(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, size_t nr,
               float alpha, float beta) {
  __m256 acc[R][2];
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (size_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(bp);
    const __m256 b1 = _mm256_load_ps(bp + 8);
    for (int i = 0; i < R; ++i) {
      const __m256 a = _mm256_broadcast_ss(ap + i);
      acc[i][0] = _mm256_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(a, b1, acc[i][1]);
    }
    ap += 6;
    bp += 16;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const bool read_c = beta != 0.f;
  const long cols = static_cast<long>(nr);
  const __m256i m0 = tail_mask8(cols), m1 = tail_mask8(cols - 8);
  for (int i = 0; i < R; ++i) {
    if (nr == 16) {
      store_row_full(c + i * ldc, acc[i][0], acc[i][1], va, vb, read_c);
    } else {
      store_row_masked(c + i * ldc, acc[i][0], acc[i][1], va, vb, read_c, m0, m1);
    }
  }
}

}  // namespace

void gemm_f32_6x16__avx2(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                         size_t mr, size_t nr, float alpha, float beta) {
  if (mr <= 2) {
    if (mr == 1) {
      gemm_rows<1>(kc, ap, bp, c, ldc, nr, alpha, beta);
    } else {
      gemm_rows<2>(kc, ap, bp, c, ldc, nr, alpha, beta);
    }
    return;
  }
  if (mr <= 4) {
    if (mr == 3) {
      gemm_rows<3>(kc, ap, bp, c, ldc, nr, alpha, beta);
    } else {
      gemm_rows<4>(kc, ap, bp, c, ldc, nr, alpha, beta);
    }
    return;
  }
  // C is touched once per kc slice: fetch the tile now so the stores at the end do not stall.
  for (size_t i = 0; i < mr; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + nr - 1), _MM_HINT_T0);
  }
  GG_AVX2_6X16_ACCUMULATE()
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const bool read_c = beta != 0.f;
  if (nr == 16) {
    store_row_full(c, c00, c01, va, vb, read_c);
    if (mr > 1) store_row_full(c + ldc, c10, c11, va, vb, read_c);
    if (mr > 2) store_row_full(c + 2 * ldc, c20, c21, va, vb, read_c);
    if (mr > 3) store_row_full(c + 3 * ldc, c30, c31, va, vb, read_c);
    if (mr > 4) store_row_full(c + 4 * ldc, c40, c41, va, vb, read_c);
    if (mr > 5) store_row_full(c + 5 * ldc, c50, c51, va, vb, read_c);
    return;
  }
  const long cols = static_cast<long>(nr);
  const __m256i m0 = tail_mask8(cols), m1 = tail_mask8(cols - 8);
  store_row_masked(c, c00, c01, va, vb, read_c, m0, m1);
  if (mr > 1) store_row_masked(c + ldc, c10, c11, va, vb, read_c, m0, m1);
  if (mr > 2) store_row_masked(c + 2 * ldc, c20, c21, va, vb, read_c, m0, m1);
  if (mr > 3) store_row_masked(c + 3 * ldc, c30, c31, va, vb, read_c, m0, m1);
  if (mr > 4) store_row_masked(c + 4 * ldc, c40, c41, va, vb, read_c, m0, m1);
  if (mr > 5) store_row_masked(c + 5 * ldc, c50, c51, va, vb, read_c, m0, m1);
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
