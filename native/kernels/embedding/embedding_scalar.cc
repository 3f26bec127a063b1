// Single-threaded reference of the embedding kernels (embedding.h): a row copy per position; the
// backward adds float32 in position order, as PyTorch's CPU embedding_backward does per row. Exact
// for the forward; the threaded driver (embedding.cc) must match the backward bit for bit.
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kernels/embedding/embedding.h"

namespace gradguard {
namespace kernels {
namespace scalar {

Status embedding_forward_ref__scalar(const int32_t* idx, size_t n, const float* w, size_t num,
                                     size_t dim, float* y) {
  if (embedding_first_bad_index(idx, n, num) != n) return Status::kInvalidArgument;
  for (size_t p = 0; p < n; ++p) {
    for (size_t j = 0; j < dim; ++j) y[p * dim + j] = w[static_cast<size_t>(idx[p]) * dim + j];
  }
  return Status::kOk;
}

Status embedding_backward_ref__scalar(const int32_t* idx, size_t n, const float* gy, size_t num,
                                      size_t dim, long padding_idx, bool accumulate, float* gw) {
  if (embedding_first_bad_index(idx, n, num) != n) return Status::kInvalidArgument;
  if (!accumulate) {
    for (size_t i = 0; i < num * dim; ++i) gw[i] = 0.0f;
  }
  for (size_t p = 0; p < n; ++p) {
    if (idx[p] == padding_idx) continue;
    float* row = gw + static_cast<size_t>(idx[p]) * dim;
    for (size_t j = 0; j < dim; ++j) row[j] += gy[p * dim + j];
  }
  return Status::kOk;
}

// The base streaming row store: 16-byte streaming stores where the baseline has SSE2 (x86-64),
// plain stores elsewhere (AArch64: the NEON slot runs this too).
void embedding_stream_row__scalar(float* dst, const float* src, size_t n, bool add_zero) {
  size_t j = 0;
#if defined(__SSE2__)
  for (; j < n && (reinterpret_cast<uintptr_t>(dst + j) & 15) != 0; ++j) {
    dst[j] = src == nullptr ? 0.0f : add_zero ? src[j] + 0.0f : src[j];
  }
  const __m128 zero = _mm_setzero_ps();
  if (src == nullptr) {
    for (; j + 4 <= n; j += 4) _mm_stream_ps(dst + j, zero);
  } else if (add_zero) {
    for (; j + 4 <= n; j += 4) _mm_stream_ps(dst + j, _mm_add_ps(_mm_loadu_ps(src + j), zero));
  } else {
    for (; j + 4 <= n; j += 4) _mm_stream_ps(dst + j, _mm_loadu_ps(src + j));
  }
#endif
  for (; j < n; ++j) dst[j] = src == nullptr ? 0.0f : add_zero ? src[j] + 0.0f : src[j];
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
