// Threaded embedding drivers (embedding.h). The forward copies rows for blocks of positions; the
// backward gives each thread a block of table rows, which it fills by scanning every index in
// position order, adding the positions that land in its rows (the first one copied when
// overwriting), then zeroing the rows no position reached. No
// two threads write one row, and each row's sum has one fixed order: bit-identical to the
// single-threaded reference for any thread count. A row's add loop vectorises at baseline flags;
// outputs too large for the caches go out through the ISA's streaming row store (dispatch table).
#include "kernels/embedding/embedding.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/memory.h"
#include "core/thread_pool.h"

namespace gradguard {
namespace kernels {
namespace {

// Elements per parallel block: below this a task costs more than it saves.
constexpr size_t kBlockElements = size_t{1} << 15;

// Per-thread flags (one byte per table row of a block) for the backward's first-hit copy.
thread_local ScratchBuffer t_seen;

// Outputs larger than this are written with non-temporal stores: they do not fit the caches anyway,
// and a streaming store skips reading each line before writing it (a third of the traffic here).
constexpr size_t kStreamBytes = size_t{4} << 20;

// Orders this thread's streaming stores before the pool's join publishes the results.
inline void stream_fence(bool stream) {
#if defined(__SSE2__)
  if (stream) _mm_sfence();
#else
  (void)stream;
#endif
}

size_t grain_for(size_t per_item) {
  const size_t g = kBlockElements / (per_item + 1);
  return g > 0 ? g : 1;
}

}  // namespace

Status embedding_forward_f32(Isa isa, const int32_t* idx, size_t n, const float* w, size_t num,
                             size_t dim, float* y) {
  if (embedding_first_bad_index(idx, n, num) != n) return Status::kInvalidArgument;
  if (n == 0 || dim == 0) return Status::kOk;
  const bool stream = n * dim * sizeof(float) >= kStreamBytes;
  const EmbeddingStreamRowFn put_row = embedding_stream_row_kernel(isa);
  parallel_for(0, n, grain_for(dim), [&](size_t lo, size_t hi) {
    for (size_t p = lo; p < hi; ++p) {
      if (stream) {
        // w's rows are copied bit for bit (no + 0.0f, which would turn -0 into +0)
        put_row(y + p * dim, w + static_cast<size_t>(idx[p]) * dim, dim, false);
      } else {
        std::memcpy(y + p * dim, w + static_cast<size_t>(idx[p]) * dim, dim * sizeof(float));
      }
    }
    stream_fence(stream);
  });
  return Status::kOk;
}

Status embedding_backward_f32(Isa isa, const int32_t* idx, size_t n, const float* gy, size_t num,
                              size_t dim, long padding_idx, bool accumulate, float* gw) {
  if (embedding_first_bad_index(idx, n, num) != n) return Status::kInvalidArgument;
  if (num == 0 || dim == 0) return Status::kOk;
  // A few blocks per thread: every block scans all n indices, so many small blocks would cost more
  // in scans than they save; small tables stay on one thread.
  const size_t threads = static_cast<size_t>(num_threads());
  size_t grain = (num + 4 * threads - 1) / (4 * threads);
  if (grain < grain_for(dim)) grain = grain_for(dim);
  const bool stream = !accumulate && num * dim * sizeof(float) >= kStreamBytes;
  const EmbeddingStreamRowFn put_row = embedding_stream_row_kernel(isa);
  parallel_for(0, num, grain, [&](size_t lo, size_t hi) {
    // Overwriting: a row's first position is copied (+ 0.0f, so -0 becomes +0 exactly as 0 + -0
    // does in the reference) and only the rows no position reaches are zeroed afterwards, which
    // saves zeroing and re-reading every hit row. Without the flag scratch, zero everything first.
    uint8_t* seen =
        accumulate ? nullptr : reinterpret_cast<uint8_t*>(t_seen.get((hi - lo) / 4 + 1));
    if (!accumulate && seen == nullptr)
      std::memset(gw + lo * dim, 0, (hi - lo) * dim * sizeof(float));
    if (seen != nullptr) std::memset(seen, 0, hi - lo);
    for (size_t p = 0; p < n; ++p) {
      const long r = idx[p];
      if (r < static_cast<long>(lo) || r >= static_cast<long>(hi) || r == padding_idx) continue;
      float* __restrict row = gw + static_cast<size_t>(r) * dim;
      const float* __restrict src = gy + p * dim;
      if (seen != nullptr && !seen[r - lo]) {
        seen[r - lo] = 1;
        if (stream) {
          put_row(row, src, dim, true);
        } else {
          for (size_t j = 0; j < dim; ++j) row[j] = src[j] + 0.0f;
        }
      } else {
        for (size_t j = 0; j < dim; ++j) row[j] += src[j];
      }
    }
    if (seen == nullptr) return;
    for (size_t r = lo; r < hi;) {
      if (seen[r - lo]) {
        ++r;
        continue;
      }
      size_t end = r + 1;  // a run of rows nothing reached
      while (end < hi && !seen[end - lo]) ++end;
      if (stream) {
        put_row(gw + r * dim, nullptr, (end - r) * dim, false);
      } else {
        std::memset(gw + r * dim, 0, (end - r) * dim * sizeof(float));
      }
      r = end;
    }
    stream_fence(stream);
  });
  return Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
