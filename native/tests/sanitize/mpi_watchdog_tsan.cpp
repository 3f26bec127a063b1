// TSan harness for the gradguard.dist watchdog (native/mpi/mpi_watchdog.cc), built and run by
// scripts/test-sanitize.mjs with -fsanitize=thread (not a ctest: it links MPI, which the kernel
// tests never do; *.cpp, so scripts/sources.mjs does not collect it). The watchdog thread polls
// the running collective's start time and name while other threads mark collectives as entered
// and left, as the binding does from the main thread and async workers; start/stop are repeated.
// No MPI call is made (the limit is never reached), so MPI_Init is not needed.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "mpi/mpi_watchdog.h"

using namespace gradguard::mpi;

int main() {
  for (int round = 0; round < 3; ++round) {
    watchdog_start(60'000.0, 0, 1);
    watchdog_start(60'000.0, 0, 1);  // a second start is a no-op
    std::atomic<bool> go{true};
    std::vector<std::thread> callers;
    for (int t = 0; t < 2; ++t) {
      callers.emplace_back([&go, t] {
        while (go.load()) {
          watchdog_enter(t == 0 ? "allreduce" : "broadcast");
          std::this_thread::yield();
          watchdog_leave();
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // several 50 ms watchdog polls
    go = false;
    for (auto& c : callers) c.join();
    watchdog_stop();
    watchdog_stop();  // a second stop is a no-op
  }
  watchdog_start(0.0, 0, 1);  // disabled: no thread
  watchdog_stop();
  std::puts("mpi_watchdog_tsan: ok");
  return 0;
}
