// AVX2 softmax row loops (softmax.h): 8 lanes with masked tails; e^x is the activation family's
// Cephes exp (vec_math_avx2.h, ~1 ulp) with NaN blended back and results below e^-86 flushed to 0;
// sums in float64 (two 4-lane halves per step, then lane pairs), so they differ from the scalar
// reference's element order in the last float64 bits only. Compiled with -mavx2 -mfma; no library
// templates, no dynamic initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cmath>

#include "kernels/activation/vec_math_avx2.h"
#include "kernels/avx2_lanes.h"
#include "kernels/softmax/softmax.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// e^v with NaN lanes kept NaN (exp_neg8 leaves them undefined), and 0 below e^-86 (4.5e-38, near
// FLT_MIN): exp_neg8 would build those results from subnormal products, which cost a microcode
// assist per lane on x86 (masked -inf entries are half of a causal tile), and a probability that
// small is 0 to float32 sums of at least 1 anyway.
inline __m256 exp8(__m256 v) {
  const __m256 lo = _mm256_set1_ps(-86.0f);
  const __m256 tiny = _mm256_cmp_ps(v, lo, _CMP_LT_OQ);
  const __m256 e = _mm256_andnot_ps(tiny, exp_neg8(_mm256_max_ps(v, lo)));
  return _mm256_blendv_ps(e, v, isnan8(v));
}

// acc += the 8 floats of v as float64 (lo/hi halves into two accumulators).
inline void add_pd(__m256 v, __m256d* lo, __m256d* hi) {
  *lo = _mm256_add_pd(*lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
  *hi = _mm256_add_pd(*hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

inline double hsum_pd(__m256d lo, __m256d hi) {
  double t[4];
  _mm256_storeu_pd(t, _mm256_add_pd(lo, hi));
  return (t[0] + t[1]) + (t[2] + t[3]);
}

}  // namespace

float sm_row_max__avx2(const float* x, size_t n) {
  __m256 m = _mm256_set1_ps(-INFINITY);
  __m256 nan = _mm256_setzero_ps();
  for (size_t j = 0; j < n; j += 8) {
    const long r = static_cast<long>(n - j);
    const bool full = r >= 8;
    const __m256i mk = tail_mask8(r);
    __m256 v = load8(x + j, full, mk);
    if (!full) v = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), v, _mm256_castsi256_ps(mk));
    nan = _mm256_or_ps(nan, isnan8(v));
    m = _mm256_max_ps(m, v);
  }
  if (_mm256_movemask_ps(nan) != 0) return NAN;
  float t[8];
  _mm256_storeu_ps(t, m);
  float best = t[0];
  for (int i = 1; i < 8; ++i) best = t[i] > best ? t[i] : best;
  return best;
}

double sm_exp_sum__avx2(const float* x, size_t n, float m, float* y) {
  const __m256 vm = _mm256_set1_ps(m);
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
  for (size_t j = 0; j < n; j += 8) {
    const long r = static_cast<long>(n - j);
    const bool full = r >= 8;
    const __m256i mk = tail_mask8(r);
    __m256 e = exp8(_mm256_sub_ps(load8(x + j, full, mk), vm));
    // masked-off lanes would add e^(0 - m): zero them
    if (!full) e = _mm256_and_ps(e, _mm256_castsi256_ps(mk));
    if (y) store8(y + j, e, full, mk);
    add_pd(e, &lo, &hi);
  }
  return hsum_pd(lo, hi);
}

void sm_scale__avx2(float* y, size_t n, float s) {
  const __m256 vs = _mm256_set1_ps(s);
  for (size_t j = 0; j < n; j += 8) {
    const long r = static_cast<long>(n - j);
    const bool full = r >= 8;
    const __m256i mk = tail_mask8(r);
    store8(y + j, _mm256_mul_ps(load8(y + j, full, mk), vs), full, mk);
  }
}

void sm_log_out__avx2(const float* x, size_t n, float m, float ls, float* y) {
  const __m256 vm = _mm256_set1_ps(m), vl = _mm256_set1_ps(ls);
  for (size_t j = 0; j < n; j += 8) {
    const long r = static_cast<long>(n - j);
    const bool full = r >= 8;
    const __m256i mk = tail_mask8(r);
    store8(y + j, _mm256_sub_ps(_mm256_sub_ps(load8(x + j, full, mk), vm), vl), full, mk);
  }
}

double sm_dot__avx2(const float* a, const float* b, size_t n) {
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
  for (size_t j = 0; j < n; j += 8) {
    const long r = static_cast<long>(n - j);
    const bool full = r >= 8;
    const __m256i mk = tail_mask8(r);
    const __m256 va = load8(a + j, full, mk), vb = load8(b + j, full, mk);
    // products in float64: exact for float32 inputs
    lo = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(va)),
                         _mm256_cvtps_pd(_mm256_castps256_ps128(vb)), lo);
    hi = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(va, 1)),
                         _mm256_cvtps_pd(_mm256_extractf128_ps(vb, 1)), hi);
  }
  return hsum_pd(lo, hi);
}

double sm_sum__avx2(const float* a, size_t n) {
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
  for (size_t j = 0; j < n; j += 8) {
    const long r = static_cast<long>(n - j);
    add_pd(load8(a + j, r >= 8, tail_mask8(r)), &lo, &hi);
  }
  return hsum_pd(lo, hi);
}

void sm_grad__avx2(const float* y, const float* gy, size_t n, float s, float* gx) {
  const __m256 vs = _mm256_set1_ps(s);
  for (size_t j = 0; j < n; j += 8) {
    const long r = static_cast<long>(n - j);
    const bool full = r >= 8;
    const __m256i mk = tail_mask8(r);
    const __m256 g =
        _mm256_mul_ps(load8(y + j, full, mk), _mm256_sub_ps(load8(gy + j, full, mk), vs));
    store8(gx + j, g, full, mk);
  }
}

void sm_log_grad__avx2(const float* y, const float* gy, size_t n, float s, float* gx) {
  const __m256 vs = _mm256_set1_ps(s);
  for (size_t j = 0; j < n; j += 8) {
    const long r = static_cast<long>(n - j);
    const bool full = r >= 8;
    const __m256i mk = tail_mask8(r);
    const __m256 g = _mm256_fnmadd_ps(exp8(load8(y + j, full, mk)), vs, load8(gy + j, full, mk));
    store8(gx + j, g, full, mk);
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard

#endif
