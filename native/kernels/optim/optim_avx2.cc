// AVX2 optimiser kernels: 8 float32 lanes, masked loads/stores for the tail, the scalar
// reference's operation order (the compiler may still contract a multiply and an add into an FMA,
// so results can differ from scalar by an ulp), except that Adam multiplies sqrt(v) by
// 1 / sqrt(1 - beta2^t) where the reference divides (within an ulp; AdamConsts::inv_bc2_sqrt says
// why). AMSGrad's max propagates NaN like torch.maximum.
// Compiled with -mavx2 -mfma; no inline library templates, no namespace-scope initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx2_lanes.h"
#include "kernels/optim/optim.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {}  // namespace

void sgd_f32__avx2(float* p, const float* g, float* buf, size_t n, const SgdConsts& c) {
  const __m256 scale = _mm256_set1_ps(c.grad_scale);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 wd = _mm256_set1_ps(c.weight_decay);
  const __m256 mom = _mm256_set1_ps(c.momentum);
  const __m256 omd = _mm256_set1_ps(c.one_minus_dampening);
  const __m256 neg_lr = _mm256_set1_ps(-c.lr);
  const bool use_wd = c.weight_decay != 0.f, use_mom = c.momentum != 0.f;
  for (size_t i = 0; i < n; i += 8) {
    const bool full = n - i >= 8;
    const __m256i mask = full ? _mm256_set1_epi32(-1) : tail_mask8(n - i);
    __m256 d = _mm256_mul_ps(load8(g + i, full, mask), scale);
    if (c.maximize) d = _mm256_xor_ps(d, sign);
    const __m256 pi = load8(p + i, full, mask);
    if (use_wd) d = _mm256_add_ps(d, _mm256_mul_ps(wd, pi));
    if (use_mom) {
      const __m256 b = c.first_step ? d
                                    : _mm256_add_ps(_mm256_mul_ps(load8(buf + i, full, mask), mom),
                                                    _mm256_mul_ps(omd, d));
      store8(buf + i, b, full, mask);
      d = c.nesterov ? _mm256_add_ps(d, _mm256_mul_ps(mom, b)) : b;
    }
    store8(p + i, _mm256_add_ps(pi, _mm256_mul_ps(neg_lr, d)), full, mask);
  }
}

void adam_f32__avx2(float* p, const float* g, float* m, float* v, float* vmax, size_t n,
                    const AdamConsts& c) {
  const __m256 scale = _mm256_set1_ps(c.grad_scale);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 wd = _mm256_set1_ps(c.weight_decay);
  const __m256 decay = _mm256_set1_ps(c.decay);
  const __m256 b1 = _mm256_set1_ps(c.beta1), omb1 = _mm256_set1_ps(c.one_minus_beta1);
  const __m256 b2 = _mm256_set1_ps(c.beta2), omb2 = _mm256_set1_ps(c.one_minus_beta2);
  const __m256 step = _mm256_set1_ps(c.step_size), inv_bc2 = _mm256_set1_ps(c.inv_bc2_sqrt);
  const __m256 eps = _mm256_set1_ps(c.eps);
  const bool use_wd = !c.decoupled && c.weight_decay != 0.f;
  for (size_t i = 0; i < n; i += 8) {
    const bool full = n - i >= 8;
    const __m256i mask = full ? _mm256_set1_epi32(-1) : tail_mask8(n - i);
    __m256 d = _mm256_mul_ps(load8(g + i, full, mask), scale);
    if (c.maximize) d = _mm256_xor_ps(d, sign);
    __m256 pi = load8(p + i, full, mask);
    if (c.decoupled) pi = _mm256_mul_ps(pi, decay);
    if (use_wd) d = _mm256_add_ps(d, _mm256_mul_ps(wd, pi));
    const __m256 mi =
        _mm256_add_ps(_mm256_mul_ps(load8(m + i, full, mask), b1), _mm256_mul_ps(omb1, d));
    __m256 vi = _mm256_add_ps(_mm256_mul_ps(load8(v + i, full, mask), b2),
                              _mm256_mul_ps(_mm256_mul_ps(omb2, d), d));
    store8(m + i, mi, full, mask);
    store8(v + i, vi, full, mask);
    if (c.amsgrad) {
      const __m256 a = load8(vmax + i, full, mask);
      // max_ps returns its second operand when either is NaN: vi's NaN survives; keep a's too.
      vi = _mm256_blendv_ps(_mm256_max_ps(a, vi), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
      store8(vmax + i, vi, full, mask);
    }
    const __m256 denom = _mm256_fmadd_ps(_mm256_sqrt_ps(vi), inv_bc2, eps);
    store8(p + i, _mm256_sub_ps(pi, _mm256_div_ps(_mm256_mul_ps(step, mi), denom)), full, mask);
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard

#endif  // x86-64
