#include "kernels/norm/multi_tensor.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/chunk_plan.h"
#include "kernels/norm/norm.h"

namespace gradguard {
namespace kernels {
namespace {

template <typename T>
std::vector<T>& scratch() {
  thread_local std::vector<T> v;
  return v;
}

float bits_to_float(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof(f));
  return f;
}

// p-th root of a sum of |x|^p, for the kinds we special-case.
double root(double sum, double p) {
  if (p == 2.0) return std::sqrt(sum);
  if (p == 1.0) return sum;
  return std::pow(sum, 1.0 / p);
}

// Each chunk's partial of the p-norm (|x|^p summed, or max |x| for p = +Inf) into out[c], for the
// chunks [lo, hi).
void reduce_chunks(const NormKernels& k, const Chunk* chunks, const Span* spans, double p,
                   size_t lo, size_t hi, double* out) {
  const bool inf = std::isinf(p);
  for (size_t c = lo; c < hi; ++c) {
    const Chunk& ch = chunks[c];
    const float* data = spans[ch.tensor].data + ch.offset;
    if (inf) {
      out[c] = bits_to_float(k.max_abs_bits(data, ch.size));
    } else if (p == 2.0) {
      out[c] = k.sum_squares(data, ch.size);
    } else if (p == 1.0) {
      out[c] = k.sum_abs(data, ch.size);
    } else {
      out[c] = k.sum_abs_pow(data, ch.size, p);
    }
  }
}

// The p-norm from the chunk partials, combined in order: per tensor, then over tensors (so the
// bits never depend on which thread computed which partial).
double combine_partials(const ChunkPlan& plan, size_t count, double p, const double* out,
                        double* per_tensor) {
  const Chunk* chunks = plan.chunks.data();
  const size_t nchunks = plan.chunks.size();
  const bool inf = std::isinf(p);
  double total = 0.0;
  bool any_nan = false;
  size_t c = 0;
  for (size_t t = 0; t < count; ++t) {
    double acc = 0.0;
    for (; c < nchunks && chunks[c].tensor == t; ++c) {
      if (inf) {
        if (std::isnan(out[c])) any_nan = true;
        acc = out[c] > acc || std::isnan(out[c]) ? out[c] : acc;
      } else {
        acc += out[c];
      }
    }
    if (per_tensor != nullptr) per_tensor[t] = inf ? acc : root(acc, p);
    if (inf) {
      total = std::isnan(acc) || acc > total ? acc : total;
    } else {
      total += acc;
    }
  }
  if (inf) return any_nan ? std::nan("") : total;
  return root(total, p);
}

// The p-norm over a built plan's chunks (see multi_tensor_norm), blocks handed out dynamically.
double norm_over_plan(const NormKernels& k, const ChunkPlan& plan, const Span* spans, size_t count,
                      double p, double* per_tensor) {
  std::vector<double>& partial = scratch<double>();
  partial.assign(plan.chunks.size(), 0.0);
  const Chunk* chunks = plan.chunks.data();
  double* out = partial.data();
  parallel_for(0, plan.chunks.size(), plan.grain(),
               [&](size_t lo, size_t hi) { reduce_chunks(k, chunks, spans, p, lo, hi, out); });
  return combine_partials(plan, count, p, out, per_tensor);
}

// x *= s over a built plan's chunks.
void scale_over_plan(const NormKernels& k, const ChunkPlan& plan, const Span* spans, float s) {
  const Chunk* chunks = plan.chunks.data();
  parallel_for(0, plan.chunks.size(), plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t c = lo; c < hi; ++c) k.scale(chunk_data(spans, chunks[c]), chunks[c].size, s);
  });
}

// Runs fn(lo, hi) over the plan's chunks cut into the pool's parts (parallel_parts: part i on the
// same thread every time), or over all chunks inline when the plan is too small for the pool.
template <typename F>
void over_parts(const ChunkPlan& plan, const F& fn) {
  if (!plan.parallel()) {
    fn(size_t{0}, plan.chunks.size());
    return;
  }
  parallel_parts([&](size_t part, size_t parts) {
    size_t lo = 0, hi = 0;
    plan.part_range(part, parts, &lo, &hi);
    fn(lo, hi);
  });
}

}  // namespace

double multi_tensor_norm(Isa isa, const Span* spans, size_t count, double p, double* per_tensor) {
  ChunkPlan& plan = chunk_plan_for_this_thread();
  plan.build(spans, count);
  return norm_over_plan(norm_kernels(isa), plan, spans, count, p, per_tensor);
}

