// Elementwise activations and their backward passes over one float32 span, PyTorch semantics:
// relu, leaky_relu(slope), sigmoid, tanh, gelu (erf), gelu (tanh approximation), elu(alpha),
// softplus(beta, threshold). Conventions at the kinks follow PyTorch: relu'(0) = 0,
// leaky_relu'(0) = slope, elu'(0) = alpha, softplus' = 1 where beta*x > threshold.
// Forward: y may alias x exactly. Backward (needs the input x): grad_x may alias grad_y or x
// exactly. Stable for any finite input (no Inf/NaN from an overflowing exp); NaN propagates. A
// table row per ISA (namespaces scalar, avx2, avx512, neon) holds a function pair per kind, so an
// ISA may speed up some kinds and keep its base's for the others; activation_kernels() picks.
#pragma once

#include <cstddef>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

enum class Act : int {
  kRelu = 0,
  kLeakyRelu = 1,  // p0 = negative_slope
  kSigmoid = 2,
  kTanh = 3,
  kGelu = 4,      // x * Phi(x), exact erf
  kGeluTanh = 5,  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  kElu = 6,       // p0 = alpha
  kSoftplus = 7,  // p0 = beta, p1 = threshold
};
constexpr int kActCount = 8;

using ActForwardFn = void (*)(int fn, const float* x, float* y, size_t n, float p0, float p1);
using ActBackwardFn = void (*)(int fn, const float* x, const float* grad_y, float* grad_x, size_t n,
                               float p0, float p1);

// Indexed by Act; the function at [fn] is called with that fn (one function may serve many kinds).
struct ActivationKernels {
  ActForwardFn forward[kActCount];
  ActBackwardFn backward[kActCount];
};

// The table for `isa` (which must be supported by this CPU).
const ActivationKernels& activation_kernels(Isa isa);

#define GG_ACT_DECLARE(Enum, ns, ...)                                                          \
  namespace ns {                                                                               \
  void act_fwd_f32__##ns(int fn, const float* x, float* y, size_t n, float p0, float p1);      \
  void act_bwd_f32__##ns(int fn, const float* x, const float* grad_y, float* grad_x, size_t n, \
                         float p0, float p1);                                                  \
  }

// Declared for every ISA of the list; defined where a file <family>_<isa>.cc exists, and
// named only by the table rows of those ISAs.
GG_ISA_LIST(GG_ACT_DECLARE)
#undef GG_ACT_DECLARE

}  // namespace kernels
}  // namespace gradguard
