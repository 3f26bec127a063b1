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

// Sum of x^2 in float64, plain C++ (eight accumulators, no intrinsics, the base flags), split over
// the thread pool: the stream a hand-written norm loop gets, to set the library's norm beside.
double stream_sum_squares(const float* x, size_t n);

// STREAM's triad a = b + s * c (float32), split over the thread pool: the bandwidth of a kernel
// that reads two streams and writes a third, the roofline the optimiser steps are rated against.
void stream_triad(float* a, const float* b, const float* c, float s, size_t n);

}  // namespace kernels
}  // namespace gradguard
