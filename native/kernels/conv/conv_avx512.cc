// AVX-512F row kernels of the convolution's direct path: axpy and a dot product in one 16-lane FMA
// accumulator (summed in a fixed order), masked tails. float32 throughout.
// Compiled with -mavx512f -mfma; no inline library templates, no namespace-scope initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx512_lanes.h"
#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace avx512 {

void conv_axpy_f32__avx512(size_t n, float a, const float* x, float* y) {
  const __m512 va = _mm512_set1_ps(a);
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    _mm512_storeu_ps(y + j, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + j), _mm512_loadu_ps(y + j)));
  }
  if (j < n) {
    const __mmask16 m = tail_mask16(n - j);
    const __m512 r =
        _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + j), _mm512_maskz_loadu_ps(m, y + j));
    _mm512_mask_storeu_ps(y + j, m, r);
  }
}

float conv_dot_f32__avx512(size_t n, const float* x, const float* y) {
  __m512 acc = _mm512_setzero_ps();
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(x + j), _mm512_loadu_ps(y + j), acc);
  }
  if (j < n) {
    const __mmask16 m = tail_mask16(n - j);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + j), _mm512_maskz_loadu_ps(m, y + j), acc);
  }
  float lanes[16];
  _mm512_storeu_ps(lanes, acc);
  float s = 0.f;
  for (int e = 0; e < 16; ++e) s += lanes[e];
  return s;
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
