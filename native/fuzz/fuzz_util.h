// Shared helpers of the libFuzzer targets (native/fuzz/*.cpp, built and run by
// scripts/test-fuzz.mjs; the sources are *.cpp so that scripts/sources.mjs, which collects *.cc,
// never builds them into the addon or the ctest suite). Every target turns the fuzzer's bytes into
// a kernel call with FuzzedDataProvider and checks each ISA this CPU runs against the scalar
// reference.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "core/dispatch.h"

namespace gradguard {
namespace fuzz {

// A finding: print what and where, then abort so libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(const char* what, const char* isa, double got, double want) {
  std::fprintf(stderr, "fuzz mismatch: %s on %s: got %.17g, want %.17g\n", what, isa, got, want);
  std::abort();
}
#define FUZZ_CHECK(cond, what, isa, got, want)                  \
  do {                                                          \
    if (!(cond)) ::gradguard::fuzz::fail(what, isa, got, want); \
  } while (0)

inline bool bits_equal(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// NaN matches NaN, infinities match exactly, finite values within atol + rtol * |want|.
inline bool close(double got, double want, double rtol, double atol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::isfinite(got) && std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

// Every ISA this machine runs except scalar (the reference).
inline std::vector<Isa> simd_isas() {
  std::vector<Isa> out;
  for (int i = 1; i < kIsaCount; ++i) {
    if (isa_supported(static_cast<Isa>(i))) out.push_back(static_cast<Isa>(i));
  }
  return out;
}

inline float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

// One value: mostly ordinary, often a special (NaN of either sign and payload, +-Inf, +-0,
// subnormals, FLT_MAX, values whose square overflows float32), sometimes raw bits.
inline float special_or_plain(FuzzedDataProvider& in, bool allow_nonfinite = true) {
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
    case 0: return allow_nonfinite ? from_bits(0x7fc00000u | in.ConsumeIntegral<uint16_t>()) : 0.f;
    case 1: return allow_nonfinite ? (in.ConsumeBool() ? INFINITY : -INFINITY) : 1.f;
    case 2: return in.ConsumeBool() ? 0.f : -0.f;
    case 3:
      return from_bits(in.ConsumeIntegralInRange<uint32_t>(1, 0x007fffffu)) *
             (in.ConsumeBool() ? 1 : -1);
    case 4: return in.ConsumeBool() ? FLT_MAX : -FLT_MAX;
    case 5: return in.ConsumeFloatingPointInRange<float>(-3e38f, 3e38f);
    case 6: {
      const float f = from_bits(in.ConsumeIntegral<uint32_t>());
      return allow_nonfinite || std::isfinite(f) ? f : 0.5f;
    }
    default: return in.ConsumeFloatingPointInRange<float>(-4.f, 4.f);
  }
}

// A float buffer whose data starts `misalign` floats past a 64-byte boundary, so kernels see every
// alignment, and ends exactly at the end of its allocation, so ASan catches any access past it.
class Buffer {
 public:
  Buffer(size_t n, size_t misalign) : size(n) {
    void* p = nullptr;
    if (posix_memalign(&p, 64, (misalign + n) * sizeof(float) + (misalign + n == 0)) != 0)
      std::abort();
    base_ = static_cast<float*>(p);
    data = base_ + misalign;
  }
  ~Buffer() { std::free(base_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept : data(o.data), size(o.size), base_(o.base_) { o.base_ = nullptr; }
  float* data;
  size_t size;

 private:
  float* base_;
};

}  // namespace fuzz
}  // namespace gradguard
