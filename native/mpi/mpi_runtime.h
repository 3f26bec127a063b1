// MPI for gradguard.dist: start-up (with libmpi promoted to global symbol visibility), the
// collectives the TS layer needs, one lock that serialises every MPI call (so MPI_THREAD_SERIALIZED
// is enough even with an async communication thread) and a watchdog that aborts a job whose
// collective hangs (a dead or stuck peer). Plain C++: no Node-API here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace gradguard {
namespace mpi {

// Outcome of an MPI call: ok, or a message ready for a JS error. `mismatch` marks the size check
// failing (the same on every rank), so the glue can throw a RangeError-like error with its own
// code.
struct Result {
  bool ok = true;
  bool mismatch = false;
  std::string message;
  static Result success() { return {}; }
  static Result fail(std::string m) { return {false, false, std::move(m)}; }
};

enum class Op { kSum = 0, kMean = 1, kMax = 2 };

// Promotes the already-loaded libmpi (found from the address of MPI_Init) to RTLD_GLOBAL, so Open
// MPI's dlopen'ed plugins can resolve its symbols although Node loaded this addon RTLD_LOCAL.
// Returns the library path promoted, or "" (with `error` set) when it could not.
std::string promote_libmpi_global(std::string* error);

// MPI_Init_thread with `required` (0 single .. 3 multiple); `provided` receives the level granted.
// `timeout_ms` > 0 starts the watchdog: a collective running longer than that aborts the job.
Result init(int required, double timeout_ms, int* provided);
Result finalize();
bool initialized();  // MPI_Init done by us and not yet finalised
bool finalized();
int rank();
int size();
int thread_level();  // provided level, -1 before init
std::string library_version();
// True when libmpi's symbols are visible to code loaded later (what Open MPI's plugins need).
bool libmpi_symbols_global();
// libmpi_symbols_global() as it was just before MPI_Init_thread (after our promotion).
bool global_before_init();  // MPI_Get_library_version, first line

// The collectives, each preceded by a check that every rank is in the same collective with the same
// element count, op / root / norm order and chunk size (one MPI_MAX all-reduce of eight int64s),
// so mismatched calls fail on every rank instead of hanging. `chunk` elements per MPI call (MPI
// counts are int). `what` names the call in messages and for the watchdog (a string literal).
// kMax propagates NaN: any NaN operand gives NaN, the same bits on every rank.
Result all_reduce(float* data, size_t n, Op op, size_t chunk, const char* what);
Result broadcast(float* data, size_t n, int root, size_t chunk, const char* what);
Result barrier();
// Every rank's `k` doubles, in rank order, into `out` (size() * k values). `norm_type` (> 0 or
// Infinity) must agree across ranks, like the op of all_reduce.
Result all_gather(const double* local, size_t k, double norm_type, double* out, const char* what);

// For init() / finalize() only, with the lock held: the user-defined reduction ops (the NaN-
// propagating max) exist only between MPI_Init and MPI_Finalize. create_ops returns an MPI code.
int create_ops();
void free_ops();
// Ends the whole job now (every rank), after printing `message` to stderr.
void abort_job(int code, const std::string& message);

// Benchmarks only: MPI_Allreduce(MPI_IN_PLACE, ...) with no check and no chunking.
Result raw_all_reduce_sum(float* data, size_t n);

}  // namespace mpi
}  // namespace gradguard
