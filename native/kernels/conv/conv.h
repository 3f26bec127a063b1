// 2-D convolution (conv1d is height 1), PyTorch's F.conv2d: NCHW input, weight
// [out, in/groups, kh, kw], cross-correlation (the kernel is not flipped), zero padding, stride,
// dilation, groups. Stride-1 convolutions take the unit-stride path (conv_unit.h: the ISA's conv
// tiles read a zero-padded copy of the input in place, no im2col; gradX only when gX has at least
// half a tile of channels; gradWeight as a GEMM over positions from a channels-last gY copy where
// the ISA has ConvKernels::gw_cl); the rest runs on the ISA's SIMD GEMM micro-kernel (gemm.h) as an
// implicit GEMM (the im2col matrix is gathered straight into packed panels in per-thread buffers),
// with a direct loop path for depthwise-like groups. float32 accumulation.
#pragma once

#include <cstddef>

#include "core/dispatch.h"
#include "core/status.h"

namespace gradguard {
namespace kernels {

struct ConvGeometry {
  size_t batch = 0, in_channels = 0, out_channels = 0, height = 0, width = 0;
  size_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  size_t dilation_h = 1, dilation_w = 1, groups = 1;
  size_t out_height = 0, out_width = 0;  // filled by conv_prepare

  size_t x_size() const { return batch * in_channels * height * width; }
  size_t w_size() const { return out_channels * (in_channels / groups) * kernel_h * kernel_w; }
  size_t y_size() const { return batch * out_channels * out_height * out_width; }
};

// Checks the hyper-parameters (kernel, stride, dilation, groups >= 1; groups divides both channel
// counts; the dilated kernel fits the padded input; no size overflows) and fills out_height and
// out_width (PyTorch's floor formula). kInvalidArgument otherwise.
Status conv_prepare(ConvGeometry* g);

// y = conv(x, w) + bias (bias may be null). g must have passed conv_prepare.
Status conv2d_forward(Isa isa, const ConvGeometry& g, const float* x, const float* w,
                      const float* bias, float* y);

// gx = adjoint (overwritten), gw (+)= Σ gy ⊗ window, gb (+)= Σ gy; each output may be null
// (skipped). Bit-identical for any thread count on one ISA: samples are split over a fixed chunk
// plan that depends on the batch only, and gw's per-chunk partials are reduced in chunk order.
Status conv2d_backward(Isa isa, const ConvGeometry& g, const float* x, const float* w,
                       const float* gy, float* gx, float* gw, float* gb, bool accumulate);

// Row kernels of the direct (depthwise) path, one row per ISA (conv_dispatch.cc): axpy adds
// a·x[j] to y[j] for j < n; dot returns Σ x[j]·y[j] (float32 lanes, summed in a fixed order).
using ConvAxpyFn = void (*)(size_t n, float a, const float* x, float* y);
using ConvDotFn = float (*)(size_t n, const float* x, const float* y);

// Tiles of the unit-stride path (conv_unit.cc), which reads a zero-padded input directly instead
// of gathering im2col panels. tile: c[i·ldc + j] = Σ_p ap[p·mr + i] · xb[offs[p] + j] for i < rows
// (<= tile_mr, the rows stored), j < tile_nr (all stored), p < kc in order; ap is a packed
// [kc × tile_mr] weight panel. gw_tile: c[i·ldc + t] += Σ_{s, h, j < len} gy[s·gy_sample + i·gy_ch
// + h·gy_row + j] · xb[s·x_sample + offs[t] + h·x_row + j] for i < mo (<= gw_mo), t < nt (<=
// gw_nt), in a fixed order; nothing past j = len is read into a product.
using ConvTileFn = void (*)(size_t kc, const float* ap, const float* xb, const size_t* offs,
                            float* c, size_t ldc, size_t rows);
// gw_cl (optional, null where an ISA has none): the same sums as a GEMM over positions from a
// channels-last gY: c[t·ldc + i] += Σ_{h < rows, w < ow} gyt[(h·ow + w)·gy_ld + i] · xb[offs[t] +
// h·x_row + w] for every i < gw_cl_mo (all stored: gyt rows hold gw_cl_mo readable floats) and
// t < nt (<= gw_cl_nt), float32 in position order. The ISA's register tile sets gw_cl_mo (a
// multiple of 16) and gw_cl_nt: avx512 32 x 12, avx2 16 x 6, neon 16 x 6.
using ConvGwClFn = void (*)(size_t rows, size_t ow, const float* gyt, size_t gy_ld, const float* xb,
                            size_t x_row, const size_t* offs, size_t nt, float* c, size_t ldc);
// gw_pack (set exactly where gw_cl is): dst[p·ld + o] = src[o·P + p] for o < og, p < P, the
// channels-last copy gw_cl reads; nothing else in dst is written.
using ConvGwPackFn = void (*)(size_t og, size_t P, const float* src, float* dst, size_t ld);
using ConvGwTileFn = void (*)(size_t samples, size_t rows, size_t len, const float* gy,
                              size_t gy_sample, size_t gy_ch, size_t gy_row, size_t mo,
                              const float* xb, size_t x_sample, size_t x_row, const size_t* offs,
                              size_t nt, float* c, size_t ldc);
struct ConvKernels {
  ConvAxpyFn axpy;
  ConvDotFn dot;
  ConvTileFn tile;
  size_t tile_mr, tile_nr;
  ConvGwTileFn gw_tile;
  size_t gw_mo, gw_nt;
  ConvGwClFn gw_cl;
  ConvGwPackFn gw_pack;
  size_t gw_cl_mo, gw_cl_nt;  // gw_cl's tile: channels (lanes) x taps; 0 where gw_cl is null
  // The fewest output channels per group for which gw_cl beats gw_tile (measured: avx512 3/4 of
  // its 32 lanes, avx2 half of its 16: 8->8 channels 2.6 -> 1.8 ms, but 4->4 1.0 -> 1.1 ms).
  size_t gw_cl_min;
};
const ConvKernels& conv_kernels(Isa isa);

#define GG_CONV_DECLARE(Enum, ns, ...)                                                            \
  namespace ns {                                                                                  \
  void conv_axpy_f32__##ns(size_t n, float a, const float* x, float* y);                          \
  float conv_dot_f32__##ns(size_t n, const float* x, const float* y);                             \
  void conv_tile_f32__##ns(size_t kc, const float* ap, const float* xb, const size_t* offs,       \
                           float* c, size_t ldc, size_t rows);                                    \
  void conv_gw_tile_f32__##ns(size_t samples, size_t rows, size_t len, const float* gy,           \
                              size_t gy_sample, size_t gy_ch, size_t gy_row, size_t mo,           \
                              const float* xb, size_t x_sample, size_t x_row, const size_t* offs, \
                              size_t nt, float* c, size_t ldc);                                   \
  }
