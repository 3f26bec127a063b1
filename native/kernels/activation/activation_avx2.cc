// AVX2 activations: relu and leaky_relu (forward and backward) in 8-lane vectors with masked tails;
// the transcendental functions (sigmoid, tanh, gelu, elu, softplus) use the float64 scalar reference
// for now (exact to 1 ulp; a vectorised exp/tanh with the same accuracy is future work).
// Compiled with -mavx2 -mfma; no inline library templates, no namespace-scope dynamic initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/activation/activation.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

inline __m256i tail_mask8(size_t r) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(r)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// relu: max(x, 0) but NaN stays NaN (blend x where x is not <= 0... i.e. x > 0 or unordered).
inline __m256 relu8(__m256 x) {
  const __m256 le0 = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OQ);
  return _mm256_andnot_ps(le0, x);
}
inline __m256 leaky8(__m256 x, __m256 slope) {
  const __m256 gt0 = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ);
  return _mm256_blendv_ps(_mm256_mul_ps(x, slope), x, gt0);
}
inline __m256 relu_bwd8(__m256 x, __m256 g) {
  const __m256 le0 = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OQ);
  return _mm256_andnot_ps(le0, g);
}
inline __m256 leaky_bwd8(__m256 x, __m256 g, __m256 slope) {
  const __m256 gt0 = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ);
  return _mm256_blendv_ps(_mm256_mul_ps(g, slope), g, gt0);
}

}  // namespace

void act_fwd_f32__avx2(int fn, const float* x, float* y, size_t n, float p0, float p1) {
  if (fn != 0 && fn != 1) {
    scalar::act_fwd_f32__scalar(fn, x, y, n, p0, p1);
    return;
  }
  const __m256 slope = _mm256_set1_ps(p0);
  size_t i = 0;
  if (fn == 0) {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, relu8(_mm256_loadu_ps(x + i)));
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(y + i, m, relu8(_mm256_maskload_ps(x + i, m)));
    }
  } else {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, leaky8(_mm256_loadu_ps(x + i), slope));
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(y + i, m, leaky8(_mm256_maskload_ps(x + i, m), slope));
    }
  }
}

void act_bwd_f32__avx2(int fn, const float* x, const float* grad_y, float* grad_x, size_t n,
                       float p0, float p1) {
  if (fn != 0 && fn != 1) {
    scalar::act_bwd_f32__scalar(fn, x, grad_y, grad_x, n, p0, p1);
    return;
  }
  const __m256 slope = _mm256_set1_ps(p0);
  size_t i = 0;
  if (fn == 0) {
    for (; i + 8 <= n; i += 8) {
      _mm256_storeu_ps(grad_x + i, relu_bwd8(_mm256_loadu_ps(x + i), _mm256_loadu_ps(grad_y + i)));
    }
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(grad_x + i, m,
                          relu_bwd8(_mm256_maskload_ps(x + i, m), _mm256_maskload_ps(grad_y + i, m)));
    }
  } else {
    for (; i + 8 <= n; i += 8) {
      _mm256_storeu_ps(grad_x + i,
                       leaky_bwd8(_mm256_loadu_ps(x + i), _mm256_loadu_ps(grad_y + i), slope));
    }
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(
          grad_x + i, m,
          leaky_bwd8(_mm256_maskload_ps(x + i, m), _mm256_maskload_ps(grad_y + i, m), slope));
    }
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
