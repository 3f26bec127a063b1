// 2-D pooling over NCHW planes (PyTorch 1.13 F.max_pool2d with indices, F.avg_pool2d,
// F.adaptive_avg_pool2d) and their backward. Window (i, j) covers rows i*sh - ph + a*dh (a < kh)
// and columns j*sw - pw + b*dw (b < kw); only elements inside the input are read ("valid"), so the
// padding never wins a max and never enters a sum. Threads split planes; each plane runs in one
// fixed order, so every result is bit-identical for any thread count and, for the forward, on every
// ISA (the vector kernels compute each output in the scalar reference's order).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dispatch.h"
#include "core/status.h"

namespace gradguard {
namespace kernels {

// planes = batch * channels; (oh, ow) the output size the caller computed (PyTorch's formula).
// Adaptive pooling uses only planes, h, w, oh, ow.
struct PoolGeometry {
  size_t planes, h, w, oh, ow;
  size_t kh, kw, sh, sw, ph, pw, dh, dw;
};

// Max over each window's valid elements: the first maximal one in row-major window order, a NaN
// beating every number (the first NaN), an all -Inf window giving -Inf at its first valid element.
// idx (nullable) receives that element's in-plane index h*W + w; a window with no valid element
// gives -Inf and -1. kInvalidArgument (nothing written) when h*w does not fit int32.
Status maxpool2d_forward_f32(Isa isa, const float* x, const PoolGeometry& g, float* y,
                             int32_t* idx);
// dx = 0, then dy summed at idx per plane, in output order. kInvalidArgument, before anything is
// written, when an index is outside [0, h*w).
Status maxpool2d_backward_f32(const float* dy, const int32_t* idx, const PoolGeometry& g,
                              float* dx);
// Window sum in float64 / divisor: with include_pad the window's extent clipped to the padded input
// (rows min(start + kh, h + ph) - start), else the number of valid elements.
void avgpool2d_forward_f32(Isa isa, const float* x, const PoolGeometry& g, bool include_pad,
                           float* y);
// dx = 0, then float32(dy / divisor) added to each valid element of its window, in output order.
void avgpool2d_backward_f32(const float* dy, const PoolGeometry& g, bool include_pad, float* dx);
// Bins [floor(i*h/oh), ceil((i+1)*h/oh)) x the same for columns; mean in float64 (h, w >= 1).
void adaptive_avgpool2d_forward_f32(const float* x, const PoolGeometry& g, float* y);
void adaptive_avgpool2d_backward_f32(const float* dy, const PoolGeometry& g, float* dx);

// The per-ISA kernels: one whole plane (the driver splits planes across threads).
struct PoolKernels {
  void (*max_plane)(const float* x, const PoolGeometry& g, float* y, int32_t* idx);
  void (*avg_plane)(const float* x, const PoolGeometry& g, bool include_pad, float* y);
};

const PoolKernels& pool_kernels(Isa isa);

namespace scalar {
// One output element of each pool, for the vector kernels' edge windows (padding on a side).
void max_window(const float* x, const PoolGeometry& g, size_t i, size_t j, float* y, int32_t* idx);
void avg_window(const float* x, const PoolGeometry& g, bool include_pad, size_t i, size_t j,
                float* y);
}  // namespace scalar

// Output columns [lo, hi) whose windows lie inside the input horizontally (no padding read).
struct ColumnRange {
  size_t lo, hi;
};
ColumnRange interior_columns(const PoolGeometry& g);

#define GG_POOL_DECLARE(Enum, ns, ...)                                                     \
  namespace ns {                                                                           \
  void max_plane__##ns(const float* x, const PoolGeometry& g, float* y, int32_t* idx);     \
  void avg_plane__##ns(const float* x, const PoolGeometry& g, bool include_pad, float* y); \
  }

GG_ISA_LIST(GG_POOL_DECLARE)
#undef GG_POOL_DECLARE

}  // namespace kernels
}  // namespace gradguard
