// AVX2+FMA peak: 10 independent ymm FMA chains (Zen/Skylake: 2 FMA ports x 4-5 cycles latency).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/stream/peak.h"

namespace gradguard {
namespace kernels {
namespace avx2 {

double fma_peak_loop__avx2(size_t iterations, float* sink) {
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  __m256 a0 = _mm256_set1_ps(1), a1 = _mm256_set1_ps(2), a2 = _mm256_set1_ps(3),
         a3 = _mm256_set1_ps(4), a4 = _mm256_set1_ps(5), a5 = _mm256_set1_ps(6),
         a6 = _mm256_set1_ps(7), a7 = _mm256_set1_ps(8), a8 = _mm256_set1_ps(9),
         a9 = _mm256_set1_ps(10);
  for (size_t i = 0; i < iterations; ++i) {
    a0 = _mm256_fmadd_ps(a0, m, c);
    a1 = _mm256_fmadd_ps(a1, m, c);
    a2 = _mm256_fmadd_ps(a2, m, c);
    a3 = _mm256_fmadd_ps(a3, m, c);
    a4 = _mm256_fmadd_ps(a4, m, c);
    a5 = _mm256_fmadd_ps(a5, m, c);
    a6 = _mm256_fmadd_ps(a6, m, c);
    a7 = _mm256_fmadd_ps(a7, m, c);
    a8 = _mm256_fmadd_ps(a8, m, c);
    a9 = _mm256_fmadd_ps(a9, m, c);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(a8, a9));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  *sink += lanes[0];
  return 10.0 * 8 * 2 * static_cast<double>(iterations);
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
