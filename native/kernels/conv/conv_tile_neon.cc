// NEON tiles of the unit-stride convolution path (conv_unit.cc): an 8 x 12 output tile read
// straight from a zero-padded input through a per-depth offset table, and a 4 x 6 gradWeight tile
// of dot products along output rows (4-lane FMAs, then a scalar tail per row: no lane past a row
// is multiplied). float32 accumulation in a fixed order.
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

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
