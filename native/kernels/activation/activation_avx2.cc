// AVX2 activations in 8-lane vectors with masked tails: relu, leaky_relu, and with float32 exp,
// log1p and erfc (Cephes' expf/logf/erff/erfcf polynomials, correct down to subnormals) sigmoid,
// tanh, gelu (both forms), elu and softplus, forward and backward, a few ulp from the float64
// reference. Every exp argument is <= 0, so nothing overflows at any input; NaN is blended through.
// Compiled with -mavx2 -mfma; no inline library templates, no namespace-scope dynamic initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/activation/activation.h"
#include "kernels/activation/cephes_coeffs.h"
#include "kernels/activation/vec_math_avx2.h"
#include "kernels/avx2_lanes.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// relu: max(x, 0) but NaN stays NaN (blend x where x is not <= 0... i.e. x > 0 or unordered).
inline __m256 relu8(__m256 x) {
  const __m256 le0 = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OQ);
  return _mm256_andnot_ps(le0, x);
}
inline __m256 leaky8(__m256 x, __m256 slope) {
  const __m256 gt0 = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ);
  return _mm256_blendv_ps(_mm256_mul_ps(x, slope), x, gt0);
}
inline __m256 relu_bwd8(__m256 x, __m256 g) {
  const __m256 le0 = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OQ);
  return _mm256_andnot_ps(le0, g);
}
inline __m256 leaky_bwd8(__m256 x, __m256 g, __m256 slope) {
  const __m256 gt0 = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ);
  return _mm256_blendv_ps(_mm256_mul_ps(g, slope), g, gt0);
}

// expm1(x) for x <= 0: a degree-8 Taylor polynomial on (-0.5, 0] (relative error < 2e-8), else e^x
// - 1.
inline __m256 expm1_neg8(__m256 x, __m256 ex) {
  __m256 p = _mm256_set1_ps(1.0f / 40320.0f);
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 5040.0f));
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 720.0f));
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(0.5f));
  const __m256 taylor = _mm256_fmadd_ps(_mm256_mul_ps(p, x), x, x);
  const __m256 direct = _mm256_sub_ps(ex, _mm256_set1_ps(1.0f));
  return _mm256_blendv_ps(direct, taylor, _mm256_cmp_ps(x, _mm256_set1_ps(-0.5f), _CMP_GT_OQ));
}

// log1p(u) for u in [0, 1]: log(w) * u / (w - 1) with w = 1 + u (the classic correction for the
// rounding of w; w - 1 is exact), log(w) by Cephes' logf polynomial on the mantissa; u where w
// == 1.
inline __m256 log1p_unit8(__m256 u) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 w = _mm256_add_ps(one, u);
  // w in [1, 2]: split as m * 2^e with m in [sqrt(1/2), sqrt(2)): e = 1 where w > sqrt(2)
  const __m256 big = _mm256_cmp_ps(w, _mm256_set1_ps(1.41421356237f), _CMP_GT_OQ);
  const __m256 e = _mm256_and_ps(big, one);
  const __m256 m = _mm256_blendv_ps(w, _mm256_mul_ps(w, _mm256_set1_ps(0.5f)), big);
  const __m256 f = _mm256_sub_ps(m, one);
  const __m256 z = _mm256_mul_ps(f, f);
  __m256 y = _mm256_set1_ps(7.0376836292e-2f);
  y = _mm256_fmadd_ps(y, f, _mm256_set1_ps(-1.1514610310e-1f));
  y = _mm256_fmadd_ps(y, f, _mm256_set1_ps(1.1676998740e-1f));
  y = _mm256_fmadd_ps(y, f, _mm256_set1_ps(-1.2420140846e-1f));
  y = _mm256_fmadd_ps(y, f, _mm256_set1_ps(1.4249322787e-1f));
  y = _mm256_fmadd_ps(y, f, _mm256_set1_ps(-1.6668057665e-1f));
  y = _mm256_fmadd_ps(y, f, _mm256_set1_ps(2.0000714765e-1f));
  y = _mm256_fmadd_ps(y, f, _mm256_set1_ps(-2.4999993993e-1f));
  y = _mm256_fmadd_ps(y, f, _mm256_set1_ps(3.3333331174e-1f));
  y = _mm256_mul_ps(y, _mm256_mul_ps(f, z));
  y = _mm256_fmadd_ps(e, _mm256_set1_ps(-2.12194440e-4f), y);
  y = _mm256_fnmadd_ps(_mm256_set1_ps(0.5f), z, y);
  __m256 lw = _mm256_add_ps(f, y);
  lw = _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), lw);
  const __m256 wm1 = _mm256_sub_ps(w, one);
  const __m256 corrected = _mm256_div_ps(_mm256_mul_ps(lw, u), wm1);
  return _mm256_blendv_ps(corrected, u, _mm256_cmp_ps(wm1, _mm256_setzero_ps(), _CMP_EQ_OQ));
}

