// BatchNorm2d drivers (normalization.h) on the BatchNorm1d column loops of normalization_rows.h:
// for channel j, the n planes of x [n, c, plane] are n rows of `plane` columns, so bn_sum and
// friends accumulate one float64 partial per spatial position down the batch; the partials are
// then added across the plane in order. The per-channel mean, 1/std, weight, bias and gradient
// sums are broadcast into plane-long vectors for the apply and dx loops. Threads split channels;
// every sum runs in a fixed order, so results are bit-identical for any thread count, and the
// pure-TS backend (lib/backend/js/batch-norm2d.ts) sums in the same order.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/normalization/normalization.h"
#include "kernels/normalization/normalization_rows.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr size_t kWork = 16384;  // elements per task, roughly

size_t grain_for(size_t per_channel) {
  return per_channel == 0 ? kWork : (kWork + per_channel - 1) / per_channel;
}

double sum_in_order(const std::vector<double>& v) {
  double s = 0.0;
  for (double e : v) s += e;
  return s;
}

}  // namespace

void batchnorm2d_forward_f32(Isa isa, const float* x, size_t n, size_t c, size_t plane,
                             const float* weight, const float* bias, float* running_mean,
                             float* running_var, bool training, double momentum, double eps,
                             float* y, double* save_mean, double* save_invstd) {
  if (plane == 1) {
    batchnorm1d_forward_f32(isa, x, n, c, weight, bias, running_mean, running_var, training,
                            momentum, eps, y, save_mean, save_invstd);
    return;
  }
  const NormRowKernels& k = norm_row_kernels(isa);
  const size_t m = n * plane;
  parallel_for(0, c, grain_for(m), [&](size_t lo, size_t hi) {
    std::vector<double> acc(plane), mean_v(plane), invstd_v(plane);
    std::vector<float> w_v(plane), b_v(plane);
    for (size_t j = lo; j < hi; ++j) {
      if (training) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (size_t i = 0; i < n; ++i) k.bn_sum(x + (i * c + j) * plane, plane, acc.data());
        const double mean = sum_in_order(acc) / static_cast<double>(m);
        std::fill(mean_v.begin(), mean_v.end(), mean);
        std::fill(acc.begin(), acc.end(), 0.0);
        for (size_t i = 0; i < n; ++i) {
          k.bn_sum_sq(x + (i * c + j) * plane, plane, mean_v.data(), acc.data());
        }
        const double m2 = sum_in_order(acc);
        save_mean[j] = mean;
        save_invstd[j] = 1.0 / std::sqrt(m2 / static_cast<double>(m) + eps);
        if (running_mean) {
          running_mean[j] =
              static_cast<float>((1.0 - momentum) * running_mean[j] + momentum * mean);
        }
        if (running_var) {
          const double unbiased = m > 1 ? m2 / static_cast<double>(m - 1) : NAN;
          running_var[j] =
              static_cast<float>((1.0 - momentum) * running_var[j] + momentum * unbiased);
        }
      } else {
        save_mean[j] = running_mean[j];
        save_invstd[j] = 1.0 / std::sqrt(static_cast<double>(running_var[j]) + eps);
      }
      std::fill(mean_v.begin(), mean_v.end(), save_mean[j]);
      std::fill(invstd_v.begin(), invstd_v.end(), save_invstd[j]);
      if (weight) std::fill(w_v.begin(), w_v.end(), weight[j]);
      if (bias) std::fill(b_v.begin(), b_v.end(), bias[j]);
      for (size_t i = 0; i < n; ++i) {
        const size_t o = (i * c + j) * plane;
        k.bn_apply(x + o, plane, mean_v.data(), invstd_v.data(), weight ? w_v.data() : nullptr,
                   bias ? b_v.data() : nullptr, y + o);
      }
    }
  });
}

void batchnorm2d_backward_f32(Isa isa, const float* dy, const float* x, size_t n, size_t c,
                              size_t plane, const float* weight, const double* save_mean,
                              const double* save_invstd, bool training, float* dx, float* dw,
                              float* db, bool accumulate) {
  if (plane == 1) {
    batchnorm1d_backward_f32(isa, dy, x, n, c, weight, save_mean, save_invstd, training, dx, dw, db,
                             accumulate);
    return;
  }
  const NormRowKernels& k = norm_row_kernels(isa);
  const size_t m = n * plane;
  parallel_for(0, c, grain_for(m), [&](size_t lo, size_t hi) {
    std::vector<double> acc_dy(plane), acc_dy_xhat(plane), mean_v(plane), invstd_v(plane);
    std::vector<double> sum_dy_v(plane), sum_dy_xhat_v(plane);
    std::vector<float> w_v(plane);
    for (size_t j = lo; j < hi; ++j) {
      std::fill(mean_v.begin(), mean_v.end(), save_mean[j]);
      std::fill(invstd_v.begin(), invstd_v.end(), save_invstd[j]);
      std::fill(acc_dy.begin(), acc_dy.end(), 0.0);
      std::fill(acc_dy_xhat.begin(), acc_dy_xhat.end(), 0.0);
      for (size_t i = 0; i < n; ++i) {
        const size_t o = (i * c + j) * plane;
        k.bn_grad_sums(dy + o, x + o, plane, mean_v.data(), invstd_v.data(), acc_dy.data(),
                       acc_dy_xhat.data());
      }
      const double sum_dy = sum_in_order(acc_dy), sum_dy_xhat = sum_in_order(acc_dy_xhat);
      if (dx) {
        const double inv_m = m > 0 ? 1.0 / static_cast<double>(m) : 0.0;
        std::fill(sum_dy_v.begin(), sum_dy_v.end(), sum_dy);
        std::fill(sum_dy_xhat_v.begin(), sum_dy_xhat_v.end(), sum_dy_xhat);
        if (weight) std::fill(w_v.begin(), w_v.end(), weight[j]);
        for (size_t i = 0; i < n; ++i) {
          const size_t o = (i * c + j) * plane;
          k.bn_dx(dy + o, x + o, plane, mean_v.data(), invstd_v.data(),
                  weight ? w_v.data() : nullptr, sum_dy_v.data(), sum_dy_xhat_v.data(), inv_m,
                  training, dx + o);
        }
      }
      if (dw) dw[j] = static_cast<float>((accumulate ? dw[j] : 0.0) + sum_dy_xhat);
      if (db) db[j] = static_cast<float>((accumulate ? db[j] : 0.0) + sum_dy);
    }
  });
}

}  // namespace kernels
}  // namespace gradguard
