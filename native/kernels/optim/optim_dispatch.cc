// The optimiser family's kernel table (core/kernel_table.h), and the per-step constants (baseline
// flags).
#include <cmath>

#include "core/kernel_table.h"
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
  const double bc2 = std::sqrt(1.0 - std::pow(beta2, step));
  c.bc2_sqrt = static_cast<float>(bc2);
  c.inv_bc2_sqrt = static_cast<float>(1.0 / bc2);  // +Inf when beta2 = 1, as x / 0 would give
  c.grad_scale = static_cast<float>(grad_scale);
  c.amsgrad = amsgrad;
  c.maximize = maximize;
  return c;
}

namespace {

#define GG_OPTIM_ROW(ns) \
  OptimKernels { ns::sgd_f32__##ns, ns::adam_f32__##ns }

constexpr KernelTable<OptimKernels> kOptim = [] {
  KernelTable<OptimKernels> t(GG_OPTIM_ROW(scalar));
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, GG_OPTIM_ROW(neon));
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, GG_OPTIM_ROW(avx2));
  if constexpr (isa_built(Isa::kAvx512)) t.set(Isa::kAvx512, GG_OPTIM_ROW(avx512));
  return t;
}();

#undef GG_OPTIM_ROW

}  // namespace

const OptimKernels& optim_kernels(Isa isa) { return kOptim[isa]; }

}  // namespace kernels
}  // namespace gradguard
