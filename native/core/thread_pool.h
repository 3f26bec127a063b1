// One persistent thread pool per process, shared by every Node.js environment (worker_threads) that
// loads the addon. Sized to the usable cores (GRADGUARD_THREADS or set_num_threads() override).
//
// parallel_for is NOT re-entrant: a call made from inside a task runs inline on that thread. Calls
// from different threads (several worker_threads, async workers) take turns on the pool.
// Determinism is the caller's job: fn(lo, hi) may see any partition of [begin, end), so the result
// for each index must not depend on which thread ran it or with which neighbours (reductions write
// one partial per fixed-size chunk and combine the partials in order afterwards).
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>

namespace gradguard {

// Threads that take part in a parallel_for, the calling thread included (>= 1).
int num_threads();
// Resizes the pool; n is clamped to [1, 1024]. Waits for a running parallel_for to finish.
void set_num_threads(int n);
// Usable cores of this process (CPU affinity mask), >= 1.
int usable_cores();

using RangeFn = void (*)(void* ctx, size_t lo, size_t hi);
void parallel_for_impl(size_t begin, size_t end, size_t grain, RangeFn fn, void* ctx);

// Calls fn(lo, hi) on disjoint blocks of at most `grain` indices covering [begin, end). Runs inline
// when there is a single block, one thread, or when called from inside a task. An exception thrown
// by fn (std::bad_alloc, say) on any thread skips the blocks not yet started and is rethrown here,
// on the calling thread, once every running block has finished: escaping a pool thread it would
// terminate the process.
template <typename F>
void parallel_for(size_t begin, size_t end, size_t grain, const F& fn) {
  struct Ctx {
    const F* fn;
    std::atomic<bool> failed{false};
    std::exception_ptr error{};
  } ctx{&fn};
  parallel_for_impl(
      begin, end, grain,
      [](void* p, size_t lo, size_t hi) {
        Ctx* c = static_cast<Ctx*>(p);
        if (c->failed.load(std::memory_order_relaxed)) return;
        try {
          (*c->fn)(lo, hi);
        } catch (...) {
          if (!c->failed.exchange(true)) c->error = std::current_exception();
        }
      },
      &ctx);
  if (ctx.error) std::rethrow_exception(ctx.error);
}

}  // namespace gradguard
