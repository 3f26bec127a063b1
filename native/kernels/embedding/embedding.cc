// Threaded embedding drivers (embedding.h). The forward copies rows for blocks of positions; the
// backward gives each thread a block of table rows, which it zeroes (unless accumulating) and then
// fills by scanning every index in position order, adding the positions that land in its rows. No
// two threads write one row, and each row's sum has one fixed order: bit-identical to the
// single-threaded reference for any thread count. A row's add loop vectorises at baseline flags.
#include "kernels/embedding/embedding.h"

#include <cstring>

#include "core/thread_pool.h"

namespace gradguard {
namespace kernels {
namespace {

// Elements per parallel block: below this a task costs more than it saves.
constexpr size_t kBlockElements = size_t{1} << 15;

size_t grain_for(size_t per_item) {
  const size_t g = kBlockElements / (per_item + 1);
  return g > 0 ? g : 1;
}

}  // namespace

Status embedding_forward_f32(const int32_t* idx, size_t n, const float* w, size_t num, size_t dim,
                             float* y) {
  if (embedding_first_bad_index(idx, n, num) != n) return Status::kInvalidArgument;
  if (n == 0 || dim == 0) return Status::kOk;
  parallel_for(0, n, grain_for(dim), [&](size_t lo, size_t hi) {
    for (size_t p = lo; p < hi; ++p) {
      std::memcpy(y + p * dim, w + static_cast<size_t>(idx[p]) * dim, dim * sizeof(float));
    }
  });
  return Status::kOk;
}

Status embedding_backward_f32(const int32_t* idx, size_t n, const float* gy, size_t num, size_t dim,
                              long padding_idx, bool accumulate, float* gw) {
  if (embedding_first_bad_index(idx, n, num) != n) return Status::kInvalidArgument;
  if (num == 0 || dim == 0) return Status::kOk;
  // A few blocks per thread: every block scans all n indices, so many small blocks would cost more
  // in scans than they save; small tables stay on one thread.
  const size_t threads = static_cast<size_t>(num_threads());
  size_t grain = (num + 4 * threads - 1) / (4 * threads);
  if (grain < grain_for(dim)) grain = grain_for(dim);
  parallel_for(0, num, grain, [&](size_t lo, size_t hi) {
    if (!accumulate) std::memset(gw + lo * dim, 0, (hi - lo) * dim * sizeof(float));
    for (size_t p = 0; p < n; ++p) {
      const long r = idx[p];
      if (r < static_cast<long>(lo) || r >= static_cast<long>(hi) || r == padding_idx) continue;
      float* __restrict row = gw + static_cast<size_t>(r) * dim;
      const float* __restrict src = gy + p * dim;
      for (size_t j = 0; j < dim; ++j) row[j] += src[j];
    }
  });
  return Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
