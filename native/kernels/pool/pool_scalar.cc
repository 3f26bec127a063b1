// Reference pooling kernels (pool.h): one output element at a time in row-major window order;
// float64 window sums for the average; compiled with -ffp-contract=off. Matches PyTorch 1.13's
// CPU kernels except that with two NaNs in one window the first wins (PyTorch: the last).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/pool/pool.h"

namespace gradguard {
namespace kernels {
namespace scalar {

void max_window(const float* x, const PoolGeometry& g, size_t i, size_t j, float* y, int32_t* idx) {
  const long hs = static_cast<long>(i * g.sh) - static_cast<long>(g.ph);
  const long ws = static_cast<long>(j * g.sw) - static_cast<long>(g.pw);
  const long H = static_cast<long>(g.h), W = static_cast<long>(g.w);
  float best = -std::numeric_limits<float>::infinity();
  long at = -1;
  for (size_t a = 0; a < g.kh; ++a) {
    const long r = hs + static_cast<long>(a * g.dh);
    if (r < 0 || r >= H) continue;
    for (size_t b = 0; b < g.kw; ++b) {
      const long c = ws + static_cast<long>(b * g.dw);
      if (c < 0 || c >= W) continue;
      const float v = x[r * W + c];
      // The first valid element starts the search; then a strictly larger value, or the first
      // NaN over a number, takes over.
      if (at < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
        best = v;
        at = r * W + c;
      }
    }
  }
  y[i * g.ow + j] = best;
  if (idx) idx[i * g.ow + j] = static_cast<int32_t>(at);
}

void avg_window(const float* x, const PoolGeometry& g, bool include_pad, size_t i, size_t j,
                float* y) {
  const long hs = static_cast<long>(i * g.sh) - static_cast<long>(g.ph);
  const long ws = static_cast<long>(j * g.sw) - static_cast<long>(g.pw);
  const long he = std::min(hs + static_cast<long>(g.kh), static_cast<long>(g.h + g.ph));
  const long we = std::min(ws + static_cast<long>(g.kw), static_cast<long>(g.w + g.pw));
  const long r0 = std::max(hs, 0L), r1 = std::min(he, static_cast<long>(g.h));
  const long c0 = std::max(ws, 0L), c1 = std::min(we, static_cast<long>(g.w));
  double sum = 0.0;
  for (long r = r0; r < r1; ++r) {
    for (long c = c0; c < c1; ++c) sum += x[r * static_cast<long>(g.w) + c];
  }
  const long div = include_pad ? (he - hs) * (we - ws) : (r1 - r0) * (c1 - c0);
  y[i * g.ow + j] = static_cast<float>(sum / static_cast<double>(div));
}

void max_plane__scalar(const float* x, const PoolGeometry& g, float* y, int32_t* idx) {
  for (size_t i = 0; i < g.oh; ++i) {
    for (size_t j = 0; j < g.ow; ++j) max_window(x, g, i, j, y, idx);
  }
}

void avg_plane__scalar(const float* x, const PoolGeometry& g, bool include_pad, float* y) {
  for (size_t i = 0; i < g.oh; ++i) {
    for (size_t j = 0; j < g.ow; ++j) avg_window(x, g, include_pad, i, j, y);
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
