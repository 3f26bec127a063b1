// AVX2+FMA row kernels of the convolution's direct path: axpy and a dot product in two 8-lane
// FMA accumulators (summed in a fixed order), masked tails. float32 throughout.
// Compiled with -mavx2 -mfma; no inline library templates, no namespace-scope initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx2_lanes.h"
#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace avx2 {

void conv_axpy_f32__avx2(size_t n, float a, const float* x, float* y) {
  const __m256 va = _mm256_set1_ps(a);
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    _mm256_storeu_ps(y + j, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + j), _mm256_loadu_ps(y + j)));
  }
  if (j < n) {
    const __m256i m = tail_mask8(static_cast<long>(n - j));
    const __m256 r = _mm256_fmadd_ps(va, load8(x + j, false, m), load8(y + j, false, m));
    store8(y + j, r, false, m);
  }
}

float conv_dot_f32__avx2(size_t n, const float* x, const float* y) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0;
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(y + j), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + j + 8), _mm256_loadu_ps(y + j + 8), a1);
  }
  for (; j + 8 <= n; j += 8)
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(y + j), a0);
  if (j < n) {
    const __m256i m = tail_mask8(static_cast<long>(n - j));
    a1 = _mm256_fmadd_ps(load8(x + j, false, m), load8(y + j, false, m), a1);
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, _mm256_add_ps(a0, a1));
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
         ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
