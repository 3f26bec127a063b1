#include "kernels/optim/multi_tensor_optim.h"

#include <vector>

#include "core/thread_pool.h"

namespace gradguard {
namespace kernels {
namespace {

// Below this many elements a step stays on the calling thread (waking the pool costs more).
constexpr size_t kParallelMinElements = size_t{1} << 16;

struct Piece {
  size_t tensor;
  size_t offset;
  size_t size;
};

// The chunk list of a call; reused per calling thread so a steady-state step allocates nothing.
struct Plan {
  std::vector<Piece> pieces;
  size_t elements = 0;

  void build(const Span* spans, size_t count) {
    pieces.clear();
    elements = 0;
    for (size_t t = 0; t < count; ++t) {
      elements += spans[t].size;
      for (size_t off = 0; off < spans[t].size; off += kChunk) {
        const size_t len = spans[t].size - off < kChunk ? spans[t].size - off : kChunk;
        pieces.push_back(Piece{t, off, len});
      }
    }
  }

  size_t grain() const {
    if (elements < kParallelMinElements) return pieces.size() + 1;
    const size_t g = pieces.size() / 64;
    return g > 0 ? g : 1;
  }
};

Plan& plan_for_this_thread() {
  thread_local Plan plan;
  return plan;
}

bool same_sizes(const Span* a, const Span* b, size_t count) {
  if (b == nullptr) return true;
  for (size_t t = 0; t < count; ++t) {
    if (a[t].size != b[t].size) return false;
  }
  return true;
}

inline float* at(const Span* s, const Piece& pc) {
  return s == nullptr ? nullptr : s[pc.tensor].data + pc.offset;
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
  Plan& plan = plan_for_this_thread();
  plan.build(params, count);
  const Piece* pieces = plan.pieces.data();
  parallel_for(0, plan.pieces.size(), plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const Piece& pc = pieces[i];
      k.sgd(at(params, pc), at(grads, pc), c.momentum != 0.f ? at(bufs, pc) : nullptr, pc.size, c);
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
  Plan& plan = plan_for_this_thread();
  plan.build(params, count);
  const Piece* pieces = plan.pieces.data();
  parallel_for(0, plan.pieces.size(), plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const Piece& pc = pieces[i];
      k.adam(at(params, pc), at(grads, pc), at(m, pc), at(v, pc),
             c.amsgrad ? at(vmax, pc) : nullptr, pc.size, c);
    }
  });
  return Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
