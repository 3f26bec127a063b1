// Reusable blocks for the copies an *Async call makes of JS-owned memory (see
// addon/async_staging.h). Fresh memory costs a page fault per 4 KiB page on first touch (about
// 0.35 GB/s on the reference VM against about 30 GB/s for memory already touched), so a training
// loop's repeated async calls must get the same blocks back rather than new ones: blocks are kept
// by power-of-two size class, up to a cap on the bytes held idle. Process-wide and thread-safe.
#pragma once

#include <cstddef>

namespace gradguard {

// A block of at least `bytes` bytes (contents unspecified), 64-byte aligned, and its capacity in
// *capacity (pass it back to scratch_release). nullptr when the allocation fails.
void* scratch_acquire(size_t bytes, size_t* capacity);
void scratch_release(void* p, size_t capacity);

// Idle bytes kept for reuse at most; beyond it released blocks are freed.
constexpr size_t kScratchIdleCap = size_t{256} << 20;

// For tests: idle blocks and bytes held now.
size_t scratch_idle_blocks();
size_t scratch_idle_bytes();

}  // namespace gradguard