inline __m256 horner8(__m256 x, const float* c, int n) {
  __m256 y = _mm256_set1_ps(c[0]);
  for (int i = 1; i < n; ++i) y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(c[i]));
  return y;
}

// Phi(x) = erfc(-x / sqrt 2) / 2, the standard normal CDF, relative accuracy in both tails: Cephes'
// erff polynomial for |z| < 1 (erfc = 1 - erf), else erfc(|z|) = e^(-z^2) / |z| * P(1 / z^2) with
// Cephes' erfcf polynomials (1 <= |z| < 2, |z| >= 2) and erfc(z) = 2 - erfc(-z) for z < 0.
inline __m256 ncdf8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(-0.70710678118654752f));
  const __m256 a = abs8(z);
  // z^2 = x^2 / 2 = (h + herr) / 2 exactly (FMA residual), so e^(-z^2) carries no rounding of z or
  // z^2
  const __m256 h = _mm256_mul_ps(x, x);
  const __m256 half_err = _mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_fmsub_ps(x, x, h));
  const __m256 z2 = _mm256_mul_ps(_mm256_set1_ps(0.5f), h);
  const __m256 erfc_small = _mm256_fnmadd_ps(z, horner8(z2, cephes::kErfT, 7), one);
  const __m256 q = _mm256_div_ps(one, a);
  const __m256 q2 = _mm256_mul_ps(q, q);
  const __m256 lt2 = _mm256_cmp_ps(a, _mm256_set1_ps(2.0f), _CMP_LT_OQ);
  const __m256 p =
      _mm256_blendv_ps(horner8(q2, cephes::kErfcR, 8), horner8(q2, cephes::kErfcP, 9), lt2);
  __m256 ez = exp_neg8(_mm256_sub_ps(_mm256_setzero_ps(), z2));
  ez = _mm256_fnmadd_ps(half_err, ez, ez);  // e^(-z2 - half_err) ~ e^(-z2) (1 - half_err)
  const __m256 tail = _mm256_mul_ps(_mm256_mul_ps(ez, q), p);
  const __m256 neg = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
  const __m256 erfc_big = _mm256_blendv_ps(tail, _mm256_sub_ps(_mm256_set1_ps(2.0f), tail), neg);
  const __m256 small = _mm256_cmp_ps(a, one, _CMP_LT_OQ);
  return _mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_blendv_ps(erfc_big, erfc_small, small));
}

constexpr float kSqrt2OverPiF = cephes::kSqrt2OverPi;
constexpr float kGeluCF = cephes::kGeluC;

// One 8-lane block of a forward activation (fn in {2, 3, 5, 6}).
inline __m256 fwd8(int fn, __m256 x, __m256 p0, __m256 p1) {
  __m256 y;
  switch (fn) {
    case 2: y = sigmoid8(x, nullptr); break;
    case 3: y = tanh8(x, nullptr); break;
    case 5: {  // x * sigmoid(2u), u = sqrt(2/pi) (x + c x^3): 0.5 (1 + tanh u) without cancellation
      const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
      const __m256 u = _mm256_mul_ps(_mm256_set1_ps(kSqrt2OverPiF),
                                     _mm256_fmadd_ps(_mm256_set1_ps(kGeluCF), x3, x));
      y = _mm256_mul_ps(x, sigmoid8(_mm256_add_ps(u, u), nullptr));
      break;
    }
    case 4:  // gelu: x Phi(x)
      y = _mm256_mul_ps(x, ncdf8(x));
      break;
    case 7: {  // softplus: (max(z, 0) + log1p(e^-|z|)) / beta, x where z = beta x > threshold
      const __m256 zz = _mm256_mul_ps(x, p0);
      const __m256 e = exp_neg8(_mm256_sub_ps(_mm256_setzero_ps(), abs8(zz)));
      const __m256 sp =
          _mm256_div_ps(_mm256_add_ps(_mm256_max_ps(zz, _mm256_setzero_ps()), log1p_unit8(e)), p0);
      y = _mm256_blendv_ps(sp, x, _mm256_cmp_ps(zz, p1, _CMP_GT_OQ));
      break;
    }
    default: {  // 6: elu
      const __m256 ex = exp_neg8(x);
      const __m256 neg = _mm256_mul_ps(p0, expm1_neg8(x, ex));
      y = _mm256_blendv_ps(neg, x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
      break;
    }
  }
  return _mm256_blendv_ps(y, x, isnan8(x));
}

// One 8-lane block of f'(x) (fn in {2, 3, 5, 6}); NaN x gives NaN (elu: PyTorch's pass-through 1).
inline __m256 deriv8(int fn, __m256 x, __m256 p0, __m256 p1) {
  __m256 d;
  switch (fn) {
    case 2: sigmoid8(x, &d); break;
    case 3: tanh8(x, &d); break;
    case 5: {
      const __m256 x2 = _mm256_mul_ps(x, x);
      const __m256 u =
          _mm256_mul_ps(_mm256_set1_ps(kSqrt2OverPiF),
                        _mm256_fmadd_ps(_mm256_set1_ps(kGeluCF), _mm256_mul_ps(x2, x), x));
      __m256 ds;
      const __m256 s = sigmoid8(_mm256_add_ps(u, u), &ds);
      // d/dx x sigmoid(2u) = s + 2 x s(1 - s) u'; x clamped in the second term (ds is 0 there
      // anyway)
      const __m256 xc =
          _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-1e6f)), _mm256_set1_ps(1e6f));
      const __m256 du = _mm256_mul_ps(_mm256_set1_ps(kSqrt2OverPiF),
                                      _mm256_fmadd_ps(_mm256_set1_ps(3.0f * kGeluCF),
                                                      _mm256_mul_ps(xc, xc), _mm256_set1_ps(1.0f)));
      d = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_add_ps(xc, xc), ds), du, s);
      break;
    }
    case 4: {  // gelu': Phi(x) + x phi(x), phi(x) = e^(-x^2 / 2) / sqrt(2 pi)
      const __m256 h = _mm256_mul_ps(x, x);
      const __m256 half_err = _mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_fmsub_ps(x, x, h));
      __m256 e = exp_neg8(_mm256_mul_ps(_mm256_set1_ps(-0.5f), h));
      e = _mm256_fnmadd_ps(half_err, e, e);
      const __m256 pdf = _mm256_mul_ps(_mm256_set1_ps(0.39894228040143268f), e);
      d = _mm256_fmadd_ps(x, pdf, ncdf8(x));
      break;
    }
    case 7: {  // softplus: sigmoid(beta x), 1 where beta x > threshold
      const __m256 zz = _mm256_mul_ps(x, p0);
      d = _mm256_blendv_ps(sigmoid8(zz, nullptr), _mm256_set1_ps(1.0f),
                           _mm256_cmp_ps(zz, p1, _CMP_GT_OQ));
      break;
    }
    default: {  // 6: elu, x <= 0 ? alpha e^x : 1
      const __m256 neg = _mm256_mul_ps(p0, exp_neg8(x));
      return _mm256_blendv_ps(_mm256_set1_ps(1.0f), neg,
                              _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OQ));
    }
  }
  return _mm256_blendv_ps(d, x, isnan8(x));
}

