// Watchdog for hung collectives (see mpi_watchdog.h). MPI_Abort is called from the watchdog's own
// thread while another thread is blocked inside MPI: Open MPI handles that at every thread level
// (it kills the job through its runtime); should it return or block, abort_world's timer ends this
// rank anyway, and mpirun then ends the others.
#include "mpi/mpi_watchdog.h"

#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace gradguard {
namespace mpi {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<long long> g_started_ns{0};  // 0: no collective running
std::atomic<const char*> g_what{""};
std::thread g_thread;
std::mutex g_mutex;
std::condition_variable g_cv;
bool g_stop = false;

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// The limit in ns, saturated: above ~9.2e12 ms (Number.MAX_SAFE_INTEGER, 1e13, Infinity) the
// product does not fit a long long, and casting it would be undefined (LLONG_MIN on x86-64: an
// abort at the first tick). LLONG_MAX ns is 292 years, i.e. never.
long long limit_ns_of(double timeout_ms) {
  const double ns = timeout_ms * 1e6;
  return ns >= static_cast<double>(LLONG_MAX) ? LLONG_MAX : static_cast<long long>(ns);
}

void watch(double timeout_ms, int rank, int size) {
  const long long limit_ns = limit_ns_of(timeout_ms);
  std::unique_lock<std::mutex> lock(g_mutex);
  while (!g_stop) {
    g_cv.wait_for(lock, std::chrono::milliseconds(50));
    const long long started = g_started_ns.load();
    if (g_stop || started == 0 || now_ns() - started < limit_ns) continue;
    std::fprintf(
        stderr,
        "gradguard.dist: rank %d of %d: %s has not completed after %.1f s: another rank has "
        "died or is stuck (it never joined the call). Aborting the job (MPI_Abort). The limit "
        "is init({ timeoutMs }) or GRADGUARD_DIST_TIMEOUT_MS.\n",
        rank, size, g_what.load(), (now_ns() - started) / 1e9);
    std::fflush(stderr);
    abort_world(124);
  }
}

}  // namespace

void abort_world(int code) {
  static constexpr int kGraceSeconds = 5;
  std::thread([code] {
    std::this_thread::sleep_for(std::chrono::seconds(kGraceSeconds));
    _exit(code);
  }).detach();
  MPI_Abort(MPI_COMM_WORLD, code);
  std::this_thread::sleep_for(std::chrono::seconds(kGraceSeconds + 1));  // the timer's _exit
  _exit(code);
}

void watchdog_start(double timeout_ms, int rank, int size) {
  if (!(timeout_ms > 0) || g_thread.joinable()) return;
  g_stop = false;
  g_thread = std::thread(watch, timeout_ms, rank, size);
}

void watchdog_stop() {
  if (!g_thread.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_stop = true;
  }
  g_cv.notify_all();
  g_thread.join();
}

void watchdog_enter(const char* what) {
  g_what.store(what);
  g_started_ns.store(now_ns());
}

void watchdog_leave() { g_started_ns.store(0); }

}  // namespace mpi
}  // namespace gradguard
