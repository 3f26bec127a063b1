#include "core/memory.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__linux__) || defined(__APPLE__)
#include <sys/mman.h>
#endif

namespace gradguard {

void* allocate_buffer(size_t bytes) {
  if (bytes == 0) bytes = kAlignment;
#if defined(__linux__) || defined(__APPLE__)
  if (bytes >= kHugePageThreshold) {
    // Over-map by one huge page and trim, so the block starts on a 2 MiB boundary.
    const size_t span = bytes + kHugePage;
    void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
    if (aligned > start) munmap(raw, aligned - start);
    const uintptr_t end = start + span, used_end = aligned + bytes;
    const uintptr_t page_end = (used_end + 4095) & ~uintptr_t{4095};
    if (end > page_end) munmap(reinterpret_cast<void*>(page_end), end - page_end);
#if defined(MADV_HUGEPAGE)
    madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
#endif
    return reinterpret_cast<void*>(aligned);  // anonymous pages read as zero
  }
#endif
  const size_t rounded = (bytes + kAlignment - 1) & ~(kAlignment - 1);
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (p != nullptr) std::memset(p, 0, rounded);
  return p;
}

void free_buffer(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes == 0) bytes = kAlignment;
#if defined(__linux__) || defined(__APPLE__)
  if (bytes >= kHugePageThreshold) {
    munmap(p, (bytes + 4095) & ~size_t{4095});
    return;
  }
#endif
  std::free(p);
}

}  // namespace gradguard
