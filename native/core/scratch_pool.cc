#include "core/scratch_pool.h"

#include <mutex>
#include <vector>

#include "core/memory.h"

namespace gradguard {
namespace {

constexpr size_t kMinBlock = 64;
constexpr int kClasses = 64;

struct Pool {
  std::mutex mutex;
  std::vector<void*> idle[kClasses];
  size_t idle_bytes = 0;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: releases may come during process exit
  return *p;
}

// The class whose blocks hold 2^c bytes: the smallest power of two >= bytes (and >= kMinBlock).
int size_class(size_t bytes, size_t* capacity) {
  size_t cap = kMinBlock;
  int c = 6;
  while (cap < bytes) {
    cap <<= 1;
    ++c;
  }
  *capacity = cap;
  return c;
}

}  // namespace

void* scratch_acquire(size_t bytes, size_t* capacity) {
  if (bytes > (size_t{1} << 62)) return nullptr;
  const int c = size_class(bytes, capacity);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    if (!p.idle[c].empty()) {
      void* block = p.idle[c].back();
      p.idle[c].pop_back();
      p.idle_bytes -= *capacity;
      return block;
    }
  }
  // Large classes come from mmap (allocate_buffer): only the pages a copy touches become resident.
  return allocate_buffer(*capacity);
}

void scratch_release(void* block, size_t capacity) {
  if (block == nullptr) return;
  size_t cap = 0;
  const int c = size_class(capacity, &cap);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    if (cap == capacity && p.idle_bytes + capacity <= kScratchIdleCap) {
      p.idle[c].push_back(block);
      p.idle_bytes += capacity;
      return;
    }
  }
  free_buffer(block, capacity);
}

size_t scratch_idle_blocks() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  size_t n = 0;
  for (const auto& v : p.idle) n += v.size();
  return n;
}

size_t scratch_idle_bytes() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.idle_bytes;
}

}  // namespace gradguard
