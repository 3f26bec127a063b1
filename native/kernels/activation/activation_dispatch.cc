// The activation family's kernel table (core/kernel_table.h). Baseline flags: only takes the
// addresses of ISA functions.
#include "core/kernel_table.h"
#include "kernels/activation/activation.h"

namespace gradguard {
namespace kernels {
namespace {

// A row whose every kind is served by one function pair (it switches on fn).
constexpr ActivationKernels every_kind(ActForwardFn forward, ActBackwardFn backward) {
  ActivationKernels k{};
  for (int i = 0; i < kActCount; ++i) {
    k.forward[i] = forward;
    k.backward[i] = backward;
  }
  return k;
}

#define GG_ACT_ROW(ns) every_kind(ns::act_fwd_f32__##ns, ns::act_bwd_f32__##ns)

constexpr KernelTable<ActivationKernels> kActivation = [] {
  KernelTable<ActivationKernels> t(GG_ACT_ROW(scalar));
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, GG_ACT_ROW(neon));
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, GG_ACT_ROW(avx2));
  if constexpr (isa_built(Isa::kAvx512)) {
    // 16-lane relu and leaky_relu; every other kind keeps the base's (AVX2) 8-lane vector math.
    ActivationKernels k = t[Isa::kAvx512];
    constexpr int kRelu = static_cast<int>(Act::kRelu), kLeaky = static_cast<int>(Act::kLeakyRelu);
    k.forward[kRelu] = k.forward[kLeaky] = avx512::act_fwd_f32__avx512;
    k.backward[kRelu] = k.backward[kLeaky] = avx512::act_bwd_f32__avx512;
    t.set(Isa::kAvx512, k);
  }
  return t;
}();

#undef GG_ACT_ROW

}  // namespace

const ActivationKernels& activation_kernels(Isa isa) { return kActivation[isa]; }

}  // namespace kernels
}  // namespace gradguard
