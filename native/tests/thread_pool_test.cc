// The persistent pool: every index runs exactly once for any size, grain and thread count
// (including more threads than cores), nested calls run inline, several threads may call at once,
// and resizing between jobs loses nothing; an idle pool's workers stop polling and sleep.
#include "core/thread_pool.h"

#include <time.h>

#include <atomic>
#include <chrono>
#include <new>
#include <thread>
#include <vector>

#include "test_util.h"

using namespace gradguard;

namespace {

void test_each_index_once() {
  const size_t sizes[] = {0, 1, 2, 7, 1000, 100003};
  const size_t grains[] = {1, 3, 64, 1u << 20};
  for (int threads : {1, 2, 3, 8}) {
    set_num_threads(threads);
    CHECK(num_threads() == threads);
    for (size_t n : sizes) {
      for (size_t grain : grains) {
        std::vector<std::atomic<int>> hits(n + 2);
        parallel_for(1, n + 1, grain, [&](size_t lo, size_t hi) {
          CHECK(lo < hi && hi - lo <= grain);
          for (size_t i = lo; i < hi; ++i) hits[i].fetch_add(1, std::memory_order_relaxed);
        });
        int wrong = 0;
        for (size_t i = 0; i < n + 2; ++i) wrong += hits[i].load() != (i >= 1 && i <= n ? 1 : 0);
        CHECK_MSG(wrong == 0, "threads=%d n=%zu grain=%zu: %d indices ran != once", threads, n,
                  grain, wrong);
      }
    }
  }
}

void test_nested_runs_inline() {
  set_num_threads(4);
  std::atomic<long> sum{0};
  parallel_for(0, 16, 1, [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const std::thread::id me = std::this_thread::get_id();
      parallel_for(0, 100, 7, [&](size_t a, size_t b) {
        CHECK(std::this_thread::get_id() == me);
        sum.fetch_add(static_cast<long>(b - a), std::memory_order_relaxed);
      });
    }
  });
  CHECK(sum.load() == 1600);
}

// Many back-to-back small jobs from several caller threads, on more pool threads than cores: the
// case where workers are often descheduled when a job starts (the caller must not lose blocks or
// hang waiting for them).
void test_concurrent_callers_oversubscribed() {
  set_num_threads(8);
  std::vector<std::thread> callers;
  std::atomic<int> bad{0};
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int job = 0; job < 3000; ++job) {
        const size_t n = 1 + static_cast<size_t>((job * 7 + c) % 97);
        std::atomic<size_t> total{0};
        parallel_for(0, n, 4, [&](size_t lo, size_t hi) {
          total.fetch_add(hi - lo, std::memory_order_relaxed);
        });
        if (total.load() != n) bad.fetch_add(1);
      }
    });
  }
  for (std::thread& t : callers) t.join();
  CHECK_MSG(bad.load() == 0, "%d jobs lost or repeated blocks", bad.load());
}

void test_resize_between_jobs() {
  for (int round = 0; round < 50; ++round) {
    set_num_threads(1 + round % 5);
    std::atomic<size_t> total{0};
    parallel_for(0, 10000, 100, [&](size_t lo, size_t hi) { total.fetch_add(hi - lo); });
    CHECK(total.load() == 10000);
  }
}

// A task that throws (here std::bad_alloc, as an allocation inside a kernel would) on any thread:
// the exception reaches the caller instead of terminating the process, blocks not yet started are
// skipped, and the pool keeps working.
void test_exception_reaches_the_caller() {
  for (int threads : {1, 2, 3, 8}) {
    set_num_threads(threads);
    for (size_t bad_block : {size_t{0}, size_t{5}, size_t{63}}) {
      std::atomic<int> ran{0};
      bool caught = false;
      try {
        parallel_for(0, 64, 1, [&](size_t lo, size_t) {
          ran.fetch_add(1, std::memory_order_relaxed);
          if (lo == bad_block) throw std::bad_alloc();
        });
      } catch (const std::bad_alloc&) {
        caught = true;
      }
      CHECK_MSG(caught, "threads=%d bad block %zu: the exception did not reach the caller", threads,
                bad_block);
      CHECK(ran.load() >= 1 && ran.load() <= 64);
      std::atomic<size_t> total{0};
      parallel_for(0, 1000, 10, [&](size_t lo, size_t hi) { total.fetch_add(hi - lo); });
      CHECK(total.load() == 1000);
    }
  }
}

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

// Workers poll for the next job for a bounded time after each one (under a millisecond), then
// sleep: over 200 ms of idleness after the budget has run out, the process (every worker
// included; this thread sleeps) uses almost no CPU. A worker still polling would add ~200 ms per
// worker (up to the cores it gets). The bound is loose for sanitizer builds and busy machines.
void test_idle_pool_sleeps() {
  for (int threads : {2, 8}) {
    set_num_threads(threads);
    std::atomic<size_t> total{0};
    parallel_for(0, 64, 1, [&](size_t lo, size_t hi) { total.fetch_add(hi - lo); });
    CHECK(total.load() == 64);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // well past the spin budget
    const double before = process_cpu_ms();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double used = process_cpu_ms() - before;
    CHECK_MSG(used < 20.0, "threads=%d: %.1f ms of CPU in 200 ms of an idle pool", threads, used);
  }
}

}  // namespace

int main() {
  test_each_index_once();
  test_nested_runs_inline();
  test_concurrent_callers_oversubscribed();
  test_resize_between_jobs();
  test_exception_reaches_the_caller();
  test_idle_pool_sleeps();
  set_num_threads(usable_cores());
  return test::finish("thread_pool_test");
}
