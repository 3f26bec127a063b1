// BatchNorm1d/LayerNorm drivers over the per-ISA inner loops of normalization_rows.h: float64
// accumulation of every statistic and reduction, float32 results. Matches PyTorch 1.13 within the
// golden tolerances; differs only in being more accurate on large-offset data (PyTorch's float32
// statistics are off by up to 5e-4 there). Threads split features (BatchNorm) or rows (LayerNorm);
// every sum runs in a fixed order, so results are bit-identical for any thread count.
#include "kernels/normalization/normalization.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/normalization/normalization_rows.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr size_t kWork = 16384;      // elements per task, roughly
constexpr size_t kLnChunkRows = 64;  // LayerNorm dw/db partials: one per fixed block of rows

size_t grain_for(size_t per_index) {
  return per_index == 0 ? kWork : (kWork + per_index - 1) / per_index;
}

}  // namespace

void batchnorm1d_forward_f32(Isa isa, const float* x, size_t n, size_t c, const float* weight,
                             const float* bias, float* running_mean, float* running_var,
                             bool training, double momentum, double eps, float* y,
                             double* save_mean, double* save_invstd) {
  const NormRowKernels& k = norm_row_kernels(isa);
  parallel_for(0, c, grain_for(n), [&](size_t lo, size_t hi) {
    const size_t cols = hi - lo;
    const float* w = weight ? weight + lo : nullptr;
    const float* b = bias ? bias + lo : nullptr;
    if (training) {
      std::vector<double> mean(cols, 0.0), m2(cols, 0.0);
      for (size_t i = 0; i < n; ++i) k.bn_sum(x + i * c + lo, cols, mean.data());
      for (size_t j = 0; j < cols; ++j) mean[j] /= static_cast<double>(n);
      for (size_t i = 0; i < n; ++i) k.bn_sum_sq(x + i * c + lo, cols, mean.data(), m2.data());
      for (size_t j = lo; j < hi; ++j) {
        const double var = m2[j - lo] / static_cast<double>(n);
        save_mean[j] = mean[j - lo];
        save_invstd[j] = 1.0 / std::sqrt(var + eps);
        if (running_mean) {
          running_mean[j] =
              static_cast<float>((1.0 - momentum) * running_mean[j] + momentum * mean[j - lo]);
        }
        if (running_var) {
          const double unbiased = n > 1 ? m2[j - lo] / static_cast<double>(n - 1) : NAN;
          running_var[j] =
              static_cast<float>((1.0 - momentum) * running_var[j] + momentum * unbiased);
        }
      }
    } else {
      for (size_t j = lo; j < hi; ++j) {
        save_mean[j] = running_mean[j];
        save_invstd[j] = 1.0 / std::sqrt(static_cast<double>(running_var[j]) + eps);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      k.bn_apply(x + i * c + lo, cols, save_mean + lo, save_invstd + lo, w, b, y + i * c + lo);
    }
  });
}

void batchnorm1d_backward_f32(Isa isa, const float* dy, const float* x, size_t n, size_t c,
                              const float* weight, const double* save_mean,
                              const double* save_invstd, bool training, float* dx, float* dw,
                              float* db, bool accumulate) {
  const NormRowKernels& k = norm_row_kernels(isa);
  parallel_for(0, c, grain_for(n), [&](size_t lo, size_t hi) {
    const size_t cols = hi - lo;
    std::vector<double> sum_dy(cols, 0.0), sum_dy_xhat(cols, 0.0);
    for (size_t i = 0; i < n; ++i) {
      k.bn_grad_sums(dy + i * c + lo, x + i * c + lo, cols, save_mean + lo, save_invstd + lo,
                     sum_dy.data(), sum_dy_xhat.data());
    }
    if (dx) {
      const double inv_n = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
      for (size_t i = 0; i < n; ++i) {
        k.bn_dx(dy + i * c + lo, x + i * c + lo, cols, save_mean + lo, save_invstd + lo,
                weight ? weight + lo : nullptr, sum_dy.data(), sum_dy_xhat.data(), inv_n, training,
                dx + i * c + lo);
      }
    }
    for (size_t j = lo; j < hi; ++j) {
      if (dw) dw[j] = static_cast<float>((accumulate ? dw[j] : 0.0) + sum_dy_xhat[j - lo]);
      if (db) db[j] = static_cast<float>((accumulate ? db[j] : 0.0) + sum_dy[j - lo]);
    }
  });
}

void layernorm_forward_f32(Isa isa, const float* x, size_t m, size_t d, const float* weight,
                           const float* bias, double eps, float* y, double* save_mean,
                           double* save_invstd) {
  const NormRowKernels& k = norm_row_kernels(isa);
  parallel_for(0, m, grain_for(d), [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      k.ln_stats(x + i * d, d, eps, save_mean + i, save_invstd + i);
      k.ln_apply(x + i * d, d, save_mean[i], save_invstd[i], weight, bias, y + i * d);
    }
  });
}

void layernorm_backward_f32(Isa isa, const float* dy, const float* x, size_t m, size_t d,
                            const float* weight, const double* save_mean, const double* save_invstd,
                            float* dx, float* dw, float* db, bool accumulate) {
  const NormRowKernels& k = norm_row_kernels(isa);
  // One (dw, db) partial per fixed block of kLnChunkRows rows, combined in block order below.
  const size_t chunks = (m + kLnChunkRows - 1) / kLnChunkRows;
  std::vector<double> part_w(chunks * d, 0.0), part_b(chunks * d, 0.0);
  const size_t chunk_grain = grain_for(kLnChunkRows * d);
  parallel_for(0, chunks, chunk_grain, [&](size_t clo, size_t chi) {
    for (size_t ch = clo; ch < chi; ++ch) {
      const size_t row_end = std::min(m, (ch + 1) * kLnChunkRows);
      for (size_t i = ch * kLnChunkRows; i < row_end; ++i) {
        k.ln_backward(x + i * d, dy + i * d, d, save_mean[i], save_invstd[i], weight,
                      part_w.data() + ch * d, part_b.data() + ch * d, dx ? dx + i * d : nullptr);
      }
    }
  });
  for (size_t j = 0; j < d; ++j) {
    double sw = 0.0, sb = 0.0;
    for (size_t ch = 0; ch < chunks; ++ch) {
      sw += part_w[ch * d + j];
      sb += part_b[ch * d + j];
    }
    if (dw) dw[j] = static_cast<float>((accumulate ? dw[j] : 0.0) + sw);
    if (db) db[j] = static_cast<float>((accumulate ? db[j] : 0.0) + sb);
  }
}

}  // namespace kernels
}  // namespace gradguard
