// Reference convolution (F.conv2d and its backward) in direct loops: every output element is one
// float64 sum in a fixed order, rounded once to float32 (at least as accurate as PyTorch's float32
// kernels), and the direct path's row kernels (axpy, an 8-lane dot). Padding is a real 0 in every
// product (0 * Inf = NaN, as the formula and im2col-based kernels give); gx gathers (each input
// element sums the terms that read it).
#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace scalar {
namespace {

// Element (h, v) of one zero-padded input plane.
inline double at(const float* plane, long h, long v, long height, long width) {
  return h < 0 || h >= height || v < 0 || v >= width ? 0.0 : plane[h * width + v];
}

inline long pos(size_t out, size_t stride, size_t tap, size_t dilation, size_t pad) {
  return static_cast<long>(out * stride + tap * dilation) - static_cast<long>(pad);
}

}  // namespace

void conv_axpy_f32__scalar(size_t n, float a, const float* x, float* y) {
  for (size_t j = 0; j < n; ++j) y[j] += a * x[j];
}

float conv_dot_f32__scalar(size_t n, const float* x, const float* y) {
  float lanes[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  for (size_t j = 0; j < n; ++j) lanes[j % 8] += x[j] * y[j];
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
         ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

void conv2d_forward_ref__scalar(const ConvGeometry& g, const float* x, const float* w,
                                const float* bias, float* y) {
  const size_t cg = g.in_channels / g.groups, og = g.out_channels / g.groups;
  const long H = static_cast<long>(g.height), W = static_cast<long>(g.width);
  for (size_t n = 0; n < g.batch; ++n) {
    for (size_t o = 0; o < g.out_channels; ++o) {
      const size_t q = o / og;
      for (size_t i = 0; i < g.out_height; ++i) {
        for (size_t j = 0; j < g.out_width; ++j) {
          double acc = bias != nullptr ? bias[o] : 0.0;
          for (size_t c = 0; c < cg; ++c) {
            const float* xp = x + (n * g.in_channels + q * cg + c) * g.height * g.width;
            const float* wp = w + (o * cg + c) * g.kernel_h * g.kernel_w;
            for (size_t a = 0; a < g.kernel_h; ++a) {
              const long h = pos(i, g.stride_h, a, g.dilation_h, g.pad_h);
              for (size_t b = 0; b < g.kernel_w; ++b) {
                const long v = pos(j, g.stride_w, b, g.dilation_w, g.pad_w);
                acc += static_cast<double>(wp[a * g.kernel_w + b]) * at(xp, h, v, H, W);
              }
            }
          }
          y[((n * g.out_channels + o) * g.out_height + i) * g.out_width + j] =
              static_cast<float>(acc);
        }
      }
    }
  }
}

void conv2d_backward_ref__scalar(const ConvGeometry& g, const float* x, const float* w,
                                 const float* gy, float* gx, float* gw, float* gb,
                                 bool accumulate) {
  const size_t cg = g.in_channels / g.groups, og = g.out_channels / g.groups;
  const size_t P = g.out_height * g.out_width;
  const long H = static_cast<long>(g.height), W = static_cast<long>(g.width);
  if (gb != nullptr) {
    for (size_t o = 0; o < g.out_channels; ++o) {
      double acc = accumulate ? gb[o] : 0.0;
      for (size_t n = 0; n < g.batch; ++n) {
        for (size_t p = 0; p < P; ++p) acc += gy[(n * g.out_channels + o) * P + p];
      }
      gb[o] = static_cast<float>(acc);
    }
  }
  if (gw != nullptr) {
    for (size_t o = 0; o < g.out_channels; ++o) {
      const size_t q = o / og;
      for (size_t c = 0; c < cg; ++c) {
        for (size_t a = 0; a < g.kernel_h; ++a) {
          for (size_t b = 0; b < g.kernel_w; ++b) {
            float* dst = gw + ((o * cg + c) * g.kernel_h + a) * g.kernel_w + b;
            double acc = accumulate ? *dst : 0.0;
            for (size_t n = 0; n < g.batch; ++n) {
              const float* xp = x + (n * g.in_channels + q * cg + c) * g.height * g.width;
              const float* gp = gy + (n * g.out_channels + o) * P;
              for (size_t i = 0; i < g.out_height; ++i) {
                const long h = pos(i, g.stride_h, a, g.dilation_h, g.pad_h);
                for (size_t j = 0; j < g.out_width; ++j) {
                  const long v = pos(j, g.stride_w, b, g.dilation_w, g.pad_w);
                  acc += static_cast<double>(gp[i * g.out_width + j]) * at(xp, h, v, H, W);
                }
              }
            }
            *dst = static_cast<float>(acc);
          }
        }
      }
    }
  }
  if (gx != nullptr) {
    for (size_t n = 0; n < g.batch; ++n) {
      for (size_t ci = 0; ci < g.in_channels; ++ci) {
        const size_t q = ci / cg, c = ci % cg;
        for (long h = 0; h < H; ++h) {
          for (long v = 0; v < W; ++v) {
            double acc = 0.0;
            for (size_t o = q * og; o < (q + 1) * og; ++o) {
              const float* wp = w + (o * cg + c) * g.kernel_h * g.kernel_w;
              const float* gp = gy + (n * g.out_channels + o) * P;
              for (size_t a = 0; a < g.kernel_h; ++a) {
                const long hh =
                    h + static_cast<long>(g.pad_h) - static_cast<long>(a * g.dilation_h);
                if (hh < 0 || hh % static_cast<long>(g.stride_h) != 0) continue;
                const size_t i = static_cast<size_t>(hh) / g.stride_h;
                if (i >= g.out_height) continue;
                for (size_t b = 0; b < g.kernel_w; ++b) {
                  const long vv =
                      v + static_cast<long>(g.pad_w) - static_cast<long>(b * g.dilation_w);
                  if (vv < 0 || vv % static_cast<long>(g.stride_w) != 0) continue;
                  const size_t j = static_cast<size_t>(vv) / g.stride_w;
                  if (j >= g.out_width) continue;
                  acc += static_cast<double>(gp[i * g.out_width + j]) * wp[a * g.kernel_w + b];
                }
              }
            }
            gx[((n * g.in_channels + ci) * g.height + h) * g.width + v] = static_cast<float>(acc);
          }
        }
      }
    }
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