inline bool vectorised(int fn) { return fn >= 2 && fn <= 7; }

}  // namespace

void act_fwd_f32__avx2(int fn, const float* x, float* y, size_t n, float p0, float p1) {
  if (vectorised(fn)) {
    const __m256 a = _mm256_set1_ps(p0);
    const __m256 b = _mm256_set1_ps(p1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, fwd8(fn, _mm256_loadu_ps(x + i), a, b));
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(y + i, m, fwd8(fn, _mm256_maskload_ps(x + i, m), a, b));
    }
    return;
  }
  // relu (0) or leaky_relu (1)
  const __m256 slope = _mm256_set1_ps(p0);
  size_t i = 0;
  if (fn == 0) {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, relu8(_mm256_loadu_ps(x + i)));
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(y + i, m, relu8(_mm256_maskload_ps(x + i, m)));
    }
  } else {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, leaky8(_mm256_loadu_ps(x + i), slope));
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(y + i, m, leaky8(_mm256_maskload_ps(x + i, m), slope));
    }
  }
}

void act_bwd_f32__avx2(int fn, const float* x, const float* grad_y, float* grad_x, size_t n,
                       float p0, float p1) {
  if (vectorised(fn)) {
    const __m256 a = _mm256_set1_ps(p0);
    const __m256 b = _mm256_set1_ps(p1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      _mm256_storeu_ps(grad_x + i, _mm256_mul_ps(_mm256_loadu_ps(grad_y + i),
                                                 deriv8(fn, _mm256_loadu_ps(x + i), a, b)));
    }
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(grad_x + i, m,
                          _mm256_mul_ps(_mm256_maskload_ps(grad_y + i, m),
                                        deriv8(fn, _mm256_maskload_ps(x + i, m), a, b)));
    }
    return;
  }
  // relu (0) or leaky_relu (1)
  const __m256 slope = _mm256_set1_ps(p0);
  size_t i = 0;
  if (fn == 0) {
    for (; i + 8 <= n; i += 8) {
      _mm256_storeu_ps(grad_x + i, relu_bwd8(_mm256_loadu_ps(x + i), _mm256_loadu_ps(grad_y + i)));
    }
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(
          grad_x + i, m,
          relu_bwd8(_mm256_maskload_ps(x + i, m), _mm256_maskload_ps(grad_y + i, m)));
    }
  } else {
    for (; i + 8 <= n; i += 8) {
      _mm256_storeu_ps(grad_x + i,
                       leaky_bwd8(_mm256_loadu_ps(x + i), _mm256_loadu_ps(grad_y + i), slope));
    }
    if (i < n) {
      const __m256i m = tail_mask8(n - i);
      _mm256_maskstore_ps(
          grad_x + i, m,
          leaky_bwd8(_mm256_maskload_ps(x + i, m), _mm256_maskload_ps(grad_y + i, m), slope));
    }
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
