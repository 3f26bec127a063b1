// The collectives of gradguard.dist over MPI_COMM_WORLD, in place on float32 buffers. Each one
// first checks that every rank called the same collective with the same element count, op or root
// (or norm order) and chunk size: one MPI_MAX all-reduce of eight int64s, a few microseconds, which
// turns a mismatch, which MPI would answer with a hang or garbage, into the same clear error on
// every rank.
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>

#include "mpi/mpi_lock.h"
#include "mpi/mpi_runtime.h"
#include "mpi/mpi_watchdog.h"

namespace gradguard {
namespace mpi {
namespace {

MPI_Op g_nan_max = MPI_OP_NULL;

// MPI_MAX is `a > b ? a : b` (Open MPI), so a NaN survives only as the second operand: on the
// highest rank, not on the others. This max gives NaN when either operand is NaN, and is symmetric
// bit for bit (one canonical NaN; +0 beats -0 in either order), so every rank gets the same bits
// whatever order its reduction algorithm combines operands in.
void nan_max(void* in, void* inout, int* len, MPI_Datatype*) {
  const float* a = static_cast<const float*>(in);
  float* b = static_cast<float*>(inout);
  for (int i = 0; i < *len; i++) {
    const float x = a[i];
    const float y = b[i];
    if (std::isnan(x) || std::isnan(y)) {
      b[i] = std::numeric_limits<float>::quiet_NaN();
    } else if (x > y || (x == y && !std::signbit(x))) {
      b[i] = x;
    }
  }
}

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
enum Kind : long long { kAllReduce = 1, kBroadcast = 2, kAllGather = 3, kBarrier = 4 };

const char* kind_name(long long k) {
  switch (k) {
    case kAllReduce: return "allReduce";
    case kBroadcast: return "broadcast";
    case kAllGather: return "getTotalNorm/clipGradNorm";
    case kBarrier: return "barrier";
    default: return "an unknown collective";
  }
}

// What else must agree: an integer (op, root) or a double (the norm order), the latter compared
// by its bit pattern, which for doubles > 0 (Infinity included) is a positive int64 ordered like
// the value, so 2 and Infinity, or 2 and 2 + 1 ulp, are told apart exactly.
struct Tag {
  const char* name;
  long long value;
  bool is_double;
};

Tag int_tag(const char* name, long long v) { return {name, v, false}; }

Tag double_tag(const char* name, double v) {
  long long bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return {name, bits, true};
}

std::string tag_text(const Tag& t, long long v) {
  if (!t.is_double) return std::to_string(v);
  double d = 0;
  std::memcpy(&d, &v, sizeof d);
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  for (int digits = 1; digits <= 17; digits++) {  // the shortest text that reads back as d
    std::snprintf(buf, sizeof buf, "%.*g", digits, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

// All ranks agree on (kind, n, tag, chunk)? One all-reduce of the values and their negations with
// MPI_MAX gives the max and min of each everywhere, so every rank reaches the same verdict. Being
// an all-reduce, it is also a barrier: no rank leaves before every rank has arrived.
//
// The chunk size (init({ chunkElements }), per process) is checked rather than agreed on (e.g. the
// minimum): it fixes the number and counts of the MPI calls, so a difference would otherwise give
// MPI_ERR_TRUNCATE on one rank and silently wrong data on another. A difference means the ranks
// were started with different settings, which the user should hear about, not have papered over.
Result check_same(const char* what, Kind kind, size_t n, const Tag& tag, size_t chunk) {
  const long long ln = static_cast<long long>(n);
  const long long lc = static_cast<long long>(chunk);
  long long v[8] = {kind, -kind, ln, -ln, tag.value, -tag.value, lc, -lc};
  const int rc = MPI_Allreduce(MPI_IN_PLACE, v, 8, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
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
    r.message = std::string(what) + ": ranks passed different " + tag.name + " values (from " +
                tag_text(tag, -v[5]) + " to " + tag_text(tag, v[4]) + "; " + me + " passed " +
                tag_text(tag, tag.value) + ")";
  } else if (v[6] != -v[7]) {
    r.message = std::string(what) + ": ranks were initialised with different chunkElements (from " +
                std::to_string(-v[7]) + " to " + std::to_string(v[6]) + "; " + me + " has " +
                std::to_string(chunk) + "); pass the same init({ chunkElements }) on every rank";
  } else {
    return Result::success();
  }
  return r;
}

size_t chunk_of(size_t chunk) { return std::min<size_t>(chunk == 0 ? INT_MAX : chunk, INT_MAX); }

}  // namespace

int create_ops() {
  if (g_nan_max != MPI_OP_NULL) return MPI_SUCCESS;
  return MPI_Op_create(&nan_max, /*commute=*/1, &g_nan_max);
}

void free_ops() {
  if (g_nan_max != MPI_OP_NULL) MPI_Op_free(&g_nan_max);  // sets it to MPI_OP_NULL
}

Result all_reduce(float* data, size_t n, Op op, size_t chunk, const char* what) {
  std::lock_guard<std::mutex> lock(comm_lock());
  if (!initialized()) return not_initialized(what);
  Watched w(what);
  const size_t step = chunk_of(chunk);
  Result same = check_same(what, kAllReduce, n, int_tag("op", static_cast<long long>(op)), step);
  if (!same.ok) return same;
  const MPI_Op mop = op == Op::kMax ? g_nan_max : MPI_SUM;
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
  const size_t step = chunk_of(chunk);
  Result same = check_same(what, kBroadcast, n, int_tag("root", root), step);
  if (!same.ok) return same;
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
  // The check is an all-reduce, so it synchronises every rank: it is the barrier.
  return check_same("barrier", kBarrier, 0, int_tag("tag", 0), 0);
}

Result all_gather(const double* local, size_t k, double norm_type, double* out, const char* what) {
  std::lock_guard<std::mutex> lock(comm_lock());
  if (!initialized()) return not_initialized(what);
  Watched w(what);
  Result same = check_same(what, kAllGather, k, double_tag("normType", norm_type), 0);
  if (!same.ok) return same;
  const int rc = MPI_Allgather(local, static_cast<int>(k), MPI_DOUBLE, out, static_cast<int>(k),
                               MPI_DOUBLE, MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS)
    return Result::fail(std::string(what) + ": MPI_Allgather failed: " + error_text(rc));
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
