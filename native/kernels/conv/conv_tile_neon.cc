// NEON tiles of the unit-stride convolution path (conv_unit.cc): an 8 x 12 output tile read
// straight from a zero-padded input through a per-depth offset table, and a 4 x 6 gradWeight tile
// of dot products along output rows (4-lane FMAs, then a scalar tail per row: no lane past a row
// is multiplied), and the gradWeight GEMM over positions from a channels-last gY (16 channels x 6
// taps) with its transpose. float32 accumulation in a fixed order.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace neon {

// 8 rows x 3 vectors of 4 columns: 24 accumulators; the 8 weights of a depth step in 2 registers.
void conv_tile_f32__neon(size_t kc, const float* ap, const float* xb, const size_t* offs, float* c,
                         size_t ldc, size_t mr) {
  float32x4_t acc[8][3];
  for (int i = 0; i < 8; ++i) {
    for (int v = 0; v < 3; ++v) acc[i][v] = vdupq_n_f32(0.f);
  }
  for (size_t p = 0; p < kc; ++p) {
    const float* b = xb + offs[p];
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
    const float32x4_t a0 = vld1q_f32(ap + p * 8), a1 = vld1q_f32(ap + p * 8 + 4);
#define GG_ROW(i, a, l)                             \
  acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, a, l); \
  acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, a, l); \
  acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, a, l);
    GG_ROW(0, a0, 0)
    GG_ROW(1, a0, 1)
    GG_ROW(2, a0, 2)
    GG_ROW(3, a0, 3)
    GG_ROW(4, a1, 0)
    GG_ROW(5, a1, 1)
    GG_ROW(6, a1, 2)
    GG_ROW(7, a1, 3)
#undef GG_ROW
  }
  for (size_t i = 0; i < mr && i < 8; ++i) {
    for (int v = 0; v < 3; ++v) vst1q_f32(c + i * ldc + v * 4, acc[i][v]);
  }
}

// 4 output channels x 6 taps; per 4 columns 4 + 6 loads and 24 FMAs; row tails in scalar sums.
void conv_gw_tile_f32__neon(size_t samples, size_t rows, size_t len, const float* gy,
                            size_t gy_sample, size_t gy_ch, size_t gy_row, size_t mo,
                            const float* xb, size_t x_sample, size_t x_row, const size_t* offs,
                            size_t nt, float* c, size_t ldc) {
  float32x4_t acc[4][6];
  float rest[4][6];
  for (int i = 0; i < 4; ++i) {
    for (int t = 0; t < 6; ++t) acc[i][t] = vdupq_n_f32(0.f), rest[i][t] = 0.f;
  }
  size_t gi[4], xt[6];  // rows and taps past mo / nt repeat the last valid one (never stored)
  for (size_t i = 0; i < 4; ++i) gi[i] = (i < mo ? i : mo - 1) * gy_ch;
  for (size_t t = 0; t < 6; ++t) xt[t] = offs[t < nt ? t : nt - 1];
  const size_t full = len / 4 * 4;
  for (size_t s = 0; s < samples; ++s) {
    for (size_t h = 0; h < rows; ++h) {
      const float* g = gy + s * gy_sample + h * gy_row;
      const float* x = xb + s * x_sample + h * x_row;
      for (size_t j = 0; j < full; j += 4) {
        float32x4_t gv[4];
        for (int i = 0; i < 4; ++i) gv[i] = vld1q_f32(g + gi[i] + j);
        for (int t = 0; t < 6; ++t) {
          const float32x4_t xv = vld1q_f32(x + xt[t] + j);
          for (int i = 0; i < 4; ++i) acc[i][t] = vfmaq_f32(acc[i][t], gv[i], xv);
        }
      }
      for (size_t j = full; j < len; ++j) {
        for (int i = 0; i < 4; ++i) {
          for (int t = 0; t < 6; ++t) rest[i][t] += g[gi[i] + j] * x[xt[t] + j];
        }
      }
    }
  }
  for (size_t i = 0; i < mo && i < 4; ++i) {
    for (size_t t = 0; t < nt && t < 6; ++t) c[i * ldc + t] += vaddvq_f32(acc[i][t]) + rest[i][t];
  }
}

