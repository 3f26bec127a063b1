// AVX2+FMA norm kernels: float32 loads widened to float64 (4 lanes) for the sums; max |x| and the
// non-finite count work on the integer bit patterns (NaN > Inf, so max never drops a NaN).
// Compiled with -mavx2 -mfma; uses no inline library templates (they could leak AVX code into
// baseline callers through the linker), and no namespace-scope objects with dynamic initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx2_lanes.h"
#include "kernels/norm/norm.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

inline double hsum(__m256d v) {
  const __m128d lo = _mm256_castpd256_pd128(v);
  const __m128d hi = _mm256_extractf128_pd(v, 1);
  const __m128d s = _mm_add_pd(lo, hi);
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

inline uint32_t hmax_u32(__m256i v) {
  __m128i m = _mm_max_epu32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  m = _mm_max_epu32(m, _mm_shuffle_epi32(m, 0x4E));
  m = _mm_max_epu32(m, _mm_shuffle_epi32(m, 0xB1));
  return static_cast<uint32_t>(_mm_cvtsi128_si32(m));
}

// Lanes [0, r) set, for masked tails of r < 4 (128-bit) elements.
inline __m128i tail_mask4(size_t r) {
  return _mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(r)), _mm_setr_epi32(0, 1, 2, 3));
}

}  // namespace

double sumsq_f32__avx2(const float* x, size_t n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256d d0 = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
    const __m256d d1 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
    const __m256d d2 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 8));
    const __m256d d3 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 12));
    a0 = _mm256_fmadd_pd(d0, d0, a0);
    a1 = _mm256_fmadd_pd(d1, d1, a1);
    a2 = _mm256_fmadd_pd(d2, d2, a2);
    a3 = _mm256_fmadd_pd(d3, d3, a3);
  }
  for (; i + 4 <= n; i += 4) {
    const __m256d d = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
    a0 = _mm256_fmadd_pd(d, d, a0);
  }
  if (i < n) {
    const __m256d d = _mm256_cvtps_pd(_mm_maskload_ps(x + i, tail_mask4(n - i)));
    a1 = _mm256_fmadd_pd(d, d, a1);
  }
  return hsum(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
}

double sumabs_f32__avx2(const float* x, size_t n) {
  const __m128 kAbs4 = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm_and_ps(_mm_loadu_ps(x + i), kAbs4)));
    a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm_and_ps(_mm_loadu_ps(x + i + 4), kAbs4)));
    a2 = _mm256_add_pd(a2, _mm256_cvtps_pd(_mm_and_ps(_mm_loadu_ps(x + i + 8), kAbs4)));
    a3 = _mm256_add_pd(a3, _mm256_cvtps_pd(_mm_and_ps(_mm_loadu_ps(x + i + 12), kAbs4)));
  }
  for (; i + 4 <= n; i += 4) {
    a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm_and_ps(_mm_loadu_ps(x + i), kAbs4)));
  }
  if (i < n) {
    const __m128 v = _mm_maskload_ps(x + i, tail_mask4(n - i));
    a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm_and_ps(v, kAbs4)));
  }
  return hsum(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
}

uint32_t maxabs_f32__avx2(const float* x, size_t n) {
  const __m256i abs = _mm256_set1_epi32(0x7fffffff);
  __m256i m0 = _mm256_setzero_si256(), m1 = m0, m2 = m0, m3 = m0;
  const int* p = reinterpret_cast<const int*>(x);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(p + i)), abs));
    m1 = _mm256_max_epu32(m1,
                          _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(p + i + 8)), abs));
    m2 = _mm256_max_epu32(m2,
                          _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(p + i + 16)), abs));
    m3 = _mm256_max_epu32(m3,
                          _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(p + i + 24)), abs));
  }
  for (; i + 8 <= n; i += 8) {
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(p + i)), abs));
  }
  if (i < n) {
    const __m256i v = _mm256_maskload_epi32(p + i, tail_mask8(n - i));
    m1 = _mm256_max_epu32(m1, _mm256_and_si256(v, abs));
  }
  return hmax_u32(_mm256_max_epu32(_mm256_max_epu32(m0, m1), _mm256_max_epu32(m2, m3)));
}

void stats_f32__avx2(const float* x, size_t n, StatsPartial* out) {
  const __m256i abs = _mm256_set1_epi32(0x7fffffff);
  const __m256i max_finite = _mm256_set1_epi32(0x7f7fffff);
  __m256d a0 = _mm256_setzero_pd(), a1 = a0;
  __m256i mx = _mm256_setzero_si256();
  uint64_t bad = 0;
  size_t i = 0;
  // The per-lane int32 counters are flushed every block so they cannot overflow.
  const size_t kBlock = size_t{1} << 24;
  while (i + 8 <= n) {
    __m256i cnt = _mm256_setzero_si256();
    const size_t stop = n - i > kBlock ? i + kBlock : n;
    for (; i + 8 <= stop; i += 8) {
      const __m256 v = _mm256_loadu_ps(x + i);
      const __m256i b = _mm256_and_si256(_mm256_castps_si256(v), abs);
      mx = _mm256_max_epu32(mx, b);
      cnt = _mm256_sub_epi32(cnt, _mm256_cmpgt_epi32(b, max_finite));
      const __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
      const __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
      a0 = _mm256_fmadd_pd(d0, d0, a0);
      a1 = _mm256_fmadd_pd(d1, d1, a1);
    }
    alignas(32) uint32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), cnt);
    for (int k = 0; k < 8; ++k) bad += lanes[k];
  }
  if (i < n) {
    const __m256i mask = tail_mask8(n - i);
    const __m256 v = _mm256_maskload_ps(x + i, mask);
    const __m256i b = _mm256_and_si256(_mm256_castps_si256(v), abs);
    mx = _mm256_max_epu32(mx, b);
    const int m = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(b, max_finite)));
    bad += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(m)));
    const __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    const __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    a0 = _mm256_fmadd_pd(d0, d0, a0);
    a1 = _mm256_fmadd_pd(d1, d1, a1);
  }
  out->sum_squares = hsum(_mm256_add_pd(a0, a1));
  out->max_abs_bits = hmax_u32(mx);
  out->nonfinite = bad;
}

void scale_f32__avx2(float* x, size_t n, float s) {
  const __m256 vs = _mm256_set1_ps(s);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs));
    _mm256_storeu_ps(x + i + 8, _mm256_mul_ps(_mm256_loadu_ps(x + i + 8), vs));
    _mm256_storeu_ps(x + i + 16, _mm256_mul_ps(_mm256_loadu_ps(x + i + 16), vs));
    _mm256_storeu_ps(x + i + 24, _mm256_mul_ps(_mm256_loadu_ps(x + i + 24), vs));
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs));
  if (i < n) {
    const __m256i mask = tail_mask8(n - i);
    _mm256_maskstore_ps(x + i, mask, _mm256_mul_ps(_mm256_maskload_ps(x + i, mask), vs));
  }
}

void clamp_f32__avx2(float* x, size_t n, float lo, float hi) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  // max_ps/min_ps return their second operand when either is NaN: x goes second, so NaN stays.
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    _mm256_storeu_ps(x + i, _mm256_min_ps(vhi, _mm256_max_ps(vlo, v)));
  }
  if (i < n) {
    const __m256i mask = tail_mask8(n - i);
    const __m256 v = _mm256_maskload_ps(x + i, mask);
    _mm256_maskstore_ps(x + i, mask, _mm256_min_ps(vhi, _mm256_max_ps(vlo, v)));
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
