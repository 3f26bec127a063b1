// Norm-family kernels over one float32 span: reductions accumulate in float64, so squares of values
// near 1e20 (which overflow float32, where PyTorch reports an infinite norm) stay exact.
// One function set per ISA (namespaces scalar, avx2, avx512, neon); norm_kernels() picks the table.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

// One pass of gradient statistics over a span.
struct StatsPartial {
  double sum_squares = 0.0;   // float64 sum of x^2
  uint32_t max_abs_bits = 0;  // bit pattern of max |x|; NaN sorts above Inf, so it propagates
  uint64_t nonfinite = 0;     // count of NaN and +-Inf
};

struct NormKernels {
  double (*sum_squares)(const float* x, size_t n);
  double (*sum_abs)(const float* x, size_t n);
  // max |x| as the bit pattern of a non-negative float (NaN patterns compare above Inf); 0 for n ==
  // 0.
  uint32_t (*max_abs_bits)(const float* x, size_t n);
  double (*sum_abs_pow)(const float* x, size_t n, double p);  // sum |x|^p, any p > 0
  void (*stats)(const float* x, size_t n, StatsPartial* out);
  void (*scale)(float* x, size_t n, float s);             // x *= s
  void (*clamp)(float* x, size_t n, float lo, float hi);  // NaN stays NaN, +-Inf -> hi / lo
};

// The table for `isa` (which must be supported by this CPU).
const NormKernels& norm_kernels(Isa isa);

#define GG_NORM_DECLARE(Enum, ns, ...)                               \
  namespace ns {                                                     \
  double sumsq_f32__##ns(const float* x, size_t n);                  \
  double sumabs_f32__##ns(const float* x, size_t n);                 \
  uint32_t maxabs_f32__##ns(const float* x, size_t n);               \
  void stats_f32__##ns(const float* x, size_t n, StatsPartial* out); \
  void scale_f32__##ns(float* x, size_t n, float s);                 \
  void clamp_f32__##ns(float* x, size_t n, float lo, float hi);      \
  }

// Declared for every ISA of the list; defined where a file <family>_<isa>.cc exists, and
// named only by the table rows of those ISAs.
GG_ISA_LIST(GG_NORM_DECLARE)
#undef GG_NORM_DECLARE

namespace scalar {
double sumpow_f32__scalar(const float* x, size_t n, double p);
}

}  // namespace kernels
}  // namespace gradguard
