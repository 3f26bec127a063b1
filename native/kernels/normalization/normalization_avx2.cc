// AVX2 inner loops of BatchNorm1d/LayerNorm (normalization_rows.h): 4 features per step, converted
// to float64 (__m256d) for every statistic and product, masked loads/stores for the tails.
// BatchNorm's column sums keep the reference's row order per feature; LayerNorm's row sums run in 4
// lanes (then lane 0+1, 2+3, and their sum). Compiled with -mavx2 -mfma; no inline library
// templates, no namespace-scope dynamic initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cmath>

#include "kernels/normalization/normalization_rows.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// r = valid lanes (1..4) of a step starting at j.
inline size_t lanes(size_t n, size_t j) { return n - j < 4 ? n - j : 4; }
inline __m128i mask32(size_t r) {
  return _mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(r)), _mm_setr_epi32(0, 1, 2, 3));
}
inline __m256i mask64(size_t r) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(r)),
                            _mm256_setr_epi64x(0, 1, 2, 3));
}
// Loads 4 floats (or the first r, the rest 0) as doubles.
inline __m256d ldf(const float* p, size_t r) {
  return _mm256_cvtps_pd(r == 4 ? _mm_loadu_ps(p) : _mm_maskload_ps(p, mask32(r)));
}
// The same, 1 where p is null (a missing weight).
inline __m256d ldf_or(const float* p, size_t r, double dflt) {
  return p ? ldf(p, r) : _mm256_set1_pd(dflt);
}
inline __m256d ldd(const double* p, size_t r) {
  return r == 4 ? _mm256_loadu_pd(p) : _mm256_maskload_pd(p, mask64(r));
}
inline void stf(float* p, __m256d v, size_t r) {
  const __m128 f = _mm256_cvtpd_ps(v);
  if (r == 4) {
    _mm_storeu_ps(p, f);
  } else {
    _mm_maskstore_ps(p, mask32(r), f);
  }
}
inline void std4(double* p, __m256d v, size_t r) {
  if (r == 4) {
    _mm256_storeu_pd(p, v);
  } else {
    _mm256_maskstore_pd(p, mask64(r), v);
  }
}
inline double hsum(__m256d v) {
  double t[4];
  _mm256_storeu_pd(t, v);
  return (t[0] + t[1]) + (t[2] + t[3]);
}

}  // namespace

void ln_stats__avx2(const float* x, size_t d, double eps, double* mean, double* invstd) {
  __m256d acc = _mm256_setzero_pd();
  for (size_t j = 0; j < d; j += 4) acc = _mm256_add_pd(acc, ldf(x + j, lanes(d, j)));
  const double mu = hsum(acc) / static_cast<double>(d);
  const __m256d vmu = _mm256_set1_pd(mu);
  __m256d m2 = _mm256_setzero_pd();
  for (size_t j = 0; j < d; j += 4) {
    const size_t r = lanes(d, j);
    // masked-off lanes load 0: zero their (0 - mu)^2 contribution
    __m256d dlt = _mm256_sub_pd(ldf(x + j, r), vmu);
    if (r < 4) dlt = _mm256_and_pd(dlt, _mm256_castsi256_pd(mask64(r)));
    m2 = _mm256_fmadd_pd(dlt, dlt, m2);
  }
  *mean = mu;
  *invstd = 1.0 / std::sqrt(hsum(m2) / static_cast<double>(d) + eps);
}

void ln_apply__avx2(const float* x, size_t d, double mean, double invstd, const float* w,
                    const float* b, float* y) {
  const __m256d vmu = _mm256_set1_pd(mean), vis = _mm256_set1_pd(invstd);
  for (size_t j = 0; j < d; j += 4) {
    const size_t r = lanes(d, j);
    const __m256d xh = _mm256_mul_pd(_mm256_sub_pd(ldf(x + j, r), vmu), vis);
    stf(y + j,
        _mm256_fmadd_pd(xh, ldf_or(w ? w + j : nullptr, r, 1.0),
                        ldf_or(b ? b + j : nullptr, r, 0.0)),
        r);
  }
}

