#include "kernels/optim/multi_tensor_optim.h"

#include <vector>

#include "core/thread_pool.h"
#include "kernels/chunk_plan.h"

namespace gradguard {
namespace kernels {
namespace {

bool same_sizes(const Span* a, const Span* b, size_t count) {
  if (b == nullptr) return true;
  for (size_t t = 0; t < count; ++t) {
    if (a[t].size != b[t].size) return false;
  }
  return true;
}

}  // namespace

Status multi_tensor_sgd(Isa isa, const Span* params, const Span* grads, const Span* bufs,
                        size_t count, const SgdConsts& c) {
  if (count == 0) return Status::kOk;
  if (!same_sizes(params, grads, count) || !same_sizes(params, bufs, count)) {
    return Status::kInvalidArgument;
  }
  if (c.momentum != 0.f && bufs == nullptr) return Status::kInvalidArgument;
  const OptimKernels& k = optim_kernels(isa);
  ChunkPlan& plan = chunk_plan_for_this_thread();
  plan.build(params, count);
  const Chunk* chunks = plan.chunks.data();
  parallel_for(0, plan.chunks.size(), plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const Chunk& pc = chunks[i];
      k.sgd(chunk_data(params, pc), chunk_data(grads, pc),
            c.momentum != 0.f ? chunk_data(bufs, pc) : nullptr, pc.size, c);
    }
  });
  return Status::kOk;
}

Status multi_tensor_adam(Isa isa, const Span* params, const Span* grads, const Span* m,
                         const Span* v, const Span* vmax, size_t count, const AdamConsts& c) {
  if (count == 0) return Status::kOk;
  if (grads == nullptr || m == nullptr || v == nullptr || (c.amsgrad && vmax == nullptr)) {
    return Status::kInvalidArgument;
  }
  if (!same_sizes(params, grads, count) || !same_sizes(params, m, count) ||
      !same_sizes(params, v, count) || !same_sizes(params, c.amsgrad ? vmax : nullptr, count)) {
    return Status::kInvalidArgument;
  }
  const OptimKernels& k = optim_kernels(isa);
  ChunkPlan& plan = chunk_plan_for_this_thread();
  plan.build(params, count);
  const Chunk* chunks = plan.chunks.data();
  parallel_for(0, plan.chunks.size(), plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const Chunk& pc = chunks[i];
      k.adam(chunk_data(params, pc), chunk_data(grads, pc), chunk_data(m, pc), chunk_data(v, pc),
             c.amsgrad ? chunk_data(vmax, pc) : nullptr, pc.size, c);
    }
  });
  return Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
