// AVX-512F tile sum of squares: a full 32-wide row as four 8-lane float64 quarters into four
// registers; other widths 16 float32 per step (a masked load for the row tail, zero lanes add
// nothing) widened to two 8-lane halves into two of them; reduced in a fixed order. Compiled with
// the AVX-512 row's flags.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx512_lanes.h"
#include "kernels/gemm/tile_sumsq.h"

namespace gradguard {
namespace kernels {
namespace avx512 {
namespace {

inline __m512d lo_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
inline __m512d hi_pd(__m512 v) {
  return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

}  // namespace

double tile_sumsq_f32__avx512(const float* c, size_t ldc, size_t rows, size_t cols) {
  // Four accumulators: a full-width row's four FMAs go to four independent chains, so a row costs
  // the conversions' throughput, not two dependent FMA latencies per register (the strip sums run
  // inside the GEMM's task loop, where every cycle here is on the step's critical path).
  __m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i < rows; ++i) {
    const float* row = c + i * ldc;
    if (cols == 32) {  // the micro-kernel's full width: one row without a loop or masks
      // Widened straight from memory (a 256-bit load per conversion, no lane extract).
      const __m512d d0 = _mm512_cvtps_pd(_mm256_loadu_ps(row));
      const __m512d d1 = _mm512_cvtps_pd(_mm256_loadu_ps(row + 8));
      const __m512d d2 = _mm512_cvtps_pd(_mm256_loadu_ps(row + 16));
      const __m512d d3 = _mm512_cvtps_pd(_mm256_loadu_ps(row + 24));
      a0 = _mm512_fmadd_pd(d0, d0, a0);
      a1 = _mm512_fmadd_pd(d1, d1, a1);
      a2 = _mm512_fmadd_pd(d2, d2, a2);
      a3 = _mm512_fmadd_pd(d3, d3, a3);
      continue;
    }
    for (size_t j = 0; j < cols; j += 16) {
      const __m512 v = _mm512_maskz_loadu_ps(tail_mask16(cols - j), row + j);
      const __m512d lo = lo_pd(v), hi = hi_pd(v);
      a0 = _mm512_fmadd_pd(lo, lo, a0);
      a1 = _mm512_fmadd_pd(hi, hi, a1);
    }
  }
  alignas(64) double l[8];
  _mm512_store_pd(l, _mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
