// NEON inner loops of BatchNorm1d/LayerNorm (normalization_rows.h): 2 features per float64x2_t,
// every statistic and product in float64; odd tails one element at a time with the same formulas.
// BatchNorm's column sums keep the reference's row order per feature; LayerNorm's row sums run in 2
// lanes. No inline library templates, no namespace-scope dynamic initialisers.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>

#include "kernels/normalization/normalization_rows.h"

namespace gradguard {
namespace kernels {
namespace neon {
namespace {

using D = float64x2_t;

inline D ldf(const float* p) { return vcvt_f64_f32(vld1_f32(p)); }
inline D ldf_or(const float* p, double dflt) { return p ? ldf(p) : vdupq_n_f64(dflt); }
inline void stf(float* p, D v) { vst1_f32(p, vcvt_f32_f64(v)); }
inline double hsum(D v) { return vgetq_lane_f64(v, 0) + vgetq_lane_f64(v, 1); }

}  // namespace

void ln_stats__neon(const float* x, size_t d, double eps, double* mean, double* invstd) {
  D acc = vdupq_n_f64(0.0);
  size_t j = 0;
  for (; j + 2 <= d; j += 2) acc = vaddq_f64(acc, ldf(x + j));
  double mu = hsum(acc);
  for (; j < d; ++j) mu += x[j];
  mu /= static_cast<double>(d);
  const D vmu = vdupq_n_f64(mu);
  D m2v = vdupq_n_f64(0.0);
  for (j = 0; j + 2 <= d; j += 2) {
    const D dlt = vsubq_f64(ldf(x + j), vmu);
    m2v = vfmaq_f64(m2v, dlt, dlt);
  }
  double m2 = hsum(m2v);
  for (; j < d; ++j) m2 += (x[j] - mu) * (x[j] - mu);
  *mean = mu;
  *invstd = 1.0 / std::sqrt(m2 / static_cast<double>(d) + eps);
}

void ln_apply__neon(const float* x, size_t d, double mean, double invstd, const float* w,
                    const float* b, float* y) {
  const D vmu = vdupq_n_f64(mean), vis = vdupq_n_f64(invstd);
  size_t j = 0;
  for (; j + 2 <= d; j += 2) {
    const D xh = vmulq_f64(vsubq_f64(ldf(x + j), vmu), vis);
    stf(y + j, vfmaq_f64(ldf_or(b ? b + j : nullptr, 0.0), xh, ldf_or(w ? w + j : nullptr, 1.0)));
  }
  for (; j < d; ++j) {
    y[j] = static_cast<float>((x[j] - mean) * invstd * (w ? w[j] : 1.0) + (b ? b[j] : 0.0));
  }
}

void ln_backward__neon(const float* x, const float* dy, size_t d, double mean, double invstd,
                       const float* w, double* acc_w, double* acc_b, float* dx) {
  const D vmu = vdupq_n_f64(mean), vis = vdupq_n_f64(invstd);
  D s_gw = vdupq_n_f64(0.0), s_gwx = vdupq_n_f64(0.0);
  size_t j = 0;
  for (; j + 2 <= d; j += 2) {
    const D g = ldf(dy + j);
    const D xh = vmulq_f64(vsubq_f64(ldf(x + j), vmu), vis);
    const D gw = vmulq_f64(g, ldf_or(w ? w + j : nullptr, 1.0));
    s_gw = vaddq_f64(s_gw, gw);
    s_gwx = vfmaq_f64(s_gwx, gw, xh);
    vst1q_f64(acc_w + j, vfmaq_f64(vld1q_f64(acc_w + j), g, xh));
    vst1q_f64(acc_b + j, vaddq_f64(vld1q_f64(acc_b + j), g));
  }
  double sum_gw = hsum(s_gw), sum_gwx = hsum(s_gwx);
  for (; j < d; ++j) {
    const double xh = (x[j] - mean) * invstd;
    const double gw = static_cast<double>(dy[j]) * (w ? w[j] : 1.0);
    sum_gw += gw;
    sum_gwx += gw * xh;
    acc_w[j] += dy[j] * xh;
    acc_b[j] += dy[j];
  }
  if (!dx) return;
  const double inv_d = 1.0 / static_cast<double>(d);
  const double mgw = inv_d * sum_gw, mgwx = inv_d * sum_gwx;
  const D vmgw = vdupq_n_f64(mgw), vmgwx = vdupq_n_f64(mgwx);
  for (j = 0; j + 2 <= d; j += 2) {
    const D xh = vmulq_f64(vsubq_f64(ldf(x + j), vmu), vis);
    const D gw = vmulq_f64(ldf(dy + j), ldf_or(w ? w + j : nullptr, 1.0));
    stf(dx + j, vmulq_f64(vis, vsubq_f64(vsubq_f64(gw, vmgw), vmulq_f64(xh, vmgwx))));
  }
  for (; j < d; ++j) {
    const double xh = (x[j] - mean) * invstd;
    const double gw = static_cast<double>(dy[j]) * (w ? w[j] : 1.0);
    dx[j] = static_cast<float>(invstd * (gw - mgw - xh * mgwx));
  }
}

void bn_sum__neon(const float* x, size_t cols, double* acc) {
  size_t j = 0;
  for (; j + 2 <= cols; j += 2) vst1q_f64(acc + j, vaddq_f64(vld1q_f64(acc + j), ldf(x + j)));
  for (; j < cols; ++j) acc[j] += x[j];
}

void bn_sum_sq__neon(const float* x, size_t cols, const double* mean, double* acc) {
  size_t j = 0;
  for (; j + 2 <= cols; j += 2) {
    const D dlt = vsubq_f64(ldf(x + j), vld1q_f64(mean + j));
    vst1q_f64(acc + j, vfmaq_f64(vld1q_f64(acc + j), dlt, dlt));
  }
  for (; j < cols; ++j) acc[j] += (x[j] - mean[j]) * (x[j] - mean[j]);
}

void bn_apply__neon(const float* x, size_t cols, const double* mean, const double* invstd,
                    const float* w, const float* b, float* y) {
  size_t j = 0;
  for (; j + 2 <= cols; j += 2) {
    const D xh = vmulq_f64(vsubq_f64(ldf(x + j), vld1q_f64(mean + j)), vld1q_f64(invstd + j));
    stf(y + j, vfmaq_f64(ldf_or(b ? b + j : nullptr, 0.0), xh, ldf_or(w ? w + j : nullptr, 1.0)));
  }
  for (; j < cols; ++j) {
    y[j] = static_cast<float>((x[j] - mean[j]) * invstd[j] * (w ? w[j] : 1.0) + (b ? b[j] : 0.0));
  }
}

void bn_grad_sums__neon(const float* dy, const float* x, size_t cols, const double* mean,
                        const double* invstd, double* sum_dy, double* sum_dy_xhat) {
  size_t j = 0;
  for (; j + 2 <= cols; j += 2) {
    const D g = ldf(dy + j);
    const D xh = vmulq_f64(vsubq_f64(ldf(x + j), vld1q_f64(mean + j)), vld1q_f64(invstd + j));
    vst1q_f64(sum_dy + j, vaddq_f64(vld1q_f64(sum_dy + j), g));
    vst1q_f64(sum_dy_xhat + j, vfmaq_f64(vld1q_f64(sum_dy_xhat + j), g, xh));
  }
  for (; j < cols; ++j) {
    const double g = dy[j];
    sum_dy[j] += g;
    sum_dy_xhat[j] += g * ((x[j] - mean[j]) * invstd[j]);
  }
}

void bn_dx__neon(const float* dy, const float* x, size_t cols, const double* mean,
                 const double* invstd, const float* w, const double* sum_dy,
                 const double* sum_dy_xhat, double inv_n, bool training, float* dx) {
  const D vn = vdupq_n_f64(inv_n);
  size_t j = 0;
  for (; j + 2 <= cols; j += 2) {
    const D is = vld1q_f64(invstd + j);
    const D k = vmulq_f64(ldf_or(w ? w + j : nullptr, 1.0), is);
    const D g = ldf(dy + j);
    if (training) {
      const D xh = vmulq_f64(vsubq_f64(ldf(x + j), vld1q_f64(mean + j)), is);
      const D t = vsubq_f64(vsubq_f64(g, vmulq_f64(vn, vld1q_f64(sum_dy + j))),
                            vmulq_f64(xh, vmulq_f64(vn, vld1q_f64(sum_dy_xhat + j))));
      stf(dx + j, vmulq_f64(k, t));
    } else {
      stf(dx + j, vmulq_f64(k, g));
    }
  }
  for (; j < cols; ++j) {
    const double k = (w ? w[j] : 1.0) * invstd[j];
    const double g = dy[j];
    if (training) {
      const double xh = (x[j] - mean[j]) * invstd[j];
      dx[j] = static_cast<float>(k * (g - inv_n * sum_dy[j] - xh * inv_n * sum_dy_xhat[j]));
    } else {
      dx[j] = static_cast<float>(k * g);
    }
  }
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
