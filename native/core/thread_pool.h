// One persistent thread pool per process, shared by every Node.js environment (worker_threads) that
// loads the addon. Sized to the usable cores (GRADGUARD_THREADS or set_num_threads() override).
//
// Nested calls are safe: parallel_for / parallel_parts made from inside a task run inline on that
// thread, num_threads() never blocks (inside a task it answers 1, the threads a nested region gets)
// and set_num_threads() from inside a task does nothing (it returns false). Calls from different
// threads (several worker_threads, async workers) take turns on the pool.
// Between jobs a worker polls for the next one for up to half a millisecond (yielding its core
// every few microseconds, so a thread sharing that core is not held up), then sleeps: an idle pool
// uses no CPU, and the parallel regions of a training step find their workers awake.
// Determinism is the caller's job: fn(lo, hi) may see any partition of [begin, end), so the result
// for each index must not depend on which thread ran it or with which neighbours (reductions write
// one partial per fixed-size chunk and combine the partials in order afterwards).
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>

namespace gradguard {

// Threads that take part in a parallel_for called from here, the calling thread included (>= 1):
// the pool's size, or 1 inside a task (nested regions run inline). Never waits for a running job.
int num_threads();
// Resizes the pool; n is clamped to [1, 1024]. Waits for a running parallel_for to finish. Inside a
// task (where waiting for the job would wait for itself) it changes nothing and returns false.
bool set_num_threads(int n);
// Usable cores of this process (CPU affinity mask), >= 1.
int usable_cores();

using RangeFn = void (*)(void* ctx, size_t lo, size_t hi);
void parallel_for_impl(size_t begin, size_t end, size_t grain, RangeFn fn, void* ctx);
// parallel_parts' entry: fn(ctx, part, parts) (a RangeFn with lo = part, hi = parts).
void parallel_parts_impl(RangeFn fn, void* ctx);

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

// Static mapping: calls fn(part, parts) once for every part in [0, parts), where parts is the
// number of threads taking part (num_threads() as the pool sees it when the job starts; 1 inline,
// from inside a task or on a one-thread pool). Part 0 runs on the calling thread and part i on pool
// worker i, the same thread every time for the same pool size, so two regions over the same data
// cut the same way touch each byte from the same core (its private caches): a read pass then an
// in-place pass, say. No work stealing, with one exception that keeps a busy machine from stalling:
// a part whose worker has not even started it when the caller finished part 0 (the worker is
// descheduled) is run by the caller. The caller cuts its own work from (part, parts), so results
// must not depend on which thread ran a part (they cannot: fn sees only the part index). Exceptions
// as parallel_for: the first is rethrown here after every started part has finished.
template <typename F>
void parallel_parts(const F& fn) {
  struct Ctx {
    const F* fn;
    std::atomic<bool> failed{false};
    std::exception_ptr error{};
  } ctx{&fn};
  parallel_parts_impl(
      [](void* p, size_t part, size_t parts) {
        Ctx* c = static_cast<Ctx*>(p);
        if (c->failed.load(std::memory_order_relaxed)) return;
        try {
          (*c->fn)(part, parts);
        } catch (...) {
          if (!c->failed.exchange(true)) c->error = std::current_exception();
        }
      },
      &ctx);
  if (ctx.error) std::rethrow_exception(ctx.error);
}

}  // namespace gradguard
