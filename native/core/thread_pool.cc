#include "core/thread_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace gradguard {
namespace {

thread_local bool t_inside_task = false;

// Spin budgets are times, not PAUSE counts: PAUSE takes ~10 cycles on some CPUs and ~140 on others
// (29 TSC cycles on the Xeon this was measured on, so the former 4,000 rounds were ~45 us).
using Clock = std::chrono::steady_clock;
// How long a worker keeps polling for the next job after finishing one, before it sleeps on the
// condition variable. A sleeping worker costs the next job a wake-up, and on a busy or small
// machine the scheduler may put the woken worker on the caller's own core and let it preempt the
// caller: measured (2 cores, SGEMM 64x256x256 after a 100-200 us pause, as between RNN steps)
// the worker then ran all 8 blocks while the caller waited, 108-117 us against 57-60 us on one
// thread. 500 us covers the serial stretches between the parallel regions of a training step; an
// idle pool stops polling after it (thread_pool_idle_test measures the CPU time it then uses).
constexpr Clock::duration kWorkerSpin = std::chrono::microseconds(500);
// How long the caller polls for the last claimed blocks before sleeping until they are done.
constexpr Clock::duration kCallerSpin = std::chrono::microseconds(50);
// A poller yields the core this often: a thread sharing the core with it (the caller and a woken
// worker put on one core, above) then runs now instead of when the time slice ends. Alone on its
// core, sched_yield returns at once (a syscall, well under a microsecond). A polling worker always
// yields (it has nothing to do; another thread may); the waiting caller only when a worker that
// ran a block of this job last ran on the caller's core, because a yield can hand the core to any
// runnable thread (a V8 helper, another process) for a whole time slice.
constexpr Clock::duration kYieldEvery = std::chrono::microseconds(2);

// The CPU this thread runs on now (glibc reads it from rseq: a load), or -1 where unknown.
inline int current_cpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Polls ready() until it is true (returns true) or `budget` has passed (returns ready()), with
// PAUSE between polls and, every kYieldEvery, a yield when should_yield() says so. The clock is
// read once per 16 polls.
template <typename Ready, typename ShouldYield>
bool spin_until(const Ready& ready, Clock::duration budget, const ShouldYield& should_yield) {
  const Clock::time_point start = Clock::now();
  Clock::time_point next_yield = start + kYieldEvery;
  for (;;) {
    for (int i = 0; i < 16; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    const Clock::time_point now = Clock::now();
    if (now - start >= budget) return ready();
    if (now >= next_yield) {
      if (should_yield()) std::this_thread::yield();
      next_yield = now + kYieldEvery;
    }
  }
}

int env_threads() {
  const char* s = std::getenv("GRADGUARD_THREADS");
  if (s == nullptr || *s == '\0') return 0;
  char* end = nullptr;
  const long n = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || n < 1) return 0;  // ignored; the JS layer validates its own input
  return n > 1024 ? 1024 : static_cast<int>(n);
}

class ThreadPool {
 public:
  ThreadPool() {
    const int n = env_threads();
    start(n > 0 ? n : usable_cores());
  }
  ~ThreadPool() {
    std::lock_guard<std::mutex> call(call_mu_);
    stop_workers();
  }

  // Lock-free: a task may ask (the running job holds call_mu_ until every task has finished).
  int size() const { return size_.load(std::memory_order_acquire); }

  void resize(int n) {
    std::lock_guard<std::mutex> call(call_mu_);
    if (n < 1) n = 1;
    if (n > 1024) n = 1024;
    if (static_cast<size_t>(n) == workers_.size() + 1) return;  // same size: keep the warm threads
    stop_workers();
    start(n);
  }

  void run(size_t begin, size_t end, size_t grain, RangeFn fn, void* ctx) {
    std::lock_guard<std::mutex> call(call_mu_);
    // Block indices must fit the 32-bit claim counter (partitions never change results).
    if ((end - begin) / grain >= kClosed - 1) grain = (end - begin) / (kClosed - 2) + 1;
    const size_t blocks = (end - begin + grain - 1) / grain;
    const uint32_t gen = close_previous_job();
    job_static_.store(false, std::memory_order_release);
    job_begin_.store(begin, std::memory_order_release);
    job_end_.store(end, std::memory_order_release);
    job_grain_.store(grain, std::memory_order_release);
    job_blocks_.store(blocks, std::memory_order_release);
    job_fn_.store(fn, std::memory_order_release);
    job_ctx_.store(ctx, std::memory_order_release);
    done_.store(0, std::memory_order_relaxed);
    open_job(gen);
    t_inside_task = true;
    work(gen, 0);
    t_inside_task = false;
    // Wait only for blocks that were claimed: a worker that has not woken up yet (descheduled on a
    // busy machine) claims nothing and is not waited for; the caller ran its share instead.
    wait_done(blocks);
  }

