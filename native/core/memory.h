// Aligned, zero-filled allocations for long-lived buffers (flat parameter stores, workspaces).
// Large blocks come from mmap, 2 MiB aligned and advised MADV_HUGEPAGE: the first touch of fresh
// 4 KiB pages costs a page fault each (about 0.35 GB/s here), of huge pages about 12 GB/s.
#pragma once

#include <cstddef>

namespace gradguard {

constexpr size_t kAlignment = 64;                       // a cache line, and an AVX-512 vector
constexpr size_t kHugePage = size_t{2} << 20;           // 2 MiB
constexpr size_t kHugePageThreshold = size_t{4} << 20;  // use huge pages from this size on

// Returns zeroed memory aligned to at least kAlignment, or nullptr. Free with free_buffer(p,
// bytes).
void* allocate_buffer(size_t bytes);
void free_buffer(void* p, size_t bytes);

// A grow-only float buffer from allocate_buffer, meant to be kept per thread (thread_local) so
// steady-state kernel calls stop allocating (and paying fresh pages' faults). get() returns at
// least `floats` floats, or nullptr when that allocation fails; the contents are not preserved on
// growth.
class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { free_buffer(data_, bytes_); }
  float* get(size_t floats) {
    const size_t bytes = floats * sizeof(float);
    if (bytes > bytes_) {
      free_buffer(data_, bytes_);
      data_ = static_cast<float*>(allocate_buffer(bytes));
      bytes_ = data_ != nullptr ? bytes : 0;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace gradguard
