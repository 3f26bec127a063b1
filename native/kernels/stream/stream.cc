#include "kernels/stream/stream.h"

#include <cstring>
#include <vector>

#include "core/thread_pool.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr size_t kBlock = size_t{1} << 20;  // bytes per parallel block

uint64_t xor_words(const uint64_t* p, size_t n) {
  // Eight independent lanes: integer XOR is associative, so the compiler vectorises it freely.
  uint64_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) a[k] ^= p[i + k];
  }
  for (; i < n; ++i) a[0] ^= p[i];
  return a[0] ^ a[1] ^ a[2] ^ a[3] ^ a[4] ^ a[5] ^ a[6] ^ a[7];
}

double sum_squares_plain(const float* x, size_t n) {
  // Eight named accumulators (registers, not an array the compiler may keep in memory): eight
  // independent add chains, as a careful hand-written loop has; no intrinsics, no reassociation.
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const double v0 = x[i], v1 = x[i + 1], v2 = x[i + 2], v3 = x[i + 3];
    const double v4 = x[i + 4], v5 = x[i + 5], v6 = x[i + 6], v7 = x[i + 7];
    a0 += v0 * v0;
    a1 += v1 * v1;
    a2 += v2 * v2;
    a3 += v3 * v3;
    a4 += v4 * v4;
    a5 += v5 * v5;
    a6 += v6 * v6;
    a7 += v7 * v7;
  }
  for (; i < n; ++i) a0 += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
}

}  // namespace

uint64_t stream_read(const void* data, size_t bytes) {
  const size_t blocks = (bytes + kBlock - 1) / kBlock;
  std::vector<uint64_t> partial(blocks, 0);
  const unsigned char* base = static_cast<const unsigned char*>(data);
  parallel_for(0, blocks, 1, [&](size_t lo, size_t hi) {
    for (size_t b = lo; b < hi; ++b) {
      const size_t off = b * kBlock;
      const size_t len = bytes - off < kBlock ? bytes - off : kBlock;
      partial[b] = xor_words(reinterpret_cast<const uint64_t*>(base + off), len / 8);
    }
  });
  uint64_t x = 0;
  for (uint64_t v : partial) x ^= v;
  return x;
}

void stream_copy(void* dst, const void* src, size_t bytes) {
  const size_t blocks = (bytes + kBlock - 1) / kBlock;
  unsigned char* d = static_cast<unsigned char*>(dst);
  const unsigned char* s = static_cast<const unsigned char*>(src);
  parallel_for(0, blocks, 1, [&](size_t lo, size_t hi) {
    for (size_t b = lo; b < hi; ++b) {
      const size_t off = b * kBlock;
      std::memcpy(d + off, s + off, bytes - off < kBlock ? bytes - off : kBlock);
    }
  });
}

double stream_sum_squares(const float* x, size_t n) {
  constexpr size_t kFloats = kBlock / sizeof(float);
  const size_t blocks = (n + kFloats - 1) / kFloats;
  std::vector<double> partial(blocks, 0.0);
  parallel_for(0, blocks, 1, [&](size_t lo, size_t hi) {
    for (size_t b = lo; b < hi; ++b) {
      const size_t off = b * kFloats;
      partial[b] = sum_squares_plain(x + off, n - off < kFloats ? n - off : kFloats);
    }
  });
  double s = 0.0;
  for (double v : partial) s += v;
  return s;
}

void stream_triad(float* a, const float* b, const float* c, float s, size_t n) {
  constexpr size_t kFloats = kBlock / sizeof(float);
  const size_t blocks = (n + kFloats - 1) / kFloats;
  parallel_for(0, blocks, 1, [&](size_t lo, size_t hi) {
    for (size_t blk = lo; blk < hi; ++blk) {
      const size_t off = blk * kFloats, end = n - off < kFloats ? n : off + kFloats;
      for (size_t i = off; i < end; ++i) a[i] = b[i] + s * c[i];
    }
  });
}

}  // namespace kernels
}  // namespace gradguard
