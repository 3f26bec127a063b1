// The dead-peer policy: a collective that has not returned after `timeout` seconds means a peer
// rank died or is stuck, and MPI itself would wait forever. A watchdog thread then prints which
// rank waited in which call for how long, and ends the whole job with MPI_Abort.
#pragma once

namespace gradguard {
namespace mpi {

// Starts the watchdog thread (no-op when timeout_ms <= 0 or NaN; a limit too large for a 64-bit
// count of nanoseconds, Infinity included, saturates: never). `rank`/`size` go into its message.
void watchdog_start(double timeout_ms, int rank, int size);
// Stops and joins the thread (before MPI_Finalize).
void watchdog_stop();

// Ends the whole job: MPI_Abort(MPI_COMM_WORLD, code), and should that not end this process within
// a few seconds (it can block inside Open MPI's runtime while the job is already being torn down:
// seen once under CI load, mpirun then never exited), a timer thread armed before the call ends it
// with _exit(code), and mpirun ends the other ranks when it sees this one exit non-zero.
[[noreturn]] void abort_world(int code);

// Marks one collective as running (the name must be a string literal) / finished.
void watchdog_enter(const char* what);
void watchdog_leave();

}  // namespace mpi
}  // namespace gradguard
