// AVX2 pooling planes (pool.h): 8 output columns per step over the interior columns (windows that
// read no padding horizontally), each lane computing its window in the scalar reference's order
// (rows, then columns; max: first maximum, first NaN; avg: float64 sums), so results are
// bit-identical to pool_scalar.cc. Strides 1 and 2 load contiguously, others gather. Edge
// columns take the scalar window; the last block of a row overlaps the one before it. Compiled with
// -mavx2 -mfma; no inline library templates, no namespace-scope dynamic initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/pool/pool.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// The 8 floats at in-plane offsets off, off + sw, ..., off + 7*sw (also given as indices vi):
// stride 1 loads them; stride 2 loads 16 and keeps the even ones where those 16 lie inside the
// plane (the ResNet stem's 3x3/2 pooling); other strides, and stride 2 at the plane's end, gather.
// Every path reads the same elements, so the results are the same bits.
inline __m256 load_cols(const float* plane, size_t plane_len, size_t off, __m256i vi, size_t sw) {
  if (sw == 1) return _mm256_loadu_ps(plane + off);
  if (sw == 2 && off + 16 <= plane_len) {
    const __m256 a = _mm256_loadu_ps(plane + off), b = _mm256_loadu_ps(plane + off + 8);
    // [a0 a2 b0 b2 | a4 a6 b4 b6], then the 64-bit pairs in the order 0, 2, 1, 3.
    const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
  }
  return _mm256_i32gather_ps(plane, vi, 4);
}

// Valid rows of output row i: [a0, a1) of the window's row steps (dh spacing).
inline void valid_rows(const PoolGeometry& g, size_t i, size_t* a0, size_t* a1) {
  const long hs = static_cast<long>(i * g.sh) - static_cast<long>(g.ph);
  size_t lo = 0;
  while (lo < g.kh && hs + static_cast<long>(lo * g.dh) < 0) ++lo;
  size_t hi = lo;
  while (hi < g.kh && hs + static_cast<long>(hi * g.dh) < static_cast<long>(g.h)) ++hi;
  *a0 = lo;
  *a1 = hi;
}

}  // namespace

void max_plane__avx2(const float* x, const PoolGeometry& g, float* y, int32_t* idx) {
  const ColumnRange in = interior_columns(g);
  const size_t plane_len = g.h * g.w;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i lane_step = _mm256_mullo_epi32(lane, _mm256_set1_epi32(static_cast<int>(g.sw)));
  for (size_t i = 0; i < g.oh; ++i) {
    size_t a0, a1;
    valid_rows(g, i, &a0, &a1);
    size_t j = 0;
    for (; j < in.lo; ++j) scalar::max_window(x, g, i, j, y, idx);
    if (a0 < a1) {
      const long hs = static_cast<long>(i * g.sh) - static_cast<long>(g.ph);
      // Blocks of 8 interior columns; the last one overlaps its neighbour instead of leaving a
      // scalar tail (the overlapped outputs are recomputed to the same bits).
      for (size_t jb = in.lo; in.hi >= in.lo + 8; jb = jb + 16 <= in.hi ? jb + 8 : in.hi - 8) {
        const size_t c0 = jb * g.sw - g.pw;
        __m256 best = _mm256_setzero_ps();
        __m256i at = _mm256_setzero_si256();
        bool first = true;
        for (size_t a = a0; a < a1; ++a) {
          const size_t r = static_cast<size_t>(hs + static_cast<long>(a * g.dh));
          for (size_t b = 0; b < g.kw; ++b) {
            const size_t off = r * g.w + c0 + b * g.dw;
            const __m256i vi =
                _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(off)), lane_step);
            const __m256 v = load_cols(x, plane_len, off, vi, g.sw);
            if (first) {
              best = v;
              at = vi;
              first = false;
              continue;
            }
            // take = v > best, or v is NaN while best is not (the scalar rule, per lane).
            const __m256 gt = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
            const __m256 nan_v = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
            const __m256 num_best = _mm256_cmp_ps(best, best, _CMP_ORD_Q);
            const __m256 take = _mm256_or_ps(gt, _mm256_and_ps(nan_v, num_best));
            best = _mm256_blendv_ps(best, v, take);
            at = _mm256_castps_si256(
                _mm256_blendv_ps(_mm256_castsi256_ps(at), _mm256_castsi256_ps(vi), take));
          }
        }
        _mm256_storeu_ps(y + i * g.ow + jb, best);
        if (idx) _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + i * g.ow + jb), at);
        if (jb + 8 == in.hi) {
          j = in.hi;
          break;
        }
      }
    }
    for (; j < g.ow; ++j) scalar::max_window(x, g, i, j, y, idx);
  }
}

void avg_plane__avx2(const float* x, const PoolGeometry& g, bool include_pad, float* y) {
  const ColumnRange in = interior_columns(g);
  const size_t plane_len = g.h * g.w;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i lane_step = _mm256_mullo_epi32(lane, _mm256_set1_epi32(static_cast<int>(g.sw)));
  for (size_t i = 0; i < g.oh; ++i) {
    size_t a0, a1;
    valid_rows(g, i, &a0, &a1);
    const long hs = static_cast<long>(i * g.sh) - static_cast<long>(g.ph);
    const long he_k = hs + static_cast<long>(g.kh), he_p = static_cast<long>(g.h + g.ph);
    const long he = he_k < he_p ? he_k : he_p;
    // Interior columns: the column extent and the valid count are both kw.
    const long rows = include_pad ? he - hs : static_cast<long>(a1 - a0);
    const __m256d div = _mm256_set1_pd(static_cast<double>(rows * static_cast<long>(g.kw)));
    size_t j = 0;
    for (; j < in.lo; ++j) scalar::avg_window(x, g, include_pad, i, j, y);
    // As max_plane: blocks of 8, the last one overlapping its neighbour.
    for (size_t jb = in.lo; in.hi >= in.lo + 8; jb = jb + 16 <= in.hi ? jb + 8 : in.hi - 8) {
      const size_t c0 = jb * g.sw - g.pw;
      __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
      for (size_t a = a0; a < a1; ++a) {
        const size_t r = static_cast<size_t>(hs + static_cast<long>(a * g.dh));
        for (size_t b = 0; b < g.kw; ++b) {
          const size_t off = r * g.w + c0 + b;
          const __m256i vi = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(off)), lane_step);
          const __m256 v = load_cols(x, plane_len, off, vi, g.sw);
          lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
          hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
        }
      }
      const __m128 ylo = _mm256_cvtpd_ps(_mm256_div_pd(lo, div));
      const __m128 yhi = _mm256_cvtpd_ps(_mm256_div_pd(hi, div));
      _mm256_storeu_ps(y + i * g.ow + jb, _mm256_set_m128(yhi, ylo));
      if (jb + 8 == in.hi) {
        j = in.hi;
        break;
      }
    }
    for (; j < g.ow; ++j) scalar::avg_window(x, g, include_pad, i, j, y);
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
