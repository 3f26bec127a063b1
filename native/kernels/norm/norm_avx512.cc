// AVX-512F norm kernels: 16-lane float32 loads widened to two 8-lane float64 halves for the sums;
// max |x| and the non-finite count on integer bit patterns (NaN > Inf); masked loads for tails.
// Compiled with -mavx512f -mfma; no inline library templates, no namespace-scope initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx512_lanes.h"
#include "kernels/norm/norm.h"

namespace gradguard {
namespace kernels {
namespace avx512 {
namespace {

inline __m512d lo_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
inline __m512d hi_pd(__m512 v) {
  return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

}  // namespace

double sumsq_f32__avx512(const float* x, size_t n) {
  __m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 v0 = _mm512_loadu_ps(x + i);
    const __m512 v1 = _mm512_loadu_ps(x + i + 16);
    const __m512d d0 = lo_pd(v0), d1 = hi_pd(v0), d2 = lo_pd(v1), d3 = hi_pd(v1);
    a0 = _mm512_fmadd_pd(d0, d0, a0);
    a1 = _mm512_fmadd_pd(d1, d1, a1);
    a2 = _mm512_fmadd_pd(d2, d2, a2);
    a3 = _mm512_fmadd_pd(d3, d3, a3);
  }
  for (; i < n; i += 16) {
    const size_t r = n - i;
    const __m512 v =
        r >= 16 ? _mm512_loadu_ps(x + i) : _mm512_maskz_loadu_ps(tail_mask16(r), x + i);
    const __m512d d0 = lo_pd(v), d1 = hi_pd(v);
    a0 = _mm512_fmadd_pd(d0, d0, a0);
    a1 = _mm512_fmadd_pd(d1, d1, a1);
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
}

double sumabs_f32__avx512(const float* x, size_t n) {
  __m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 v0 = _mm512_abs_ps(_mm512_loadu_ps(x + i));
    const __m512 v1 = _mm512_abs_ps(_mm512_loadu_ps(x + i + 16));
    a0 = _mm512_add_pd(a0, lo_pd(v0));
    a1 = _mm512_add_pd(a1, hi_pd(v0));
    a2 = _mm512_add_pd(a2, lo_pd(v1));
    a3 = _mm512_add_pd(a3, hi_pd(v1));
  }
  for (; i < n; i += 16) {
    const size_t r = n - i;
    const __m512 v = _mm512_abs_ps(r >= 16 ? _mm512_loadu_ps(x + i)
                                           : _mm512_maskz_loadu_ps(tail_mask16(r), x + i));
    a0 = _mm512_add_pd(a0, lo_pd(v));
    a1 = _mm512_add_pd(a1, hi_pd(v));
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
}

uint32_t maxabs_f32__avx512(const float* x, size_t n) {
  const __m512i abs = _mm512_set1_epi32(0x7fffffff);
  __m512i m0 = _mm512_setzero_si512(), m1 = m0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    m0 = _mm512_max_epu32(m0, _mm512_and_si512(_mm512_loadu_si512(x + i), abs));
    m1 = _mm512_max_epu32(m1, _mm512_and_si512(_mm512_loadu_si512(x + i + 16), abs));
  }
  for (; i < n; i += 16) {
    const size_t r = n - i;
    const __m512i v =
        r >= 16 ? _mm512_loadu_si512(x + i) : _mm512_maskz_loadu_epi32(tail_mask16(r), x + i);
    m0 = _mm512_max_epu32(m0, _mm512_and_si512(v, abs));
  }
  return _mm512_reduce_max_epu32(_mm512_max_epu32(m0, m1));
}

void stats_f32__avx512(const float* x, size_t n, StatsPartial* out) {
  const __m512i abs = _mm512_set1_epi32(0x7fffffff);
  const __m512i max_finite = _mm512_set1_epi32(0x7f7fffff);
  __m512d a0 = _mm512_setzero_pd(), a1 = a0;
  __m512i mx = _mm512_setzero_si512();
  uint64_t bad = 0;
  for (size_t i = 0; i < n; i += 16) {
    const size_t r = n - i;
    const __m512 v =
        r >= 16 ? _mm512_loadu_ps(x + i) : _mm512_maskz_loadu_ps(tail_mask16(r), x + i);
    const __m512i b = _mm512_and_si512(_mm512_castps_si512(v), abs);
    mx = _mm512_max_epu32(mx, b);
    bad += static_cast<uint64_t>(
        __builtin_popcount(static_cast<unsigned>(_mm512_cmpgt_epu32_mask(b, max_finite))));
    const __m512d d0 = lo_pd(v), d1 = hi_pd(v);
    a0 = _mm512_fmadd_pd(d0, d0, a0);
    a1 = _mm512_fmadd_pd(d1, d1, a1);
  }
  out->sum_squares = _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
  out->max_abs_bits = _mm512_reduce_max_epu32(mx);
  out->nonfinite = bad;
}

void scale_f32__avx512(float* x, size_t n, float s) {
  const __m512 vs = _mm512_set1_ps(s);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), vs));
    _mm512_storeu_ps(x + i + 16, _mm512_mul_ps(_mm512_loadu_ps(x + i + 16), vs));
    _mm512_storeu_ps(x + i + 32, _mm512_mul_ps(_mm512_loadu_ps(x + i + 32), vs));
    _mm512_storeu_ps(x + i + 48, _mm512_mul_ps(_mm512_loadu_ps(x + i + 48), vs));
  }
  for (; i < n; i += 16) {
    const size_t r = n - i;
    const __mmask16 m = tail_mask16(r);
    _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vs));
  }
}

void clamp_f32__avx512(float* x, size_t n, float lo, float hi) {
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  // max_ps/min_ps return their second operand when either is NaN: x goes second, so NaN stays.
  for (size_t i = 0; i < n; i += 16) {
    const size_t r = n - i;
    const __mmask16 m = tail_mask16(r);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    _mm512_mask_storeu_ps(x + i, m, _mm512_min_ps(vhi, _mm512_max_ps(vlo, v)));
  }
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