  // parallel_parts: part p on participant p (0 = this thread, p = worker p). A part is claimed by a
  // CAS of its slot from (gen << 1) to (gen << 1) | 1; the slots are reset after the description
  // is written, so a successful claim reads the description of job `gen` (which cannot finish, and
  // so cannot be rewritten, before the claimed part is done).
  void run_parts(RangeFn fn, void* ctx) {
    std::lock_guard<std::mutex> call(call_mu_);
    const size_t parts = workers_.size() + 1;
    const uint32_t gen = close_previous_job();
    job_static_.store(true, std::memory_order_release);
    job_blocks_.store(parts, std::memory_order_release);
    job_fn_.store(fn, std::memory_order_release);
    job_ctx_.store(ctx, std::memory_order_release);
    done_.store(0, std::memory_order_relaxed);
    for (size_t p = 0; p < parts; ++p) slots_[p].store(slot_free(gen), std::memory_order_release);
    open_job(gen);
    t_inside_task = true;
    // Our own part first, then any part whose worker has not started it: that worker was not
    // running when the job opened (descheduled), and waiting for it would stall the whole job.
    for (size_t p = 0; p < parts; ++p) {
      if (claim_part(gen, p)) run_part(fn, ctx, p, parts);
    }
    t_inside_task = false;
    wait_done(parts);
  }

 private:
  void start(int n) {
    if (n < 1) n = 1;
    if (n > 1024) n = 1024;
    stop_.store(false, std::memory_order_relaxed);
    // No worker runs here (stop_workers joined them), so the slot array can be replaced.
    slots_.reset(new std::atomic<uint64_t>[static_cast<size_t>(n)]);
    worker_cpu_.reset(new std::atomic<int>[static_cast<size_t>(n)]);
    for (int i = 0; i < n; ++i) worker_cpu_[i].store(-1, std::memory_order_relaxed);
    for (int i = 0; i < n; ++i) slots_[i].store(kSlotStale, std::memory_order_relaxed);
    // A worker starts from the generation current now: one read later could miss the first job.
    const uint32_t start_generation = gen_of(state_.load(std::memory_order_relaxed));
    for (int i = 1; i < n; ++i) {
      workers_.emplace_back(
          [this, start_generation, i] { worker_loop(start_generation, static_cast<size_t>(i)); });
    }
    size_.store(n, std::memory_order_release);
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_.store(true, std::memory_order_relaxed);
    }
    cv_work_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    size_.store(1, std::memory_order_release);
  }