GG_ISA_LIST(GG_CONV_DECLARE)
#undef GG_CONV_DECLARE
// The gradWeight GEMM over positions (ConvGwClFn, ConvGwPackFn) of the ISAs that have one.
#define GG_CONV_GW_CL_DECLARE(ns)                                                            \
  namespace ns {                                                                             \
  void conv_gw_cl_f32__##ns(size_t rows, size_t ow, const float* gyt, size_t gy_ld,          \
                            const float* xb, size_t x_row, const size_t* offs, size_t nt,    \
                            float* c, size_t ldc);                                           \
  void conv_gw_pack_f32__##ns(size_t og, size_t P, const float* src, float* dst, size_t ld); \
  }
GG_CONV_GW_CL_DECLARE(avx512)
GG_CONV_GW_CL_DECLARE(avx2)
GG_CONV_GW_CL_DECLARE(neon)
#undef GG_CONV_GW_CL_DECLARE

namespace scalar {
// The reference: direct loops, float64 accumulation per output element, rounded once.
void conv2d_forward_ref__scalar(const ConvGeometry& g, const float* x, const float* w,
                                const float* bias, float* y);
void conv2d_backward_ref__scalar(const ConvGeometry& g, const float* x, const float* w,
                                 const float* gy, float* gx, float* gw, float* gb, bool accumulate);
}  // namespace scalar

}  // namespace kernels
}  // namespace gradguard
