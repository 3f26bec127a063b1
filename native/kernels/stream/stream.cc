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

}  // namespace kernels
}  // namespace gradguard
