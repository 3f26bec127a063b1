// The reference transposing pack (attention_pack.h): blocks of 8 depth steps, each source row's 8
// contiguous floats written to 8 panel rows (a plain i/p double loop would stride through the
// whole panel once per source row).
#include <cstring>

#include "kernels/attention/attention_pack.h"

namespace gradguard {
namespace kernels {
namespace scalar {

void att_pack_rows__scalar(const float* src, size_t ld, size_t rows, size_t depth, size_t w,
                           float* dst) {
  for (size_t r0 = 0; r0 < rows; r0 += w) {
    float* panel = dst + (r0 / w) * depth * w;
    const size_t n = rows - r0 < w ? rows - r0 : w;
    if (n < w && depth > 0) std::memset(panel, 0, depth * w * sizeof(float));
    size_t p0 = 0;
    for (; p0 + 8 <= depth; p0 += 8) {
      for (size_t i = 0; i < n; ++i) {
        const float* s = src + (r0 + i) * ld + p0;
        float* d = panel + p0 * w + i;
        for (size_t p = 0; p < 8; ++p) d[p * w] = s[p];
      }
    }
    for (size_t i = 0; i < n; ++i) {
      const float* s = src + (r0 + i) * ld;
      for (size_t p = p0; p < depth; ++p) panel[p * w + i] = s[p];
    }
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
