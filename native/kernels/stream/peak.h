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

namespace scalar {
double fma_peak_loop__scalar(size_t iterations, float* sink);
}
namespace avx2 {
double fma_peak_loop__avx2(size_t iterations, float* sink);
}
namespace avx512 {
double fma_peak_loop__avx512(size_t iterations, float* sink);
}
namespace neon {
double fma_peak_loop__neon(size_t iterations, float* sink);
}

}  // namespace kernels
}  // namespace gradguard
