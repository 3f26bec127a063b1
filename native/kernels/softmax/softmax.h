// Softmax and log-softmax over the last dimension of x [rows, cols] and their backward from the
// forward's output (PyTorch 1.13 torch.softmax / torch.log_softmax, dim -1): max-subtracted, row
// sums in float64. -Infinity entries give 0 / -Infinity; a row of all -Infinity gives NaN (-inf -
// (-inf)), as PyTorch does; a NaN makes its row NaN. The per-row loops (also used by the attention
// kernels) run on `isa`; rows are split across threads, each row computed by one thread, so the
// result is the same for any thread count.
#pragma once

#include <cstddef>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

// One row of n floats. exp arguments are <= 0 wherever m is the row's maximum (or a log-sum-exp).
struct SoftmaxRowKernels {
  // max(x), NaN if any element is NaN, -inf when n == 0.
  float (*row_max)(const float* x, size_t n);
  // y = e^(x - m) (NaN where x - m is NaN) and returns sum(y) in float64. y may be x, or null to
  // get the sum only. The vector loops give 0 where x - m < -86 (e^-86 = 4.5e-38); the scalar
  // reference keeps the subnormal values there.
  double (*exp_sum)(const float* x, size_t n, float m, float* y);
  // y *= s.
  void (*scale)(float* y, size_t n, float s);
  // y = (x - m) - ls. y may be x.
  void (*log_out)(const float* x, size_t n, float m, float ls, float* y);
  // sum(a * b) in float64.
  double (*dot)(const float* a, const float* b, size_t n);
  // sum(a) in float64.
  double (*sum)(const float* a, size_t n);
  // gx = y * (gy - s). gx may be y or gy.
  void (*grad)(const float* y, const float* gy, size_t n, float s, float* gx);
  // gx = gy - e^y * s. gx may be y or gy.
  void (*log_grad)(const float* y, const float* gy, size_t n, float s, float* gx);
};

// The table for `isa` (which must be supported by this CPU).
const SoftmaxRowKernels& softmax_row_kernels(Isa isa);

// y = softmax(x) or log_softmax(x) per row; y may be x.
void softmax_forward_f32(Isa isa, const float* x, size_t rows, size_t cols, bool log, float* y);
// gx from the forward's y: softmax y * (gy - sum(gy * y)); log-softmax gy - e^y * sum(gy). gx may
// be gy or y.
void softmax_backward_f32(Isa isa, const float* y, const float* gy, size_t rows, size_t cols,
                          bool log, float* gx);

#define GG_SOFTMAX_DECLARE(Enum, ns, ...)                                                \
  namespace ns {                                                                         \
  float sm_row_max__##ns(const float* x, size_t n);                                      \
  double sm_exp_sum__##ns(const float* x, size_t n, float m, float* y);                  \
  void sm_scale__##ns(float* y, size_t n, float s);                                      \
  void sm_log_out__##ns(const float* x, size_t n, float m, float ls, float* y);          \
  double sm_dot__##ns(const float* a, const float* b, size_t n);                         \
  double sm_sum__##ns(const float* a, size_t n);                                         \
  void sm_grad__##ns(const float* y, const float* gy, size_t n, float s, float* gx);     \
  void sm_log_grad__##ns(const float* y, const float* gy, size_t n, float s, float* gx); \
  }

// Declared for every ISA of the list; defined where a file softmax_<isa>.cc exists.
GG_ISA_LIST(GG_SOFTMAX_DECLARE)
#undef GG_SOFTMAX_DECLARE

}  // namespace kernels
}  // namespace gradguard
