// Portable tiles of the unit-stride convolution path (conv_unit.cc), the scalar ISA's: a 4 x 4
// output tile read straight from a zero-padded input through a per-depth offset table (float32
// sums in depth order, as the scalar GEMM micro-kernel), and a 2 x 2 gradWeight tile of dot
// products along output rows, summed in float64 (a sum of N·OH·OW terms in one float32
// accumulator drifts past what the ISA-agreement tests allow the scalar ISA).
#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace scalar {

void conv_tile_f32__scalar(size_t kc, const float* ap, const float* xb, const size_t* offs,
                           float* c, size_t ldc, size_t mr) {
  float acc[4][4] = {};
  for (size_t p = 0; p < kc; ++p) {
    const float* b = xb + offs[p];
    const float* a = ap + p * 4;
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
  }
  for (size_t i = 0; i < mr && i < 4; ++i) {
    for (int j = 0; j < 4; ++j) c[i * ldc + j] = acc[i][j];
  }
}

void conv_gw_tile_f32__scalar(size_t samples, size_t rows, size_t len, const float* gy,
                              size_t gy_sample, size_t gy_ch, size_t gy_row, size_t mo,
                              const float* xb, size_t x_sample, size_t x_row, const size_t* offs,
                              size_t nt, float* c, size_t ldc) {
  for (size_t i = 0; i < mo && i < 2; ++i) {
    for (size_t t = 0; t < nt && t < 2; ++t) {
      double acc = 0.0;
      for (size_t s = 0; s < samples; ++s) {
        for (size_t h = 0; h < rows; ++h) {
          const float* g = gy + s * gy_sample + i * gy_ch + h * gy_row;
          const float* x = xb + s * x_sample + offs[t] + h * x_row;
          for (size_t j = 0; j < len; ++j) acc += double(g[j]) * x[j];
        }
      }
      c[i * ldc + t] += static_cast<float>(acc);
    }
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
