// Fused optimiser update kernels over one float32 span: SGD (momentum, dampening, Nesterov, weight
// decay, maximize) and Adam/AdamW (AMSGrad, maximize), PyTorch 1.13 single-tensor update rules in
// float32 arithmetic. The gradient is multiplied by grad_scale first (fold clipGradNorm in: p' =
// step(p, g * scale)); the gradient array itself is never written. One table per ISA.
#pragma once

#include <cstddef>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

// Per-step SGD constants (float32, as PyTorch casts its Python scalars).
struct SgdConsts {
  float lr = 0.f;
  float momentum = 0.f;
  float one_minus_dampening = 1.f;
  float weight_decay = 0.f;
  float grad_scale = 1.f;
  bool nesterov = false;
  bool maximize = false;
  bool first_step = false;  // the momentum buffer starts as a copy of the first (decayed) gradient
};

// Per-step Adam constants; bias corrections are computed once per step in float64 (adam_consts()).
struct AdamConsts {
  float beta1 = 0.9f, one_minus_beta1 = 0.1f;
  float beta2 = 0.999f, one_minus_beta2 = 0.001f;
  float eps = 1e-8f;
  float weight_decay = 0.f;  // L2 in the gradient (Adam); 0 for AdamW
  float decay = 1.f;         // p *= decay before the update (AdamW: 1 - lr * weight_decay)
  float step_size = 0.f;     // lr / (1 - beta1^t)
  float bc2_sqrt = 1.f;      // sqrt(1 - beta2^t)
  // 1 / sqrt(1 - beta2^t), rounded once from float64: the SIMD kernels multiply by it instead of
  // dividing by bc2_sqrt (within an ulp of the quotient). Division and square root share one
  // unit that handles a 16-lane vector every ~8-12 cycles; with two divisions and a root per
  // vector, Adam ran at ~1.5 cycles per parameter from L1 on AVX-512 (Xeon, this repo's dev VM),
  // close enough to the memory rate to cost bandwidth once two cores stream; with one division
  // ~1.05 cycles.
  float inv_bc2_sqrt = 1.f;
  float grad_scale = 1.f;
  bool amsgrad = false;
  bool maximize = false;
  bool decoupled = false;  // AdamW
};

// Builds the Adam constants for step t (>= 1) in float64, then rounds each to float32.
AdamConsts adam_consts(double lr, double beta1, double beta2, double eps, double weight_decay,
                       bool decoupled, bool amsgrad, bool maximize, double step, double grad_scale);

struct OptimKernels {
  // p, g, buf: n elements each; buf may be null only when momentum == 0.
  void (*sgd)(float* p, const float* g, float* buf, size_t n, const SgdConsts& c);
  // m, v: first and second moments; vmax: AMSGrad running max (null unless c.amsgrad).
  void (*adam)(float* p, const float* g, float* m, float* v, float* vmax, size_t n,
               const AdamConsts& c);
};

// The table for `isa` (which must be supported by this CPU).
const OptimKernels& optim_kernels(Isa isa);

#define GG_OPTIM_DECLARE(Enum, ns, ...)                                                    \
  namespace ns {                                                                           \
  void sgd_f32__##ns(float* p, const float* g, float* buf, size_t n, const SgdConsts& c);  \
  void adam_f32__##ns(float* p, const float* g, float* m, float* v, float* vmax, size_t n, \
                      const AdamConsts& c);                                                \
  }

// Declared for every ISA of the list; defined where a file <family>_<isa>.cc exists, and
// named only by the table rows of those ISAs.
GG_ISA_LIST(GG_OPTIM_DECLARE)
#undef GG_OPTIM_DECLARE

}  // namespace kernels
}  // namespace gradguard