void multi_tensor_scale(Isa isa, const Span* spans, size_t count, float s) {
  ChunkPlan& plan = chunk_plan_for_this_thread();
  plan.build(spans, count);
  scale_over_plan(norm_kernels(isa), plan, spans, s);
}

// The clip's two passes run over the same parts (each thread reads, then scales, the same chunks,
// so what the read pass left in its core's caches is reused) and the scaling pass walks each part
// backwards: the chunks read last, still in the L2 and last-level caches, are scaled first, before
// the rest of the pass evicts them. The partials and the order they are combined in are those of
// multi_tensor_norm, so the total has the same bits for any thread count.
Status multi_tensor_clip_by_norm(Isa isa, const Span* spans, size_t count, double max_norm,
                                 double p, bool error_if_nonfinite, double* total_norm,
                                 double* per_tensor) {
  const NormKernels& k = norm_kernels(isa);
  ChunkPlan& plan = chunk_plan_for_this_thread();
  plan.build(spans, count);
  std::vector<double>& partial = scratch<double>();
  partial.assign(plan.chunks.size(), 0.0);
  const Chunk* chunks = plan.chunks.data();
  double* out = partial.data();
  over_parts(plan, [&](size_t lo, size_t hi) { reduce_chunks(k, chunks, spans, p, lo, hi, out); });
  const double total = combine_partials(plan, count, p, out, per_tensor);
  *total_norm = total;
  if (error_if_nonfinite && !std::isfinite(total)) return Status::kNonFinite;
  const double coef = clip_coefficient(max_norm, total);
  if (coef >= 1.0) return Status::kOk;  // no clipping: the read pass was all
  const float s = static_cast<float>(coef);
  over_parts(plan, [&](size_t lo, size_t hi) {
    for (size_t c = hi; c-- > lo;) k.scale(chunk_data(spans, chunks[c]), chunks[c].size, s);
  });
  return Status::kOk;
}

void multi_tensor_clamp(Isa isa, const Span* spans, size_t count, float lo_v, float hi_v) {
  const NormKernels& k = norm_kernels(isa);
  ChunkPlan& plan = chunk_plan_for_this_thread();
  plan.build(spans, count);
  const Chunk* chunks = plan.chunks.data();
  parallel_for(0, plan.chunks.size(), plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t c = lo; c < hi; ++c) {
      k.clamp(chunk_data(spans, chunks[c]), chunks[c].size, lo_v, hi_v);
    }
  });
}

GradStats multi_tensor_stats(Isa isa, const Span* spans, size_t count, double* per_tensor_norm) {
  const NormKernels& k = norm_kernels(isa);
  ChunkPlan& plan = chunk_plan_for_this_thread();
  plan.build(spans, count);
  const size_t nchunks = plan.chunks.size();
  std::vector<StatsPartial>& partial = scratch<StatsPartial>();
  partial.assign(nchunks, StatsPartial{});
  const Chunk* chunks = plan.chunks.data();
  StatsPartial* out = partial.data();
  parallel_for(0, nchunks, plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t c = lo; c < hi; ++c) k.stats(chunk_data(spans, chunks[c]), chunks[c].size, &out[c]);
  });

  GradStats r;
  double total = 0.0;
  uint32_t max_bits = 0;
  size_t c = 0;
  for (size_t t = 0; t < count; ++t) {
    double acc = 0.0;
    uint64_t bad = 0;
    for (; c < nchunks && chunks[c].tensor == t; ++c) {
      acc += out[c].sum_squares;
      bad += out[c].nonfinite;
      max_bits = out[c].max_abs_bits > max_bits ? out[c].max_abs_bits : max_bits;
    }
    if (per_tensor_norm != nullptr) per_tensor_norm[t] = std::sqrt(acc);
    if (bad > 0 && r.first_nonfinite < 0) r.first_nonfinite = static_cast<int64_t>(t);
    r.nonfinite += bad;
    total += acc;
  }
  r.total_norm = std::sqrt(total);
  r.max_abs = bits_to_float(max_bits);
  return r;
}

double clip_coefficient(double max_norm, double total_norm) {
  const double coef = max_norm / (total_norm + 1e-6);
  return coef > 1.0 ? 1.0 : coef;  // NaN fails the comparison and stays NaN
}

}  // namespace kernels
}  // namespace gradguard
