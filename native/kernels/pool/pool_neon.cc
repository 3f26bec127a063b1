// NEON pooling planes (pool.h): 4 output columns per step over the interior columns, each lane
// computing its window in the scalar reference's order (rows, then columns; max: first maximum,
// first NaN; avg: float64 sums in two float64x2 halves), so results are bit-identical to
// pool_scalar.cc. Stride 1 loads contiguously, other strides lane by lane. Edge columns take the
// scalar window; the last block of a row overlaps the one before it. No inline library templates,
// no namespace-scope dynamic initialisers.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/pool/pool.h"

namespace gradguard {
namespace kernels {
namespace neon {
namespace {

inline float32x4_t load_cols(const float* p, size_t sw) {
  if (sw == 1) return vld1q_f32(p);
  float32x4_t v = vdupq_n_f32(p[0]);
  v = vsetq_lane_f32(p[sw], v, 1);
  v = vsetq_lane_f32(p[2 * sw], v, 2);
  return vsetq_lane_f32(p[3 * sw], v, 3);
}

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

void max_plane__neon(const float* x, const PoolGeometry& g, float* y, int32_t* idx) {
  const ColumnRange in = interior_columns(g);
  const int32_t sw = static_cast<int32_t>(g.sw);
  const int32x4_t lane_step = {0, sw, 2 * sw, 3 * sw};
  for (size_t i = 0; i < g.oh; ++i) {
    size_t a0, a1;
    valid_rows(g, i, &a0, &a1);
    size_t j = 0;
    for (; j < in.lo; ++j) scalar::max_window(x, g, i, j, y, idx);
    if (a0 < a1) {
      const long hs = static_cast<long>(i * g.sh) - static_cast<long>(g.ph);
      // Blocks of 4 interior columns; the last one overlaps its neighbour instead of leaving a
      // scalar tail (the overlapped outputs are recomputed to the same bits).
      for (size_t jb = in.lo; in.hi >= in.lo + 4; jb = jb + 8 <= in.hi ? jb + 4 : in.hi - 4) {
        const size_t c0 = jb * g.sw - g.pw;
        float32x4_t best = vdupq_n_f32(0.f);
        int32x4_t at = vdupq_n_s32(0);
        bool first = true;
        for (size_t a = a0; a < a1; ++a) {
          const size_t r = static_cast<size_t>(hs + static_cast<long>(a * g.dh));
          for (size_t b = 0; b < g.kw; ++b) {
            const size_t off = r * g.w + c0 + b * g.dw;
            const int32x4_t vi = vaddq_s32(vdupq_n_s32(static_cast<int32_t>(off)), lane_step);
            const float32x4_t v = load_cols(x + off, g.sw);
            if (first) {
              best = v;
              at = vi;
              first = false;
              continue;
            }
            const uint32x4_t gt = vcgtq_f32(v, best);
            const uint32x4_t nan_v = vmvnq_u32(vceqq_f32(v, v));
            const uint32x4_t num_best = vceqq_f32(best, best);
            const uint32x4_t take = vorrq_u32(gt, vandq_u32(nan_v, num_best));
            best = vbslq_f32(take, v, best);
            at = vbslq_s32(take, vi, at);
          }
        }
        vst1q_f32(y + i * g.ow + jb, best);
        if (idx) vst1q_s32(idx + i * g.ow + jb, at);
        if (jb + 4 == in.hi) {
          j = in.hi;
          break;
        }
      }
    }
    for (; j < g.ow; ++j) scalar::max_window(x, g, i, j, y, idx);
  }
}

void avg_plane__neon(const float* x, const PoolGeometry& g, bool include_pad, float* y) {
  const ColumnRange in = interior_columns(g);
  for (size_t i = 0; i < g.oh; ++i) {
    size_t a0, a1;
    valid_rows(g, i, &a0, &a1);
    const long hs = static_cast<long>(i * g.sh) - static_cast<long>(g.ph);
    const long he_k = hs + static_cast<long>(g.kh), he_p = static_cast<long>(g.h + g.ph);
    const long he = he_k < he_p ? he_k : he_p;
    const long rows = include_pad ? he - hs : static_cast<long>(a1 - a0);
    const float64x2_t div = vdupq_n_f64(static_cast<double>(rows * static_cast<long>(g.kw)));
    size_t j = 0;
    for (; j < in.lo; ++j) scalar::avg_window(x, g, include_pad, i, j, y);
    // As max_plane: blocks of 4, the last one overlapping its neighbour.
    for (size_t jb = in.lo; in.hi >= in.lo + 4; jb = jb + 8 <= in.hi ? jb + 4 : in.hi - 4) {
      const size_t c0 = jb * g.sw - g.pw;
      float64x2_t lo = vdupq_n_f64(0.0), hi = vdupq_n_f64(0.0);
      for (size_t a = a0; a < a1; ++a) {
        const size_t r = static_cast<size_t>(hs + static_cast<long>(a * g.dh));
        for (size_t b = 0; b < g.kw; ++b) {
          const float32x4_t v = load_cols(x + r * g.w + c0 + b, g.sw);
          lo = vaddq_f64(lo, vcvt_f64_f32(vget_low_f32(v)));
          hi = vaddq_f64(hi, vcvt_high_f64_f32(v));
        }
      }
      const float32x4_t out =
          vcombine_f32(vcvt_f32_f64(vdivq_f64(lo, div)), vcvt_f32_f64(vdivq_f64(hi, div)));
      vst1q_f32(y + i * g.ow + jb, out);
      if (jb + 4 == in.hi) {
        j = in.hi;
        break;
      }
    }
    for (; j < g.ow; ++j) scalar::avg_window(x, g, include_pad, i, j, y);
  }
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
