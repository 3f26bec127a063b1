// The one lock held around every MPI call: with it, calls from the main thread and from the async
// communication thread never overlap, which is all MPI_THREAD_SERIALIZED asks.
#pragma once

#include <mutex>

namespace gradguard {
namespace mpi {

std::mutex& comm_lock();

}  // namespace mpi
}  // namespace gradguard
