// The optimiser family's table per ISA, and the per-step constants (baseline flags).
#include <cmath>

#include "kernels/optim/optim.h"

namespace gradguard {
namespace kernels {

AdamConsts adam_consts(double lr, double beta1, double beta2, double eps, double weight_decay,
                       bool decoupled, bool amsgrad, bool maximize, double step,
                       double grad_scale) {
  AdamConsts c;
  c.beta1 = static_cast<float>(beta1);
  c.one_minus_beta1 = static_cast<float>(1.0 - beta1);
  c.beta2 = static_cast<float>(beta2);
  c.one_minus_beta2 = static_cast<float>(1.0 - beta2);
  c.eps = static_cast<float>(eps);
  c.decoupled = decoupled;
  c.weight_decay = decoupled ? 0.f : static_cast<float>(weight_decay);
  c.decay = decoupled ? static_cast<float>(1.0 - lr * weight_decay) : 1.f;
  c.step_size = static_cast<float>(lr / (1.0 - std::pow(beta1, step)));
  c.bc2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(beta2, step)));
  c.grad_scale = static_cast<float>(grad_scale);
  c.amsgrad = amsgrad;
  c.maximize = maximize;
  return c;
}

#define GG_OPTIM_TABLE(ns) \
  OptimKernels { ns::sgd_f32__##ns, ns::adam_f32__##ns }

const OptimKernels& optim_kernels(Isa isa) {
  static const OptimKernels kScalar = GG_OPTIM_TABLE(scalar);
#if defined(__x86_64__) || defined(_M_X64)
  static const OptimKernels kAvx2 = GG_OPTIM_TABLE(avx2);
  static const OptimKernels kAvx512 = GG_OPTIM_TABLE(avx512);
  if (isa == Isa::kAvx512) return kAvx512;
  if (isa == Isa::kAvx2) return kAvx2;
#elif defined(__aarch64__)
  static const OptimKernels kNeon = GG_OPTIM_TABLE(neon);
  if (isa == Isa::kNeon) return kNeon;
#endif
  return kScalar;
}

#undef GG_OPTIM_TABLE

}  // namespace kernels
}  // namespace gradguard
