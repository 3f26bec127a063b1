// Embedding lookup and its dense backward (PyTorch 1.13 F.embedding / embedding_backward): rows of
// a [num, dim] table gathered by int32 indices; the backward adds gradient rows into the table's
// gradient in position order. Every index is checked against [0, num) before anything is written
// (kInvalidArgument otherwise: never a read or write outside the table). Threaded, and the same
// bits for any thread count: the forward splits positions, the backward splits the table's rows,
// and each thread scans every index in order, so a row's sum always runs in position order.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dispatch.h"
#include "core/status.h"

namespace gradguard {
namespace kernels {

// The first position whose index is outside [0, num), or n when every index is in range.
inline size_t embedding_first_bad_index(const int32_t* idx, size_t n, size_t num) {
  for (size_t p = 0; p < n; ++p) {
    if (idx[p] < 0 || static_cast<size_t>(idx[p]) >= num) return p;
  }
  return n;
}

// y[p] = w[idx[p]] (an exact copy), y [n, dim]. `isa` picks the streaming row store (the values
// are the same on every ISA; only the store width differs).
Status embedding_forward_f32(Isa isa, const int32_t* idx, size_t n, const float* w, size_t num,
                             size_t dim, float* y);

// gw (+)= sum over p of gy[p] into row idx[p], float32 adds in position order; the padding_idx row
// (-1: none) gets nothing: zero, or left as it was when accumulate.
Status embedding_backward_f32(Isa isa, const int32_t* idx, size_t n, const float* gy, size_t num,
                              size_t dim, long padding_idx, bool accumulate, float* gw);

// The per-ISA streaming row store, for outputs too large for the caches: dst[0, n) = src[j] exact
// (add_zero false), src[j] + 0.0f (add_zero true: -0 becomes +0, as 0 + -0 does), or +0 (src
// null), written with non-temporal stores where the ISA has them. The caller fences (_mm_sfence)
// before publishing. Full 64-byte stores matter: a line filled by four 16-byte streaming stores
// costs far more than one filled by a single 64-byte store (see embedding_avx512.cc).
using EmbeddingStreamRowFn = void (*)(float* dst, const float* src, size_t n, bool add_zero);
EmbeddingStreamRowFn embedding_stream_row_kernel(Isa isa);

#define GG_EMBEDDING_DECLARE(Enum, ns, ...)                                               \
  namespace ns {                                                                          \
  void embedding_stream_row__##ns(float* dst, const float* src, size_t n, bool add_zero); \
  }

GG_ISA_LIST(GG_EMBEDDING_DECLARE)
#undef GG_EMBEDDING_DECLARE

namespace scalar {
// Single-threaded references of the two above (the same arithmetic, one loop each).
Status embedding_forward_ref__scalar(const int32_t* idx, size_t n, const float* w, size_t num,
                                     size_t dim, float* y);
Status embedding_backward_ref__scalar(const int32_t* idx, size_t n, const float* gy, size_t num,
                                      size_t dim, long padding_idx, bool accumulate, float* gw);
}  // namespace scalar

}  // namespace kernels
}  // namespace gradguard