  static constexpr uint32_t kClosed = 0xffffffffu;
  static uint64_t pack(uint32_t gen, uint32_t next) {
    return (static_cast<uint64_t>(gen) << 32) | next;
  }
  static uint32_t gen_of(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
  // A part slot: (generation << 1) | claimed. kSlotStale matches no open job's free value.
  static constexpr uint64_t kSlotStale = 1;
  static uint64_t slot_free(uint32_t gen) { return static_cast<uint64_t>(gen) << 1; }

  // Closes the previous job to late claimers before its description is overwritten: every block
  // of it has finished (done_ reached its count), so nobody holds a claim on it. Returns the new
  // job's generation.
  uint32_t close_previous_job() {
    const uint32_t gen = gen_of(state_.load(std::memory_order_relaxed)) + 1;
    state_.store(pack(gen, kClosed), std::memory_order_seq_cst);
    return gen;
  }

  void open_job(uint32_t gen) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      state_.store(pack(gen, 0), std::memory_order_release);  // open: blocks can be claimed
    }
    cv_work_.notify_all();
  }

  void wait_done(size_t blocks) {
    const auto finished = [&] { return done_.load(std::memory_order_acquire) == blocks; };
    const auto worker_on_my_core = [&] {
      const int me = current_cpu();
      if (me < 0) return true;  // unknown: yield, as a worker may share this core
      for (size_t i = 1; i < workers_.size() + 1; ++i) {
        if (worker_cpu_[i].load(std::memory_order_relaxed) == me) return true;
      }
      return false;
    };
    if (spin_until(finished, kCallerSpin, worker_on_my_core)) return;
    std::unique_lock<std::mutex> lock(mu_);
    cv_done_.wait(lock, finished);
  }

  void block_done(size_t blocks) {
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == blocks) {
      std::lock_guard<std::mutex> lock(mu_);  // the caller may be about to sleep on cv_done_
      cv_done_.notify_one();
    }
  }

  bool claim_part(uint32_t gen, size_t part) {
    uint64_t expect = slot_free(gen);
    return slots_[part].compare_exchange_strong(expect, expect | 1, std::memory_order_acq_rel,
                                                std::memory_order_relaxed);
  }

  void run_part(RangeFn fn, void* ctx, size_t part, size_t parts) {
    fn(ctx, part, parts);
    block_done(parts);
  }

  // Claims blocks of job `gen` until none are left (or the job is gone), runs each, counts it done;
  // of a parallel_parts job, only part `self` (this thread's participant index).
  // A claim is a CAS on (generation, next block): it succeeds only while job `gen` is open, so the
  // job description read before it is the one of `gen`. run() closes the job (a new state_ value)
  // before rewriting the description, and the description is read with acquire, so a claimer that
  // saw a rewritten field also sees the close and its CAS fails.
  void work(uint32_t gen, size_t self) {
    int closed_spins = 0;
    for (;;) {
      uint64_t v = state_.load(std::memory_order_acquire);
      size_t lo = 0, hi = 0, blocks = 0;
      RangeFn fn = nullptr;
      void* ctx = nullptr;
      for (;;) {
        const uint32_t next = static_cast<uint32_t>(v);
        if (gen_of(v) != gen) return;
        if (next == kClosed) break;  // being set up: look again below
        if (job_static_.load(std::memory_order_acquire)) {
          // A stale flag (a later job's) is harmless: that job reset no slot to slot_free(gen).
          if (claim_part(gen, self)) {
            worker_cpu_[self].store(current_cpu(), std::memory_order_relaxed);
            run_part(job_fn_.load(std::memory_order_acquire),
                     job_ctx_.load(std::memory_order_acquire), self,
                     job_blocks_.load(std::memory_order_acquire));
          }
          return;
        }
        blocks = job_blocks_.load(std::memory_order_acquire);
        if (next >= blocks) return;
        const size_t begin = job_begin_.load(std::memory_order_acquire);
        const size_t end = job_end_.load(std::memory_order_acquire);
        const size_t grain = job_grain_.load(std::memory_order_acquire);
        fn = job_fn_.load(std::memory_order_acquire);
        ctx = job_ctx_.load(std::memory_order_acquire);
        lo = begin + next * grain;
        hi = lo + grain < end ? lo + grain : end;
        if (state_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel,
                                         std::memory_order_acquire))
          break;
      }
      if (fn == nullptr) {
        // The caller opens the job a few stores after closing it; yield if it was descheduled.
        if (++closed_spins < 64)
          cpu_relax();
        else
          std::this_thread::yield();
        continue;
      }
      if (self != 0) worker_cpu_[self].store(current_cpu(), std::memory_order_relaxed);
      fn(ctx, lo, hi);
      block_done(blocks);
    }
  }

  void worker_loop(uint32_t seen, size_t self) {
    t_inside_task = true;
    for (;;) {
      // Poll before sleeping (kWorkerSpin): kernels run several parallel regions back to back
      // (GEMM packs, then computes; an RNN step after step), and a wake-up costs tens of us.
      const auto job_or_stop = [&] {
        return stop_.load(std::memory_order_relaxed) ||
               gen_of(state_.load(std::memory_order_acquire)) != seen;
      };
      if (!spin_until(job_or_stop, kWorkerSpin, [] { return true; })) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_work_.wait(lock, job_or_stop);
      }
      if (stop_.load(std::memory_order_relaxed)) return;
      seen = gen_of(state_.load(std::memory_order_acquire));
      work(seen, self);
    }
  }

  std::mutex call_mu_;  // one parallel_for (or resize) at a time
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  std::vector<std::thread> workers_;
  // Written under mu_ (the sleeping workers' predicate); atomic so a polling worker sees it too.
  std::atomic<bool> stop_{false};
  std::atomic<int> size_{1};  // workers_.size() + 1, readable without call_mu_

  // (generation << 32) | next block to claim (kClosed while the job is being set up).
  std::atomic<uint64_t> state_{0};
  std::atomic<size_t> done_{0};  // blocks of the current job finished
  // The current job; atomics only so a claimer's read racing a rewrite is defined (a claim that
  // read stale values fails its CAS and is retried).
  std::atomic<bool> job_static_{false};  // a parallel_parts job: blocks are parts, one per thread
  std::atomic<size_t> job_begin_{0}, job_end_{0}, job_grain_{1}, job_blocks_{0};
  std::atomic<RangeFn> job_fn_{nullptr};
  std::atomic<void*> job_ctx_{nullptr};
  std::unique_ptr<std::atomic<uint64_t>[]> slots_;  // one per participant, parallel_parts claims
  // Per participant: the CPU it last started a block on (-1: none yet); a hint for the caller's
  // yield (wait_done), so relaxed.
  std::unique_ptr<std::atomic<int>[]> worker_cpu_;
};
ThreadPool& pool() {
  // Destroyed at process exit, after every environment is gone: workers are joined, not leaked.
  static ThreadPool instance;
  return instance;
}

}  // namespace

int usable_cores() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

int num_threads() { return t_inside_task ? 1 : pool().size(); }

bool set_num_threads(int n) {
  if (t_inside_task) return false;  // resizing waits for the running job: this task's own
  pool().resize(n);
  return true;
}

void parallel_for_impl(size_t begin, size_t end, size_t grain, RangeFn fn, void* ctx) {
  if (end <= begin) return;
  if (grain == 0) grain = 1;
  if (end - begin <= grain || t_inside_task) {
    fn(ctx, begin, end);
    return;
  }
  ThreadPool& p = pool();
  p.run(begin, end, grain, fn, ctx);
}

void parallel_parts_impl(RangeFn fn, void* ctx) {
  if (t_inside_task || pool().size() == 1) {
    fn(ctx, 0, 1);
    return;
  }
  pool().run_parts(fn, ctx);
}

}  // namespace gradguard
