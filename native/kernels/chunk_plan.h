// The fixed-chunk work list shared by the multi-tensor drivers: every tensor is cut into chunks of
// kChunk elements, in tensor order. Chunks never depend on the thread count, so per-chunk partials
// combined in order are bit-identical for any number of threads.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/norm/multi_tensor.h"

namespace gradguard {
namespace kernels {

struct Chunk {
  size_t tensor;  // index into the span list
  size_t offset;  // first element within that tensor
  size_t size;    // elements, at most kChunk
  size_t first;   // elements of all chunks before this one (its position in the whole list)
};

struct ChunkPlan {
  std::vector<Chunk> chunks;
  size_t elements = 0;

  void build(const Span* spans, size_t count) {
    chunks.clear();
    elements = 0;
    for (size_t t = 0; t < count; ++t) {
      elements += spans[t].size;
      for (size_t off = 0; off < spans[t].size; off += kChunk) {
        const size_t len = spans[t].size - off < kChunk ? spans[t].size - off : kChunk;
        chunks.push_back(Chunk{t, off, len, elements - spans[t].size + off});
      }
    }
  }

  // Whether a pass over the plan is worth a parallel region (else run it inline).
  bool parallel() const { return elements >= kParallelMinElements; }

  // The chunks [*lo, *hi) of part `part` of `parts`: contiguous runs of about elements / parts
  // elements each, cut at chunk boundaries, covering every chunk once over the parts. The cut
  // depends on the plan and `parts` only, so two passes with the same parts cut alike.
  void part_range(size_t part, size_t parts, size_t* lo, size_t* hi) const {
    *lo = first_chunk_at(elements / parts * part + elements % parts * part / parts);
    *hi =
        part + 1 == parts
            ? chunks.size()
            : first_chunk_at(elements / parts * (part + 1) + elements % parts * (part + 1) / parts);
  }

  // Block size for parallel_for: one block (inline) below kParallelMinElements, else about 64.
  size_t grain() const {
    if (!parallel()) return chunks.size() + 1;
    const size_t g = chunks.size() / 64;
    return g > 0 ? g : 1;
  }

 private:
  static constexpr size_t kParallelMinElements = size_t{1} << 16;  // waking the pool costs more

  // Index of the first chunk that starts at or after element e (chunks.size() if none).
  size_t first_chunk_at(size_t e) const {
    size_t lo = 0, hi = chunks.size();
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (chunks[mid].first < e)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }
};

// A plan reused by each calling thread, so a steady-state step allocates nothing. Not re-entrant:
// build it, use it, and do not call another multi-tensor driver in between.
inline ChunkPlan& chunk_plan_for_this_thread() {
  thread_local ChunkPlan plan;
  return plan;
}

// Pointer to a chunk's first element in span list `s` (nullptr when the list is absent).
inline float* chunk_data(const Span* s, const Chunk& c) {
  return s == nullptr ? nullptr : s[c.tensor].data + c.offset;
}

}  // namespace kernels
}  // namespace gradguard
