#include "kernels/norm/multi_tensor.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/norm/norm.h"

namespace gradguard {
namespace kernels {
namespace {

// Below this many elements a call stays on the calling thread (waking the pool costs more).
constexpr size_t kParallelMinElements = size_t{1} << 16;

struct Chunk {
  const float* data;
  size_t size;
  size_t tensor;
};

// The chunk list of a call; reused per calling thread so a steady-state step allocates nothing.
struct ChunkPlan {
  std::vector<Chunk> chunks;
  size_t elements = 0;

  void build(const Span* spans, size_t count) {
    chunks.clear();
    elements = 0;
    for (size_t t = 0; t < count; ++t) {
      const Span& s = spans[t];
      elements += s.size;
      for (size_t off = 0; off < s.size; off += kChunk) {
        const size_t len = s.size - off < kChunk ? s.size - off : kChunk;
        chunks.push_back(Chunk{s.data + off, len, t});
      }
    }
  }

  // Block size for parallel_for: one block (inline) for small work, else a few blocks per thread.
  size_t grain() const {
    if (elements < kParallelMinElements) return chunks.size() + 1;
    const size_t g = chunks.size() / 64;
    return g > 0 ? g : 1;
  }
};

ChunkPlan& plan_for_this_thread() {
  thread_local ChunkPlan plan;
  return plan;
}

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

}  // namespace

double multi_tensor_norm(Isa isa, const Span* spans, size_t count, double p, double* per_tensor) {
  const NormKernels& k = norm_kernels(isa);
  ChunkPlan& plan = plan_for_this_thread();
  plan.build(spans, count);
  const size_t nchunks = plan.chunks.size();
  std::vector<double>& partial = scratch<double>();
  partial.assign(nchunks, 0.0);
  const Chunk* chunks = plan.chunks.data();
  double* out = partial.data();
  const bool inf = std::isinf(p);

  parallel_for(0, nchunks, plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t c = lo; c < hi; ++c) {
      const Chunk& ch = chunks[c];
      if (inf) {
        out[c] = bits_to_float(k.max_abs_bits(ch.data, ch.size));
      } else if (p == 2.0) {
        out[c] = k.sum_squares(ch.data, ch.size);
      } else if (p == 1.0) {
        out[c] = k.sum_abs(ch.data, ch.size);
      } else {
        out[c] = k.sum_abs_pow(ch.data, ch.size, p);
      }
    }
  });

  // Combine in order: per tensor, then over tensors.
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

void multi_tensor_scale(Isa isa, const Span* spans, size_t count, float s) {
  const NormKernels& k = norm_kernels(isa);
  ChunkPlan& plan = plan_for_this_thread();
  plan.build(spans, count);
  const Chunk* chunks = plan.chunks.data();
  parallel_for(0, plan.chunks.size(), plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t c = lo; c < hi; ++c) k.scale(const_cast<float*>(chunks[c].data), chunks[c].size, s);
  });
}

void multi_tensor_clamp(Isa isa, const Span* spans, size_t count, float lo_v, float hi_v) {
  const NormKernels& k = norm_kernels(isa);
  ChunkPlan& plan = plan_for_this_thread();
  plan.build(spans, count);
  const Chunk* chunks = plan.chunks.data();
  parallel_for(0, plan.chunks.size(), plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t c = lo; c < hi; ++c) {
      k.clamp(const_cast<float*>(chunks[c].data), chunks[c].size, lo_v, hi_v);
    }
  });
}

GradStats multi_tensor_stats(Isa isa, const Span* spans, size_t count, double* per_tensor_norm) {
  const NormKernels& k = norm_kernels(isa);
  ChunkPlan& plan = plan_for_this_thread();
  plan.build(spans, count);
  const size_t nchunks = plan.chunks.size();
  std::vector<StatsPartial>& partial = scratch<StatsPartial>();
  partial.assign(nchunks, StatsPartial{});
  const Chunk* chunks = plan.chunks.data();
  StatsPartial* out = partial.data();
  parallel_for(0, nchunks, plan.grain(), [&](size_t lo, size_t hi) {
    for (size_t c = lo; c < hi; ++c) k.stats(chunks[c].data, chunks[c].size, &out[c]);
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
