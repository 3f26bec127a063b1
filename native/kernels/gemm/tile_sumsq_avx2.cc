// AVX2+FMA tile sum of squares: 8 float32 per step widened to two 4-lane float64 halves and
// accumulated with FMA in four registers for a full 16-wide row (two otherwise); the row tail
// (< 8) in a scalar float64 accumulator. Lanes reduced in a fixed order. Compiled with -mavx2
// -mfma.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/gemm/tile_sumsq.h"

namespace gradguard {
namespace kernels {
namespace avx2 {

double tile_sumsq_f32__avx2(const float* c, size_t ldc, size_t rows, size_t cols) {
  // Four accumulators: a full 16-wide row's four FMAs go to four independent chains (two per
  // register made each row wait for two dependent FMA latencies, on the GEMM's critical path).
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  double tail = 0.0;
  for (size_t i = 0; i < rows; ++i) {
    const float* row = c + i * ldc;
    size_t j = 0;
    if (cols == 16) {  // the micro-kernel's full width: one row without a loop
      const __m256d d0 = _mm256_cvtps_pd(_mm_loadu_ps(row));
      const __m256d d1 = _mm256_cvtps_pd(_mm_loadu_ps(row + 4));
      const __m256d d2 = _mm256_cvtps_pd(_mm_loadu_ps(row + 8));
      const __m256d d3 = _mm256_cvtps_pd(_mm_loadu_ps(row + 12));
      a0 = _mm256_fmadd_pd(d0, d0, a0);
      a1 = _mm256_fmadd_pd(d1, d1, a1);
      a2 = _mm256_fmadd_pd(d2, d2, a2);
      a3 = _mm256_fmadd_pd(d3, d3, a3);
      continue;
    }
    for (; j + 8 <= cols; j += 8) {
      const __m256d d0 = _mm256_cvtps_pd(_mm_loadu_ps(row + j));
      const __m256d d1 = _mm256_cvtps_pd(_mm_loadu_ps(row + j + 4));
      a0 = _mm256_fmadd_pd(d0, d0, a0);
      a1 = _mm256_fmadd_pd(d1, d1, a1);
    }
    for (; j < cols; ++j) {
      const double v = row[j];
      tail += v * v;
    }
  }
  alignas(32) double l[4];
  _mm256_store_pd(l, _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
  return ((l[0] + l[1]) + (l[2] + l[3])) + tail;
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