void ln_backward__avx2(const float* x, const float* dy, size_t d, double mean, double invstd,
                       const float* w, double* acc_w, double* acc_b, float* dx) {
  const __m256d vmu = _mm256_set1_pd(mean), vis = _mm256_set1_pd(invstd);
  __m256d s_gw = _mm256_setzero_pd(), s_gwx = _mm256_setzero_pd();
  for (size_t j = 0; j < d; j += 4) {
    const size_t r = lanes(d, j);
    const __m256d g = ldf(dy + j, r);  // 0 in masked-off lanes: they add nothing below
    const __m256d xh = _mm256_mul_pd(_mm256_sub_pd(ldf(x + j, r), vmu), vis);
    const __m256d gw = _mm256_mul_pd(g, ldf_or(w ? w + j : nullptr, r, 1.0));
    s_gw = _mm256_add_pd(s_gw, gw);
    s_gwx = _mm256_fmadd_pd(gw, xh, s_gwx);
    std4(acc_w + j, _mm256_fmadd_pd(g, xh, ldd(acc_w + j, r)), r);
    std4(acc_b + j, _mm256_add_pd(ldd(acc_b + j, r), g), r);
  }
  if (!dx) return;
  const double inv_d = 1.0 / static_cast<double>(d);
  const __m256d mgw = _mm256_set1_pd(inv_d * hsum(s_gw)),
                mgwx = _mm256_set1_pd(inv_d * hsum(s_gwx));
  for (size_t j = 0; j < d; j += 4) {
    const size_t r = lanes(d, j);
    const __m256d xh = _mm256_mul_pd(_mm256_sub_pd(ldf(x + j, r), vmu), vis);
    const __m256d gw = _mm256_mul_pd(ldf(dy + j, r), ldf_or(w ? w + j : nullptr, r, 1.0));
    stf(dx + j, _mm256_mul_pd(vis, _mm256_sub_pd(_mm256_sub_pd(gw, mgw), _mm256_mul_pd(xh, mgwx))),
        r);
  }
}

void bn_sum__avx2(const float* x, size_t cols, double* acc) {
  for (size_t j = 0; j < cols; j += 4) {
    const size_t r = lanes(cols, j);
    std4(acc + j, _mm256_add_pd(ldd(acc + j, r), ldf(x + j, r)), r);
  }
}

void bn_sum_sq__avx2(const float* x, size_t cols, const double* mean, double* acc) {
  for (size_t j = 0; j < cols; j += 4) {
    const size_t r = lanes(cols, j);
    const __m256d dlt = _mm256_sub_pd(ldf(x + j, r), ldd(mean + j, r));
    std4(acc + j, _mm256_fmadd_pd(dlt, dlt, ldd(acc + j, r)), r);
  }
}

void bn_apply__avx2(const float* x, size_t cols, const double* mean, const double* invstd,
                    const float* w, const float* b, float* y) {
  for (size_t j = 0; j < cols; j += 4) {
    const size_t r = lanes(cols, j);
    const __m256d xh =
        _mm256_mul_pd(_mm256_sub_pd(ldf(x + j, r), ldd(mean + j, r)), ldd(invstd + j, r));
    stf(y + j,
        _mm256_fmadd_pd(xh, ldf_or(w ? w + j : nullptr, r, 1.0),
                        ldf_or(b ? b + j : nullptr, r, 0.0)),
        r);
  }
}

void bn_grad_sums__avx2(const float* dy, const float* x, size_t cols, const double* mean,
                        const double* invstd, double* sum_dy, double* sum_dy_xhat) {
  for (size_t j = 0; j < cols; j += 4) {
    const size_t r = lanes(cols, j);
    const __m256d g = ldf(dy + j, r);
    const __m256d xh =
        _mm256_mul_pd(_mm256_sub_pd(ldf(x + j, r), ldd(mean + j, r)), ldd(invstd + j, r));
    std4(sum_dy + j, _mm256_add_pd(ldd(sum_dy + j, r), g), r);
    std4(sum_dy_xhat + j, _mm256_fmadd_pd(g, xh, ldd(sum_dy_xhat + j, r)), r);
  }
}

void bn_dx__avx2(const float* dy, const float* x, size_t cols, const double* mean,
                 const double* invstd, const float* w, const double* sum_dy,
                 const double* sum_dy_xhat, double inv_n, bool training, float* dx) {
  const __m256d vn = _mm256_set1_pd(inv_n);
  for (size_t j = 0; j < cols; j += 4) {
    const size_t r = lanes(cols, j);
    const __m256d is = ldd(invstd + j, r);
    const __m256d k = _mm256_mul_pd(ldf_or(w ? w + j : nullptr, r, 1.0), is);
    const __m256d g = ldf(dy + j, r);
    if (training) {
      const __m256d xh = _mm256_mul_pd(_mm256_sub_pd(ldf(x + j, r), ldd(mean + j, r)), is);
      const __m256d t =
          _mm256_sub_pd(_mm256_sub_pd(g, _mm256_mul_pd(vn, ldd(sum_dy + j, r))),
                        _mm256_mul_pd(xh, _mm256_mul_pd(vn, ldd(sum_dy_xhat + j, r))));
      stf(dx + j, _mm256_mul_pd(k, t), r);
    } else {
      stf(dx + j, _mm256_mul_pd(k, g), r);
    }
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
