#include "core/exported_memory.h"

#include <cstdint>
#include <map>
#include <mutex>

#include "core/memory.h"

namespace gradguard {
namespace {

struct Entry {
  size_t bytes;
  size_t pins;
  bool released;  // the finalizer ran: free at the last unpin
};

struct Registry {
  std::mutex mutex;
  std::map<uintptr_t, Entry> entries;  // by start address, for the range lookup
};

// Never destroyed: finalizers and completions may run during process exit, after static
// destructors (it stays reachable, so leak checkers do not report it).
Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

}  // namespace

void track_exported(void* p, size_t bytes) {
  if (p == nullptr) return;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.entries[reinterpret_cast<uintptr_t>(p)] = Entry{bytes, 0, false};
}

void release_exported(void* p) {
  Registry& r = registry();
  size_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.entries.find(reinterpret_cast<uintptr_t>(p));
    if (it == r.entries.end()) return;
    if (it->second.pins > 0) {
      it->second.released = true;
      return;
    }
    bytes = it->second.bytes;
    r.entries.erase(it);
  }
  free_buffer(p, bytes);  // outside the lock: munmap of a large block is not free
}

const void* pin_exported(const void* p, size_t bytes) {
  const uintptr_t lo = reinterpret_cast<uintptr_t>(p);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.entries.upper_bound(lo);  // the first allocation starting after p
  if (it == r.entries.begin()) return nullptr;
  --it;
  const Entry& e = it->second;
  // A released entry is memory JS no longer holds: nobody can pass a live view of it.
  if (e.released || lo - it->first > e.bytes || bytes > e.bytes - (lo - it->first)) return nullptr;
  ++it->second.pins;
  return reinterpret_cast<const void*>(it->first);
}

void unpin_exported(const void* start) {
  Registry& r = registry();
  void* to_free = nullptr;
  size_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.entries.find(reinterpret_cast<uintptr_t>(start));
    if (it == r.entries.end() || it->second.pins == 0) return;
    if (--it->second.pins == 0 && it->second.released) {
      to_free = reinterpret_cast<void*>(it->first);
      bytes = it->second.bytes;
      r.entries.erase(it);
    }
  }
  free_buffer(to_free, bytes);
}

size_t exported_count() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.entries.size();
}

size_t exported_pins() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  size_t n = 0;
  for (const auto& kv : r.entries) n += kv.second.pins;
  return n;
}

}  // namespace gradguard
