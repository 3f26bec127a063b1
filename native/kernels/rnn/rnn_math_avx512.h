// AVX-512F float32 vector math for the recurrent gate kernels (rnn_gates_avx512.cc): the same
// Cephes polynomials and the same formulas as kernels/activation/vec_math_avx2.h (e^x for x <= 0,
// sigmoid with one division, tanh), 16 lanes at a time, so the AVX-512 gates agree with the AVX2
// ones to a few ulp. Include only from files compiled with -mavx512f -mfma. Plain inline functions
// in an unnamed namespace: no library templates, no dynamic initialisers, no shared symbols.
#pragma once

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstdint>

namespace gradguard {
namespace kernels {
namespace avx512 {
namespace {

inline __mmask16 isnan16(__m512 x) { return _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q); }

// e^x for x <= 0 (larger values saturate near e^88.7); ~1 ulp, subnormal results via a two-step
// scaling by 2^n; x <= -104 gives 0. NaN lanes give garbage: callers blend NaN back.
inline __m512 exp_neg16(__m512 x) {
  const __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(88.7f));
  const __m512 fx = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(0.693359375f), xc);
  r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  const __m512i n = _mm512_cvtps_epi32(fx);
  const __m512i n1 = _mm512_srai_epi32(n, 1);
  const __m512i n2 = _mm512_sub_epi32(n, n1);
  const __m512i bias = _mm512_set1_epi32(127);
  const __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n1, bias), 23));
  const __m512 s2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n2, bias), 23));
  return _mm512_mul_ps(_mm512_mul_ps(p, s1), s2);
}

// sigmoid(v) = 1 / (1 + e^-v) with one division, NaN blended back (as the AVX2 gates' sig8).
inline __m512 sig16(__m512 v) {
  const __m512 e = exp_neg16(_mm512_sub_ps(_mm512_setzero_ps(), v));
  const __m512 s = _mm512_div_ps(_mm512_set1_ps(1.f), _mm512_add_ps(_mm512_set1_ps(1.f), e));
  return _mm512_mask_blend_ps(isnan16(v), s, v);
}

// tanh: Cephes' tanhf polynomial for |x| < 0.625, else (1 - E) / (1 + E) with E = exp(-2|x|) and
// x's sign; NaN blended back.
inline __m512 th16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 a = _mm512_abs_ps(x);
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 p = _mm512_set1_ps(-5.70498872745e-3f);
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(2.06390887954e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-5.37397155531e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.33314422036e-1f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-3.33332819422e-1f));
  const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
  const __m512 e = exp_neg16(_mm512_mul_ps(_mm512_set1_ps(-2.0f), a));
  const __m512 big_abs = _mm512_div_ps(_mm512_sub_ps(one, e), _mm512_add_ps(one, e));
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN));
  const __m512 big = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(big_abs), sign));
  const __mmask16 is_small = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0.625f), _CMP_LT_OQ);
  const __m512 t = _mm512_mask_blend_ps(is_small, big, small);
  return _mm512_mask_blend_ps(isnan16(x), t, x);
}

}  // namespace
}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
