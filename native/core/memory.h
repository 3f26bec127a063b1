// Aligned, zero-filled allocations for long-lived buffers (flat parameter stores, workspaces).
// Large blocks come from mmap, 2 MiB aligned and advised MADV_HUGEPAGE: the first touch of fresh
// 4 KiB pages costs a page fault each (about 0.35 GB/s here), of huge pages about 12 GB/s.
#pragma once

#include <cstddef>

namespace gradguard {

constexpr size_t kAlignment = 64;                     // a cache line, and an AVX-512 vector
constexpr size_t kHugePage = size_t{2} << 20;         // 2 MiB
constexpr size_t kHugePageThreshold = size_t{4} << 20;  // use huge pages from this size on

// Returns zeroed memory aligned to at least kAlignment, or nullptr. Free with free_buffer(p, bytes).
void* allocate_buffer(size_t bytes);
void free_buffer(void* p, size_t bytes);

}  // namespace gradguard
