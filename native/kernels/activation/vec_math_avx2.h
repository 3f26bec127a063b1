// AVX2+FMA float32 vector math shared by the activation and recurrent-gate kernels: |x|, NaN test,
// e^x for x <= 0 (Cephes expf), sigmoid and tanh with their derivatives. Include only from files
// compiled with -mavx2 -mfma (*_avx2.cc, *_avx512.cc). Plain inline functions: no library
// templates, no dynamic initialisers.
#pragma once

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace gradguard {
namespace kernels {
namespace avx2 {

inline __m256 abs8(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
inline __m256 isnan8(__m256 x) { return _mm256_cmp_ps(x, x, _CMP_UNORD_Q); }

// e^x for x <= 0 (any x: larger values saturate near e^88.7); ~1 ulp, subnormal results via a
// two-step scaling by 2^n; x <= -104 gives 0. NaN lanes give garbage: callers blend NaN back.
inline __m256 exp_neg8(__m256 x) {
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.0f)), _mm256_set1_ps(88.7f));
  const __m256 fx = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), xc);
  r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
  const __m256i n = _mm256_cvtps_epi32(fx);
  const __m256i n1 = _mm256_srai_epi32(n, 1);
  const __m256i n2 = _mm256_sub_epi32(n, n1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

// sigmoid(v) and sigmoid'(v) = e / (1 + e)^2 with e = exp(-|v|) (no cancellation, no overflow).
inline __m256 sigmoid8(__m256 v, __m256* dsig) {
  const __m256 e = exp_neg8(_mm256_sub_ps(_mm256_setzero_ps(), abs8(v)));
  const __m256 d = _mm256_add_ps(_mm256_set1_ps(1.0f), e);
  const __m256 pos = _mm256_div_ps(_mm256_set1_ps(1.0f), d);
  const __m256 neg = _mm256_div_ps(e, d);
  if (dsig) *dsig = _mm256_div_ps(neg, d);
  return _mm256_blendv_ps(neg, pos, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GE_OQ));
}

// tanh(x) and 1 - tanh(x)^2: Cephes' tanhf polynomial for |x| < 0.625, else (1 - E) / (1 + E)
// with E = exp(-2|x|), whose derivative is 4E / (1 + E)^2 (accurate where 1 - t^2 would cancel).
inline __m256 tanh8(__m256 x, __m256* dtanh) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 a = abs8(x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  const __m256 e = exp_neg8(_mm256_mul_ps(_mm256_set1_ps(-2.0f), a));
  const __m256 d = _mm256_add_ps(one, e);
  const __m256 big_abs = _mm256_div_ps(_mm256_sub_ps(one, e), d);
  const __m256 big = _mm256_or_ps(big_abs, _mm256_and_ps(_mm256_set1_ps(-0.0f), x));
  const __m256 is_small = _mm256_cmp_ps(a, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
  if (dtanh) {
    const __m256 d_small = _mm256_fnmadd_ps(small, small, one);
    const __m256 d_big = _mm256_div_ps(_mm256_mul_ps(_mm256_set1_ps(4.0f), e), _mm256_mul_ps(d, d));
    *dtanh = _mm256_blendv_ps(d_big, d_small, is_small);
  }
  return _mm256_blendv_ps(big, small, is_small);
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