// gradWeight as a GEMM over positions (conv.h, ConvGwClFn): 16 output channels (4 vectors of a
// channels-last gY row) x 6 taps (broadcast loads from the frame), 24 accumulators held across all
// positions of the call (30 of the 32 q registers with the 4 gY vectors and 2 broadcasts): per
// position 4 loads, 6 broadcasts and 24 FMAs, no horizontal sums and no row-tail lanes. Taps past
// nt repeat the last valid one (computed, never stored).
void conv_gw_cl_f32__neon(size_t rows, size_t ow, const float* gyt, size_t gy_ld, const float* xb,
                          size_t x_row, const size_t* offs, size_t nt, float* c, size_t ldc) {
  float32x4_t acc[6][4];
  for (int t = 0; t < 6; ++t) {
    for (int v = 0; v < 4; ++v) acc[t][v] = vdupq_n_f32(0.f);
  }
  size_t xt[6];
  for (size_t t = 0; t < 6; ++t) xt[t] = offs[t < nt ? t : nt - 1];
  for (size_t h = 0; h < rows; ++h) {
    const float* x = xb + h * x_row;
    const float* g = gyt + h * ow * gy_ld;
    for (size_t w = 0; w < ow; ++w, g += gy_ld) {
      const float32x4_t g0 = vld1q_f32(g), g1 = vld1q_f32(g + 4), g2 = vld1q_f32(g + 8),
                        g3 = vld1q_f32(g + 12);
      for (int t = 0; t < 6; ++t) {
        const float32x4_t xv = vld1q_dup_f32(x + xt[t] + w);
        acc[t][0] = vfmaq_f32(acc[t][0], g0, xv);
        acc[t][1] = vfmaq_f32(acc[t][1], g1, xv);
        acc[t][2] = vfmaq_f32(acc[t][2], g2, xv);
        acc[t][3] = vfmaq_f32(acc[t][3], g3, xv);
      }
    }
  }
  for (size_t t = 0; t < nt && t < 6; ++t) {
    float* d = c + t * ldc;
    for (int v = 0; v < 4; ++v) vst1q_f32(d + 4 * v, vaddq_f32(vld1q_f32(d + 4 * v), acc[t][v]));
  }
}

// dst[p·ld + o] = src[o·P + p] (conv.h, ConvGwPackFn) in 4 x 4 blocks transposed in registers
// (vtrnq, then halves recombined); the edges past whole blocks element by element.
void conv_gw_pack_f32__neon(size_t og, size_t P, const float* src, float* dst, size_t ld) {
  const size_t ob = og / 4 * 4, pb = P / 4 * 4;
  for (size_t o0 = 0; o0 < ob; o0 += 4) {
    for (size_t p0 = 0; p0 < pb; p0 += 4) {
      const float* s = src + o0 * P + p0;
      const float32x4x2_t a = vtrnq_f32(vld1q_f32(s), vld1q_f32(s + P));
      const float32x4x2_t b = vtrnq_f32(vld1q_f32(s + 2 * P), vld1q_f32(s + 3 * P));
      float* d = dst + p0 * ld + o0;
      vst1q_f32(d, vcombine_f32(vget_low_f32(a.val[0]), vget_low_f32(b.val[0])));
      vst1q_f32(d + ld, vcombine_f32(vget_low_f32(a.val[1]), vget_low_f32(b.val[1])));
      vst1q_f32(d + 2 * ld, vcombine_f32(vget_high_f32(a.val[0]), vget_high_f32(b.val[0])));
      vst1q_f32(d + 3 * ld, vcombine_f32(vget_high_f32(a.val[1]), vget_high_f32(b.val[1])));
    }
    for (size_t p = pb; p < P; ++p) {
      for (size_t o = o0; o < o0 + 4; ++o) dst[p * ld + o] = src[o * P + p];
    }
  }
  for (size_t o = ob; o < og; ++o) {
    for (size_t p = 0; p < P; ++p) dst[p * ld + o] = src[o * P + p];
  }
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
