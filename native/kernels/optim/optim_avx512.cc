// AVX-512F optimiser kernels: 16 float32 lanes, masked loads/stores for the tail, the scalar
// reference's operation order (FMA contraction may differ by an ulp), except that Adam multiplies
// sqrt(v) by 1 / sqrt(1 - beta2^t) where the reference divides (within an ulp; see
// AdamConsts::inv_bc2_sqrt for why). AMSGrad's max propagates NaN.
// Compiled with -mavx512f -mfma; no inline library templates, no namespace-scope initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx512_lanes.h"
#include "kernels/optim/optim.h"

namespace gradguard {
namespace kernels {
namespace avx512 {
namespace {

inline __m512 neg(__m512 x) {
  return _mm512_castsi512_ps(
      _mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32(static_cast<int>(0x80000000u))));
}

}  // namespace

void sgd_f32__avx512(float* p, const float* g, float* buf, size_t n, const SgdConsts& c) {
  const __m512 scale = _mm512_set1_ps(c.grad_scale);
  const __m512 wd = _mm512_set1_ps(c.weight_decay);
  const __m512 mom = _mm512_set1_ps(c.momentum);
  const __m512 omd = _mm512_set1_ps(c.one_minus_dampening);
  const __m512 neg_lr = _mm512_set1_ps(-c.lr);
  const bool use_wd = c.weight_decay != 0.f, use_mom = c.momentum != 0.f;
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 k = tail_mask16(n - i);
    __m512 d = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, g + i), scale);
    if (c.maximize) d = neg(d);
    const __m512 pi = _mm512_maskz_loadu_ps(k, p + i);
    if (use_wd) d = _mm512_add_ps(d, _mm512_mul_ps(wd, pi));
    if (use_mom) {
      const __m512 b = c.first_step
                           ? d
                           : _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, buf + i), mom),
                                           _mm512_mul_ps(omd, d));
      _mm512_mask_storeu_ps(buf + i, k, b);
      d = c.nesterov ? _mm512_add_ps(d, _mm512_mul_ps(mom, b)) : b;
    }
    _mm512_mask_storeu_ps(p + i, k, _mm512_add_ps(pi, _mm512_mul_ps(neg_lr, d)));
  }
}

void adam_f32__avx512(float* p, const float* g, float* m, float* v, float* vmax, size_t n,
                      const AdamConsts& c) {
  const __m512 scale = _mm512_set1_ps(c.grad_scale);
  const __m512 wd = _mm512_set1_ps(c.weight_decay);
  const __m512 decay = _mm512_set1_ps(c.decay);
  const __m512 b1 = _mm512_set1_ps(c.beta1), omb1 = _mm512_set1_ps(c.one_minus_beta1);
  const __m512 b2 = _mm512_set1_ps(c.beta2), omb2 = _mm512_set1_ps(c.one_minus_beta2);
  const __m512 step = _mm512_set1_ps(c.step_size), inv_bc2 = _mm512_set1_ps(c.inv_bc2_sqrt);
  const __m512 eps = _mm512_set1_ps(c.eps);
  const bool use_wd = !c.decoupled && c.weight_decay != 0.f;
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 k = tail_mask16(n - i);
    __m512 d = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, g + i), scale);
    if (c.maximize) d = neg(d);
    __m512 pi = _mm512_maskz_loadu_ps(k, p + i);
    if (c.decoupled) pi = _mm512_mul_ps(pi, decay);
    if (use_wd) d = _mm512_add_ps(d, _mm512_mul_ps(wd, pi));
    const __m512 mi =
        _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, m + i), b1), _mm512_mul_ps(omb1, d));
    __m512 vi = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, v + i), b2),
                              _mm512_mul_ps(_mm512_mul_ps(omb2, d), d));
    _mm512_mask_storeu_ps(m + i, k, mi);
    _mm512_mask_storeu_ps(v + i, k, vi);
    if (c.amsgrad) {
      const __m512 a = _mm512_maskz_loadu_ps(k, vmax + i);
      // max_ps returns its second operand when either is NaN: vi's NaN survives; keep a's too.
      vi = _mm512_mask_mov_ps(_mm512_max_ps(a, vi), _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), a);
      _mm512_mask_storeu_ps(vmax + i, k, vi);
    }
    const __m512 denom = _mm512_fmadd_ps(_mm512_sqrt_ps(vi), inv_bc2, eps);
    _mm512_mask_storeu_ps(p + i, k,
                          _mm512_sub_ps(pi, _mm512_div_ps(_mm512_mul_ps(step, mi), denom)));
  }
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard

#endif  // x86-64
