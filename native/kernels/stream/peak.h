// A register-only FMA loop per ISA: the machine's peak float32 FMA rate, measured in the same run
// as the GEMM benchmarks (their "fraction of peak"). Not used by the library.
#pragma once

#include <cstddef>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

// Runs `iterations` rounds of independent FMAs on registers; returns the float32 flops performed
// (an FMA counts as two). The result's value is folded into *sink so the loop cannot be removed.
double fma_peak_loop(Isa isa, size_t iterations, float* sink);

// Declared for every ISA of the list; defined where a file peak_<isa>.cc exists.
#define GG_PEAK_DECLARE(Enum, ns, ...)                        \
  namespace ns {                                              \
  double fma_peak_loop__##ns(size_t iterations, float* sink); \
  }
GG_ISA_LIST(GG_PEAK_DECLARE)
#undef GG_PEAK_DECLARE

}  // namespace kernels
}  // namespace gradguard
