#include "kernels/norm/agc.h"

#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/norm/norm.h"

namespace gradguard {
namespace kernels {
namespace {

struct Unit {
  const float* param;
  float* grad;
  size_t size;
};

}  // namespace

void agc_clip(Isa isa, const Span* params, const Span* grads, const uint32_t* units, size_t count,
              double clipping, double eps) {
  const NormKernels& k = norm_kernels(isa);
  thread_local std::vector<Unit> list;
  list.clear();
  size_t elements = 0;
  for (size_t t = 0; t < count; ++t) {
    if (params[t].size == 0) continue;
    const size_t u = units[t];
    const size_t len = params[t].size / u;
    for (size_t i = 0; i < u; ++i) {
      list.push_back(Unit{params[t].data + i * len, grads[t].data + i * len, len});
    }
    elements += params[t].size;
  }
  const Unit* us = list.data();
  // Each unit is independent, so any partition gives the same result.
  const size_t grain = elements < (size_t{1} << 16) ? list.size() + 1 : (list.size() / 64 + 1);
  parallel_for(0, list.size(), grain, [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const double wn = std::sqrt(k.sum_squares(us[i].param, us[i].size));
      const double gn = std::sqrt(k.sum_squares(us[i].grad, us[i].size));
      const double max_norm = clipping * (wn > eps ? wn : eps);
      if (gn > max_norm) {
        const double s = max_norm / (gn > 1e-6 ? gn : 1e-6);
        k.scale(us[i].grad, us[i].size, static_cast<float>(s));
      }
    }
  });
}

}  // namespace kernels
}  // namespace gradguard
