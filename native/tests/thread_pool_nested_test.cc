// Nested calls on the pool: a kernel that asks num_threads() or opens a region (sgemm here) from
// inside a parallel_for or parallel_parts body must run inline and return, on the calling thread
// and on the workers alike. Before the fix num_threads() waited for the pool's call lock, which the
// outer job holds until its tasks finish: a deadlock. Each case runs on a helper thread under a
// deadline, so a regression fails the test (and exits) instead of hanging ctest.
// Also parallel_parts: every part exactly once, part 0 on the caller, results independent of it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "test_util.h"

using namespace gradguard;

namespace {

// Runs body on a fresh thread; fails and exits the process if it has not returned in time (a hung
// thread cannot be joined, and a deadlocked pool would hang every later case anyway).
void with_deadline(const char* name, int seconds, const std::function<void()>& body) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread t([&] {
    body();
    std::lock_guard<std::mutex> lock(mu);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  if (!cv.wait_for(lock, std::chrono::seconds(seconds), [&] { return done; })) {
    std::fprintf(stderr, "%s: no return after %d s (deadlock in a nested pool call)\n", name,
                 seconds);
    std::fflush(stderr);
    std::_Exit(1);
  }
  lock.unlock();
  t.join();
}

// A product big enough that sgemm would use the pool (above its inline threshold) when called
// from outside a task.
struct Product {
  static constexpr size_t kM = 96, kN = 160, kK = 200;
  std::vector<float> a = test::random_floats(kM * kK, 11);
  std::vector<float> b = test::random_floats(kK * kN, 12);
  std::vector<float> expect = std::vector<float>(kM * kN, 0.f);

  Product() {
    CHECK(kernels::sgemm(Isa::kScalar, false, false, kM, kN, kK, 1.f, a.data(), kK, b.data(), kN,
                         0.f, expect.data(), kN) == Status::kOk);
  }
  // sgemm into a fresh C; true when it matches the outer (pool-run) result bit for bit.
  bool run_matches() const {
    std::vector<float> c(kM * kN, 0.f);
    if (kernels::sgemm(Isa::kScalar, false, false, kM, kN, kK, 1.f, a.data(), kK, b.data(), kN, 0.f,
                       c.data(), kN) != Status::kOk) {
      return false;
    }
    return std::memcmp(c.data(), expect.data(), c.size() * sizeof(float)) == 0;
  }
};

void test_num_threads_inside_tasks() {
  for (int threads : {2, 3, 8}) {
    set_num_threads(threads);
    with_deadline("num_threads inside parallel_for", 60, [&] {
      std::atomic<int> bad{0};
      parallel_for(0, 64, 1, [&](size_t, size_t) {
        if (num_threads() != 1) bad.fetch_add(1);
        if (set_num_threads(5)) bad.fetch_add(1);  // refused inside a task
      });
      CHECK_MSG(bad.load() == 0, "threads=%d: %d tasks saw a wrong answer", threads, bad.load());
    });
    CHECK(num_threads() == threads);
  }
}

void test_sgemm_inside_tasks() {
  const Product prod;
  for (int threads : {2, 4}) {
    set_num_threads(threads);
    with_deadline("sgemm inside parallel_for", 120, [&] {
      std::atomic<int> bad{0};
      parallel_for(0, 8, 1, [&](size_t, size_t) {
        if (!prod.run_matches()) bad.fetch_add(1);
      });
      CHECK_MSG(bad.load() == 0, "threads=%d: %d nested products differ", threads, bad.load());
    });
    with_deadline("sgemm inside parallel_parts", 120, [&] {
      std::atomic<int> bad{0};
      parallel_parts([&](size_t, size_t) {
        if (!prod.run_matches()) bad.fetch_add(1);
        parallel_for(0, 100, 3, [&](size_t, size_t) {
          if (num_threads() != 1) bad.fetch_add(1);
        });
      });
      CHECK_MSG(bad.load() == 0, "threads=%d: %d nested calls failed", threads, bad.load());
    });
  }
}

void test_parallel_parts() {
  for (int threads : {1, 2, 3, 8}) {
    set_num_threads(threads);
    with_deadline("parallel_parts", 60, [&] {
      for (int round = 0; round < 200; ++round) {
        std::vector<std::atomic<int>> hits(1024);
        std::atomic<size_t> seen_parts{0};
        std::atomic<int> part0_elsewhere{0};
        const std::thread::id me = std::this_thread::get_id();
        parallel_parts([&](size_t part, size_t parts) {
          hits[part].fetch_add(1);
          seen_parts.store(parts);
          if (part == 0 && std::this_thread::get_id() != me) part0_elsewhere.fetch_add(1);
        });
        const size_t parts = seen_parts.load();
        CHECK_MSG(parts == static_cast<size_t>(threads), "threads=%d parts=%zu", threads, parts);
        int wrong = 0;
        for (size_t p = 0; p < hits.size(); ++p) wrong += hits[p].load() != (p < parts ? 1 : 0);
        CHECK_MSG(wrong == 0 && part0_elsewhere.load() == 0, "threads=%d round %d", threads, round);
      }
    });
  }
}

// Exceptions from a part reach the caller; the pool keeps working (parallel_for and parts alike).
void test_parallel_parts_exception_and_mixing() {
  set_num_threads(4);
  with_deadline("parallel_parts exception", 60, [&] {
    for (size_t bad_part : {size_t{0}, size_t{3}}) {
      bool caught = false;
      try {
        parallel_parts([&](size_t part, size_t) {
          if (part == bad_part) throw std::bad_alloc();
        });
      } catch (const std::bad_alloc&) {
        caught = true;
      }
      CHECK(caught);
      // Dynamic and static jobs back to back share the generation counter and the description.
      for (int i = 0; i < 100; ++i) {
        std::atomic<size_t> total{0};
        parallel_for(0, 1000, 7, [&](size_t lo, size_t hi) { total.fetch_add(hi - lo); });
        std::atomic<size_t> parts_run{0};
        parallel_parts([&](size_t, size_t) { parts_run.fetch_add(1); });
        CHECK(total.load() == 1000 && parts_run.load() == 4);
      }
    }
  });
}

// Several callers at once, on more threads than cores, mixing static and dynamic jobs: nothing
// lost or run twice, nothing hangs.
void test_parts_concurrent_callers() {
  set_num_threads(6);
  with_deadline("parallel_parts concurrent callers", 120, [&] {
    std::vector<std::thread> callers;
    std::atomic<int> bad{0};
    for (int c = 0; c < 3; ++c) {
      callers.emplace_back([&, c] {
        for (int job = 0; job < 2000; ++job) {
          if ((job + c) % 2 == 0) {
            std::atomic<size_t> n{0};
            parallel_parts([&](size_t, size_t parts) { n.fetch_add(parts); });
            if (n.load() != 36) bad.fetch_add(1);  // 6 parts, each saw parts == 6
          } else {
            std::atomic<size_t> total{0};
            parallel_for(0, 97, 4, [&](size_t lo, size_t hi) { total.fetch_add(hi - lo); });
            if (total.load() != 97) bad.fetch_add(1);
          }
        }
      });
    }
    for (std::thread& t : callers) t.join();
    CHECK_MSG(bad.load() == 0, "%d jobs lost or repeated parts", bad.load());
  });
}

}  // namespace

int main() {
  test_num_threads_inside_tasks();
  test_sgemm_inside_tasks();
  test_parallel_parts();
  test_parallel_parts_exception_and_mixing();
  test_parts_concurrent_callers();
  set_num_threads(usable_cores());
  return test::finish("thread_pool_nested_test");
}
