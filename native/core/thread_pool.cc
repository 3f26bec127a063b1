#include "core/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace gradguard {
namespace {

thread_local bool t_inside_task = false;

// About 20-50 us of polling before a worker sleeps (PAUSE is ~10-40 cycles depending on the CPU).
constexpr int kSpinRounds = 4000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
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

  int size() {
    std::lock_guard<std::mutex> call(call_mu_);
    return static_cast<int>(workers_.size()) + 1;
  }

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
    job_begin_ = begin;
    job_end_ = end;
    job_grain_ = grain;
    job_fn_ = fn;
    job_ctx_ = ctx;
    next_.store(0, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      busy_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
      generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    cv_work_.notify_all();
    t_inside_task = true;
    work();
    t_inside_task = false;
    // The workers usually finish within microseconds of the caller: poll before sleeping.
    for (int spin = 0; spin < kSpinRounds && busy_.load(std::memory_order_acquire) != 0; ++spin) {
      cpu_relax();
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_done_.wait(lock, [this] { return busy_.load(std::memory_order_relaxed) == 0; });
  }

 private:
  void start(int n) {
    if (n < 1) n = 1;
    if (n > 1024) n = 1024;
    stop_ = false;
    // A worker starts from the generation current now: one read later could miss the first job.
    const uint64_t start_generation = generation_.load(std::memory_order_relaxed);
    for (int i = 1; i < n; ++i) {
      workers_.emplace_back([this, start_generation] { worker_loop(start_generation); });
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_work_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

  // Takes blocks until none are left; called by the caller and by every worker.
  void work() {
    const size_t blocks = (job_end_ - job_begin_ + job_grain_ - 1) / job_grain_;
    for (;;) {
      const size_t b = next_.fetch_add(1, std::memory_order_relaxed);
      if (b >= blocks) break;
      const size_t lo = job_begin_ + b * job_grain_;
      const size_t hi = lo + job_grain_ < job_end_ ? lo + job_grain_ : job_end_;
      job_fn_(job_ctx_, lo, hi);
    }
  }

  void worker_loop(uint64_t seen) {
    t_inside_task = true;
    for (;;) {
      // Spin briefly before sleeping: kernels often run several parallel regions back to back
      // (GEMM packs, then computes), and a condition-variable wake-up costs tens of microseconds.
      for (int spin = 0; spin < kSpinRounds; ++spin) {
        if (generation_.load(std::memory_order_acquire) != seen) break;
        cpu_relax();
      }
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_work_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
      }
      work();
      std::lock_guard<std::mutex> lock(mu_);
      if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) cv_done_.notify_one();
    }
  }

  std::mutex call_mu_;  // one parallel_for (or resize) at a time
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};  // written under mu_, also read lock-free while spinning
  std::atomic<int> busy_{0};  // workers still in the current job; changed under mu_
  bool stop_ = false;

  size_t job_begin_ = 0, job_end_ = 0, job_grain_ = 1;
  RangeFn job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  std::atomic<size_t> next_{0};
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

int num_threads() { return pool().size(); }

void set_num_threads(int n) { pool().resize(n); }

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

}  // namespace gradguard
