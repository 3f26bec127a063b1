// The collectives of gradguard.dist over MPI_COMM_WORLD, in place on float32 buffers. Each one
// first checks that every rank called the same collective with the same element count (and op or
// root): one MPI_MAX all-reduce of six int64s, a few microseconds, which turns a mismatch, which
// MPI would answer with a hang or garbage, into the same clear error on every rank.
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <mutex>
#include <string>

#include "mpi/mpi_lock.h"
#include "mpi/mpi_runtime.h"
#include "mpi/mpi_watchdog.h"

namespace gradguard {
namespace mpi {
namespace {

std::string error_text(int rc) {
  char buf[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, buf, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(rc);
  return std::string(buf, static_cast<size_t>(len));
}

// Marks the running collective for the watchdog for as long as it lives.
struct Watched {
  explicit Watched(const char* what) { watchdog_enter(what); }
  ~Watched() { watchdog_leave(); }
};

Result not_initialized(const char* what) {
  return Result::fail(std::string(what) +
                      ": MPI is not initialised (call dist.init() first) or already finalised");
}

// Which collective a rank is in: part of the check, so ranks that call different collectives at
// the same point (a program-order bug) get an error instead of a hang or mixed-up data.
enum Kind : long long { kAllReduce = 1, kBroadcast = 2, kAllGather = 3 };

const char* kind_name(long long k) {
  return k == kAllReduce ? "allReduce" : k == kBroadcast ? "broadcast" : "allGather";
}

// All ranks agree on (kind, n, tag)? One all-reduce of {kind, -kind, n, -n, tag, -tag} with
// MPI_MAX gives the max and min of each everywhere, so every rank reaches the same verdict.
Result check_same(const char* what, Kind kind, size_t n, long long tag, const char* tag_name) {
  const long long ln = static_cast<long long>(n);
  long long v[6] = {kind, -kind, ln, -ln, tag, -tag};
  const int rc = MPI_Allreduce(MPI_IN_PLACE, v, 6, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS)
    return Result::fail(std::string(what) + ": size check failed: " + error_text(rc));
  Result r;
  r.ok = false;
  r.mismatch = true;
  const std::string me = "rank " + std::to_string(rank());
  if (v[0] != -v[1]) {
    r.message = std::string(what) + ": ranks called different collectives at this point (" +
                kind_name(-v[1]) + " and " + kind_name(v[0]) + "; " + me + " called " + what +
                "); every rank must issue the same collectives in the same order";
  } else if (v[2] != -v[3]) {
    r.message = std::string(what) + ": the tensors differ in length across ranks (from " +
                std::to_string(-v[3]) + " to " + std::to_string(v[2]) + " elements; " + me +
                " has " + std::to_string(n) + "); every rank must pass the same layout";
  } else if (v[4] != -v[5]) {
    r.message = std::string(what) + ": ranks passed different " + tag_name + " values (from " +
                std::to_string(-v[5]) + " to " + std::to_string(v[4]) + "; " + me + " passed " +
                std::to_string(tag) + ")";
  } else {
    return Result::success();
  }
  return r;
}

size_t chunk_of(size_t chunk) { return std::min<size_t>(chunk == 0 ? INT_MAX : chunk, INT_MAX); }

}  // namespace

Result all_reduce(float* data, size_t n, Op op, size_t chunk, const char* what) {
  std::lock_guard<std::mutex> lock(comm_lock());
  if (!initialized()) return not_initialized(what);
  Watched w(what);
  Result same = check_same(what, kAllReduce, n, static_cast<long long>(op), "op");
  if (!same.ok) return same;
  const MPI_Op mop = op == Op::kMax ? MPI_MAX : MPI_SUM;
  const size_t step = chunk_of(chunk);
  for (size_t at = 0; at < n; at += step) {
    const int count = static_cast<int>(std::min(step, n - at));
    const int rc = MPI_Allreduce(MPI_IN_PLACE, data + at, count, MPI_FLOAT, mop, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
      return Result::fail(std::string(what) + ": MPI_Allreduce failed: " + error_text(rc));
  }
  if (op == Op::kMean) {
    // A division (not a multiply by 1/size) so the mean is the correctly rounded sum / size.
    const float s = static_cast<float>(size());
    for (size_t i = 0; i < n; i++) data[i] /= s;
  }
  return Result::success();
}

Result broadcast(float* data, size_t n, int root, size_t chunk, const char* what) {
  std::lock_guard<std::mutex> lock(comm_lock());
  if (!initialized()) return not_initialized(what);
  Watched w(what);
  Result same = check_same(what, kBroadcast, n, root, "root");
  if (!same.ok) return same;
  const size_t step = chunk_of(chunk);
  for (size_t at = 0; at < n; at += step) {
    const int count = static_cast<int>(std::min(step, n - at));
    const int rc = MPI_Bcast(data + at, count, MPI_FLOAT, root, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
      return Result::fail(std::string(what) + ": MPI_Bcast failed: " + error_text(rc));
  }
  return Result::success();
}

Result barrier() {
  std::lock_guard<std::mutex> lock(comm_lock());
  if (!initialized()) return not_initialized("barrier");
  Watched w("barrier");
  const int rc = MPI_Barrier(MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS) return Result::fail("barrier: MPI_Barrier failed: " + error_text(rc));
  return Result::success();
}

Result all_gather(const double* local, size_t k, double* out) {
  std::lock_guard<std::mutex> lock(comm_lock());
  if (!initialized()) return not_initialized("allGather");
  Watched w("allGather");
  Result same = check_same("allGather", kAllGather, k, 0, "tag");
  if (!same.ok) return same;
  const int rc = MPI_Allgather(local, static_cast<int>(k), MPI_DOUBLE, out, static_cast<int>(k),
                               MPI_DOUBLE, MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS)
    return Result::fail(std::string("allGather: MPI_Allgather failed: ") + error_text(rc));
  return Result::success();
}

Result raw_all_reduce_sum(float* data, size_t n) {
  std::lock_guard<std::mutex> lock(comm_lock());
  if (!initialized()) return not_initialized("rawAllReduceSum");
  if (n > INT_MAX) return Result::fail("rawAllReduceSum: more than INT_MAX elements");
  Watched w("rawAllReduceSum");
  const int rc =
      MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS) return Result::fail(std::string("rawAllReduceSum: ") + error_text(rc));
  return Result::success();
}

}  // namespace mpi
}  // namespace gradguard
