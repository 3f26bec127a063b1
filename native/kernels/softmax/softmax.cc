// Softmax / log-softmax drivers (softmax.h): rows split across the thread pool in blocks, each row
// computed whole by one thread with the ISA's row loops, so any thread count gives the same bits.
#include "kernels/softmax/softmax.h"

#include <cmath>

#include "core/thread_pool.h"

namespace gradguard {
namespace kernels {
namespace {

// Rows per parallel block: about 16k elements, so short rows do not pay a task each.
size_t row_grain(size_t cols) {
  constexpr size_t kBlockElements = 16384;
  const size_t g = kBlockElements / (cols + 1);
  return g > 0 ? g : 1;
}

}  // namespace

void softmax_forward_f32(Isa isa, const float* x, size_t rows, size_t cols, bool log, float* y) {
  if (rows == 0 || cols == 0) return;
  const SoftmaxRowKernels& k = softmax_row_kernels(isa);
  parallel_for(0, rows, row_grain(cols), [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; ++r) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      const float m = k.row_max(xr, cols);
      if (log) {
        // e^(x - m) goes to y only for its sum; y is then overwritten from x (y may be x: keep x).
        const double s = k.exp_sum(xr, cols, m, yr == xr ? nullptr : yr);
        k.log_out(xr, cols, m, static_cast<float>(std::log(s)), yr);
      } else {
        const double s = k.exp_sum(xr, cols, m, yr);
        k.scale(yr, cols, static_cast<float>(1.0 / s));
      }
    }
  });
}

void softmax_backward_f32(Isa isa, const float* y, const float* gy, size_t rows, size_t cols,
                          bool log, float* gx) {
  if (rows == 0 || cols == 0) return;
  const SoftmaxRowKernels& k = softmax_row_kernels(isa);
  parallel_for(0, rows, row_grain(cols), [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; ++r) {
      const size_t o = r * cols;
      if (log) {
        k.log_grad(y + o, gy + o, cols, static_cast<float>(k.sum(gy + o, cols)), gx + o);
      } else {
        k.grad(y + o, gy + o, cols, static_cast<float>(k.dot(gy + o, y + o, cols)), gx + o);
      }
    }
  });
}

}  // namespace kernels
}  // namespace gradguard
