// AVX-512F relu and leaky_relu (forward and backward) in 16-lane vectors with masked tails; the
// kernel table sends every other kind to the AVX2 math (AVX-512's base). Compiled with -mavx512f
// -mfma; no inline library templates, no namespace-scope dynamic initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/activation/activation.h"
#include "kernels/avx512_lanes.h"

namespace gradguard {
namespace kernels {
namespace avx512 {
namespace {

// Lanes where x > 0 or x is NaN keep x (relu) / grad (relu backward); NaN input passes through.
inline __m512 relu16(__m512 x) {
  const __mmask16 le0 = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LE_OQ);
  return _mm512_mask_mov_ps(x, le0, _mm512_setzero_ps());
}
inline __m512 leaky16(__m512 x, __m512 slope) {
  const __mmask16 gt0 = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
  return _mm512_mask_mov_ps(_mm512_mul_ps(x, slope), gt0, x);
}
inline __m512 relu_bwd16(__m512 x, __m512 g) {
  const __mmask16 le0 = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LE_OQ);
  return _mm512_mask_mov_ps(g, le0, _mm512_setzero_ps());
}
inline __m512 leaky_bwd16(__m512 x, __m512 g, __m512 slope) {
  const __mmask16 gt0 = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
  return _mm512_mask_mov_ps(_mm512_mul_ps(g, slope), gt0, g);
}

}  // namespace

// fn is kRelu (0) or kLeakyRelu (1).
void act_fwd_f32__avx512(int fn, const float* x, float* y, size_t n, float p0, float /*p1*/) {
  const __m512 slope = _mm512_set1_ps(p0);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    _mm512_storeu_ps(y + i, fn == 0 ? relu16(v) : leaky16(v, slope));
  }
  if (i < n) {
    const __mmask16 m = tail_mask16(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    _mm512_mask_storeu_ps(y + i, m, fn == 0 ? relu16(v) : leaky16(v, slope));
  }
}

// fn is kRelu (0) or kLeakyRelu (1).
void act_bwd_f32__avx512(int fn, const float* x, const float* grad_y, float* grad_x, size_t n,
                         float p0, float /*p1*/) {
  const __m512 slope = _mm512_set1_ps(p0);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __m512 g = _mm512_loadu_ps(grad_y + i);
    _mm512_storeu_ps(grad_x + i, fn == 0 ? relu_bwd16(v, g) : leaky_bwd16(v, g, slope));
  }
  if (i < n) {
    const __mmask16 m = tail_mask16(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    const __m512 g = _mm512_maskz_loadu_ps(m, grad_y + i);
    _mm512_mask_storeu_ps(grad_x + i, m, fn == 0 ? relu_bwd16(v, g) : leaky_bwd16(v, g, slope));
  }
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
