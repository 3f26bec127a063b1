// Reference BatchNorm1d/LayerNorm kernels: float64 accumulation of every statistic and reduction,
// float32 results. Matches PyTorch 1.13 within the golden tolerances; differs only in being more
// accurate on large-offset data (PyTorch's float32 statistics are off by up to 5e-4 there).
// Threads split features (BatchNorm) or rows (LayerNorm); every sum runs in a fixed order, so
// results are bit-identical for any thread count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/normalization/normalization.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr size_t kWork = 16384;       // elements per task, roughly
constexpr size_t kLnChunkRows = 64;   // LayerNorm dw/db partials: one per fixed block of rows

size_t grain_for(size_t per_index) { return per_index == 0 ? kWork : (kWork + per_index - 1) / per_index; }

}  // namespace

void batchnorm1d_forward_f32(const float* x, size_t n, size_t c, const float* weight,
                             const float* bias, float* running_mean, float* running_var,
                             bool training, double momentum, double eps, float* y,
                             double* save_mean, double* save_invstd) {
  parallel_for(0, c, grain_for(n), [&](size_t lo, size_t hi) {
    if (training) {
      std::vector<double> mean(hi - lo, 0.0), m2(hi - lo, 0.0);
      for (size_t i = 0; i < n; ++i) {
        const float* row = x + i * c;
        for (size_t j = lo; j < hi; ++j) mean[j - lo] += row[j];
      }
      for (size_t j = lo; j < hi; ++j) mean[j - lo] /= static_cast<double>(n);
      for (size_t i = 0; i < n; ++i) {
        const float* row = x + i * c;
        for (size_t j = lo; j < hi; ++j) {
          const double dlt = row[j] - mean[j - lo];
          m2[j - lo] += dlt * dlt;
        }
      }
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
      const float* row = x + i * c;
      float* out = y + i * c;
      for (size_t j = lo; j < hi; ++j) {
        const double w = weight ? weight[j] : 1.0;
        const double b = bias ? bias[j] : 0.0;
        out[j] = static_cast<float>((row[j] - save_mean[j]) * save_invstd[j] * w + b);
      }
    }
  });
}

void batchnorm1d_backward_f32(const float* dy, const float* x, size_t n, size_t c,
                              const float* weight, const double* save_mean,
                              const double* save_invstd, bool training, float* dx, float* dw,
                              float* db, bool accumulate) {
  parallel_for(0, c, grain_for(n), [&](size_t lo, size_t hi) {
    std::vector<double> sum_dy(hi - lo, 0.0), sum_dy_xhat(hi - lo, 0.0);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = lo; j < hi; ++j) {
        const double g = dy[i * c + j];
        sum_dy[j - lo] += g;
        sum_dy_xhat[j - lo] += g * (x[i * c + j] - save_mean[j]) * save_invstd[j];
      }
    }
    if (dx) {
      const double inv_n = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = lo; j < hi; ++j) {
          const double w = weight ? weight[j] : 1.0;
          const double k = w * save_invstd[j];
          const double g = dy[i * c + j];
          if (training) {
            const double xhat = (x[i * c + j] - save_mean[j]) * save_invstd[j];
            dx[i * c + j] = static_cast<float>(
                k * (g - inv_n * sum_dy[j - lo] - xhat * inv_n * sum_dy_xhat[j - lo]));
          } else {
            dx[i * c + j] = static_cast<float>(k * g);
          }
        }
      }
    }
    for (size_t j = lo; j < hi; ++j) {
      if (dw) dw[j] = static_cast<float>((accumulate ? dw[j] : 0.0) + sum_dy_xhat[j - lo]);
      if (db) db[j] = static_cast<float>((accumulate ? db[j] : 0.0) + sum_dy[j - lo]);
    }
  });
}

void layernorm_forward_f32(const float* x, size_t m, size_t d, const float* weight,
                           const float* bias, double eps, float* y, double* save_mean,
                           double* save_invstd) {
  parallel_for(0, m, grain_for(d), [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const float* row = x + i * d;
      double mean = 0.0;
      for (size_t j = 0; j < d; ++j) mean += row[j];
      mean /= static_cast<double>(d);
      double m2 = 0.0;
      for (size_t j = 0; j < d; ++j) {
        const double dlt = row[j] - mean;
        m2 += dlt * dlt;
      }
      const double invstd = 1.0 / std::sqrt(m2 / static_cast<double>(d) + eps);
      save_mean[i] = mean;
      save_invstd[i] = invstd;
      float* out = y + i * d;
      for (size_t j = 0; j < d; ++j) {
        const double w = weight ? weight[j] : 1.0;
        const double b = bias ? bias[j] : 0.0;
        out[j] = static_cast<float>((row[j] - mean) * invstd * w + b);
      }
    }
  });
}

void layernorm_backward_f32(const float* dy, const float* x, size_t m, size_t d,
                            const float* weight, const double* save_mean, const double* save_invstd,
                            float* dx, float* dw, float* db, bool accumulate) {
  // One (dw, db) partial per fixed block of kLnChunkRows rows, combined in block order below.
  const size_t chunks = (m + kLnChunkRows - 1) / kLnChunkRows;
  std::vector<double> part_w(chunks * d, 0.0), part_b(chunks * d, 0.0);
  const size_t chunk_grain = grain_for(kLnChunkRows * d);
  parallel_for(0, chunks, chunk_grain, [&](size_t clo, size_t chi) {
    for (size_t ch = clo; ch < chi; ++ch) {
      double* acc_w = part_w.data() + ch * d;
      double* acc_b = part_b.data() + ch * d;
      const size_t row_end = std::min(m, (ch + 1) * kLnChunkRows);
      for (size_t i = ch * kLnChunkRows; i < row_end; ++i) {
        const float* row = x + i * d;
        const float* g = dy + i * d;
        const double mean = save_mean[i], invstd = save_invstd[i];
        double sum_gw = 0.0, sum_gw_xhat = 0.0;
        for (size_t j = 0; j < d; ++j) {
          const double xhat = (row[j] - mean) * invstd;
          const double gw = static_cast<double>(g[j]) * (weight ? weight[j] : 1.0);
          sum_gw += gw;
          sum_gw_xhat += gw * xhat;
          acc_w[j] += g[j] * xhat;
          acc_b[j] += g[j];
        }
        if (dx) {
          const double inv_d = 1.0 / static_cast<double>(d);
          for (size_t j = 0; j < d; ++j) {
            const double xhat = (row[j] - mean) * invstd;
            const double gw = static_cast<double>(g[j]) * (weight ? weight[j] : 1.0);
            dx[i * d + j] =
                static_cast<float>(invstd * (gw - inv_d * sum_gw - xhat * inv_d * sum_gw_xhat));
          }
        }
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
