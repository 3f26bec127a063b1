// Scalar reference optimiser kernels: float32 arithmetic in PyTorch 1.13's operation order (built
// with -ffp-contract=off, so no fused multiply-adds). AMSGrad's max is torch.maximum's (NaN wins).
#include <cmath>

#include "kernels/optim/optim.h"

namespace gradguard {
namespace kernels {
namespace scalar {

void sgd_f32__scalar(float* p, const float* g, float* buf, size_t n, const SgdConsts& c) {
  const float neg_lr = -c.lr;
  for (size_t i = 0; i < n; ++i) {
    float d = g[i] * c.grad_scale;
    if (c.maximize) d = -d;
    const float pi = p[i];
    if (c.weight_decay != 0.f) d = d + c.weight_decay * pi;
    if (c.momentum != 0.f) {
      const float b = c.first_step ? d : buf[i] * c.momentum + c.one_minus_dampening * d;
      buf[i] = b;
      d = c.nesterov ? d + c.momentum * b : b;
    }
    p[i] = pi + neg_lr * d;
  }
}

void adam_f32__scalar(float* p, const float* g, float* m, float* v, float* vmax, size_t n,
                      const AdamConsts& c) {
  for (size_t i = 0; i < n; ++i) {
    float d = g[i] * c.grad_scale;
    if (c.maximize) d = -d;
    float pi = p[i];
    if (c.decoupled) {
      pi = pi * c.decay;
    } else if (c.weight_decay != 0.f) {
      d = d + c.weight_decay * pi;
    }
    const float mi = m[i] * c.beta1 + c.one_minus_beta1 * d;
    float vi = v[i] * c.beta2 + c.one_minus_beta2 * d * d;
    m[i] = mi;
    v[i] = vi;
    if (c.amsgrad) {
      const float a = vmax[i];
      vi = (std::isnan(a) || a > vi) ? a : vi;
      vmax[i] = vi;
    }
    const float denom = std::sqrt(vi) / c.bc2_sqrt + c.eps;
    p[i] = pi - (c.step_size * mi) / denom;
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
