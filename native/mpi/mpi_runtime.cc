// Start-up and shut-down of MPI for gradguard.dist (see mpi_runtime.h).
#include "mpi/mpi_runtime.h"

#include <dlfcn.h>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "mpi/mpi_lock.h"
#include "mpi/mpi_watchdog.h"

namespace gradguard {
namespace mpi {
namespace {

int g_rank = 0;
int g_size = 1;
int g_provided = -1;
bool g_initialized = false;  // by us
bool g_finalized = false;
bool g_global_before_init = false;

}  // namespace

std::mutex& comm_lock() {
  static std::mutex m;
  return m;
}

std::string promote_libmpi_global(std::string* error) {
  // dladdr names the file that defines MPI_Init (libmpi.so.40 for Open MPI 4, libmpi.so.12 for
  // MPICH...), so no soname is hard-coded; RTLD_NOLOAD only changes the flags of the loaded copy.
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init), &info) == 0 || info.dli_fname == nullptr) {
    *error = "dladdr(MPI_Init) found no library";
    return "";
  }
  void* handle = dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  if (handle == nullptr) {
    const char* e = dlerror();
    *error = std::string("dlopen(") + info.dli_fname +
             ", RTLD_GLOBAL|RTLD_NOLOAD): " + (e ? e : "failed");
    return "";
  }
  // The handle is kept open on purpose: libmpi must stay loaded, and global, until exit.
  return info.dli_fname;
}

Result init(int required, double timeout_ms, int* provided) {
  std::lock_guard<std::mutex> lock(comm_lock());
  int already = 0;
  MPI_Initialized(&already);
  if (already)
    return Result::fail(g_finalized
                            ? "MPI was finalised; it cannot be initialised again in this process"
                            : "MPI is already initialised");
  const char* skip = std::getenv("GRADGUARD_MPI_NO_GLOBAL");  // tests: show the pitfall is real
  if (skip == nullptr || std::string(skip) != "1") {
    std::string error;
    if (promote_libmpi_global(&error).empty()) {
      return Result::fail(
          "could not make libmpi's symbols global (needed by Open MPI's plugins): " + error);
    }
  }
  // Recorded before MPI_Init_thread (some Open MPI versions promote libmpi themselves there), so a
  // test can see that our promotion alone makes the symbols global.
  g_global_before_init = libmpi_symbols_global();
  int got = -1;
  const int rc = MPI_Init_thread(nullptr, nullptr, required, &got);
  if (rc != MPI_SUCCESS)
    return Result::fail("MPI_Init_thread failed with code " + std::to_string(rc));
  // Errors come back as codes (and become JS errors) instead of aborting the job at once.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  const int ops = create_ops();
  if (ops != MPI_SUCCESS) {
    // Unusable without its ops: leave MPI the way a failed init should (it cannot be retried).
    MPI_Finalize();
    g_finalized = true;
    return Result::fail("MPI_Op_create failed with code " + std::to_string(ops));
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  g_provided = got;
  g_initialized = true;
  *provided = got;
  watchdog_start(timeout_ms, g_rank, g_size);
  return Result::success();
}

Result finalize() {
  int rc = MPI_SUCCESS;
  {
    std::lock_guard<std::mutex> lock(comm_lock());
    if (!g_initialized || g_finalized) return Result::success();
    g_finalized = true;
    free_ops();
    // MPI_Finalize waits for every rank: a rank that leaves (even with exit code 0) while others
    // wait in a collective would wait here forever, so the watchdog covers it too.
    watchdog_enter("MPI_Finalize (at dist.finalize() or a normal exit)");
    rc = MPI_Finalize();
    watchdog_leave();
  }
  watchdog_stop();
  if (rc != MPI_SUCCESS) return Result::fail("MPI_Finalize failed with code " + std::to_string(rc));
  return Result::success();
}

bool global_before_init() { return g_global_before_init; }
bool initialized() { return g_initialized && !g_finalized; }
bool finalized() { return g_finalized; }
int rank() { return g_rank; }
int size() { return g_size; }
int thread_level() { return g_provided; }

std::string library_version() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string s(buf, static_cast<size_t>(len));
  const size_t nl = s.find_first_of("\n,");
  return nl == std::string::npos ? s : s.substr(0, nl);
}

bool libmpi_symbols_global() {
  // dlopen(NULL)'s handle searches the global scope only (RTLD_DEFAULT would also search this
  // addon's own local scope, where libmpi always is).
  void* global = dlopen(nullptr, RTLD_NOW);
  const bool found = global != nullptr && dlsym(global, "MPI_Comm_rank") != nullptr;
  if (global != nullptr) dlclose(global);
  return found;
}

void abort_job(int code, const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  abort_world(code);
}

}  // namespace mpi
}  // namespace gradguard
