// Plain streaming kernels that measure the machine's memory bandwidth in the same run as the
// benchmarks (the roofline every streaming kernel is compared with). Not used by the library.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gradguard {
namespace kernels {

// Reads every byte once (XOR of 64-bit words, split over the thread pool); returns the XOR so the
// compiler cannot drop the reads.
uint64_t stream_read(const void* data, size_t bytes);

// memcpy split over the thread pool.
void stream_copy(void* dst, const void* src, size_t bytes);

}  // namespace kernels
}  // namespace gradguard
