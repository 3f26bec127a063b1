// Fused multi-tensor norm, norm clipping, statistics and in-place scaling over a list of float32
// spans, spread over the thread pool. Each tensor is cut into fixed chunks of kChunk elements; each
// chunk's partial goes to its own slot and the slots are combined in order, so results are
// bit-identical for any thread count (on one ISA). Reductions accumulate in float64 (PyTorch's
// clip_grad_norm_ uses float32).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dispatch.h"
#include "core/status.h"

namespace gradguard {
namespace kernels {

struct Span {
  float* data;
  size_t size;
};

constexpr size_t kChunk = size_t{1} << 14;  // elements per reduction chunk (64 KiB)

// Total p-norm of all elements of all spans: p = 1, 2, any p > 0, or +Inf (max |x|; NaN if any
// NaN). Writes each tensor's own p-norm to per_tensor[i] when per_tensor is not null. 0 for no
// elements.
double multi_tensor_norm(Isa isa, const Span* spans, size_t count, double p, double* per_tensor);

// x *= s over every span.
void multi_tensor_scale(Isa isa, const Span* spans, size_t count, float s);

// clip_grad_norm_ fused: the total p-norm as multi_tensor_norm (per-tensor norms to per_tensor if
// not null) goes to *total_norm, then every span is scaled by clip_coefficient(max_norm, total) in
// a second pass over the same chunk plan, made only when that coefficient is below 1 or NaN. With
// error_if_nonfinite, a NaN or infinite total scales nothing and returns kNonFinite; else kOk.
Status multi_tensor_clip_by_norm(Isa isa, const Span* spans, size_t count, double max_norm,
                                 double p, bool error_if_nonfinite, double* total_norm,
                                 double* per_tensor);

// x = clamp(x, lo, hi) over every span (NaN stays NaN).
void multi_tensor_clamp(Isa isa, const Span* spans, size_t count, float lo, float hi);

struct GradStats {
  double total_norm = 0.0;       // L2 over all elements (float64)
  float max_abs = 0.0f;          // max |x| (NaN if any NaN)
  uint64_t nonfinite = 0;        // count of NaN / +-Inf elements
  int64_t first_nonfinite = -1;  // index of the first span holding one, or -1
};

// One pass: L2 norm, max |x|, non-finite count; per_tensor_norm[i] = L2 norm of span i (if not
// null).
GradStats multi_tensor_stats(Isa isa, const Span* spans, size_t count, double* per_tensor_norm);

// The clip coefficient PyTorch applies: max_norm / (total + 1e-6), clamped to at most 1 (NaN
// stays).
double clip_coefficient(double max_norm, double total_norm);

}  // namespace kernels
}  // namespace gradguard
