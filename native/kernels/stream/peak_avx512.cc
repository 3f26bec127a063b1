// AVX-512 peak: 12 independent zmm FMA chains.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/stream/peak.h"

namespace gradguard {
namespace kernels {
namespace avx512 {

double fma_peak_loop__avx512(size_t iterations, float* sink) {
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  __m512 a[12];
  for (int k = 0; k < 12; ++k) a[k] = _mm512_set1_ps(static_cast<float>(k + 1));
  for (size_t i = 0; i < iterations; ++i) {
    a[0] = _mm512_fmadd_ps(a[0], m, c);
    a[1] = _mm512_fmadd_ps(a[1], m, c);
    a[2] = _mm512_fmadd_ps(a[2], m, c);
    a[3] = _mm512_fmadd_ps(a[3], m, c);
    a[4] = _mm512_fmadd_ps(a[4], m, c);
    a[5] = _mm512_fmadd_ps(a[5], m, c);
    a[6] = _mm512_fmadd_ps(a[6], m, c);
    a[7] = _mm512_fmadd_ps(a[7], m, c);
    a[8] = _mm512_fmadd_ps(a[8], m, c);
    a[9] = _mm512_fmadd_ps(a[9], m, c);
    a[10] = _mm512_fmadd_ps(a[10], m, c);
    a[11] = _mm512_fmadd_ps(a[11], m, c);
  }
  __m512 s = a[0];
  for (int k = 1; k < 12; ++k) s = _mm512_add_ps(s, a[k]);
  *sink += _mm512_reduce_add_ps(s);
  return 12.0 * 16 * 2 * static_cast<double>(iterations);
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
