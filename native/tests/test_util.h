// A minimal test harness for the C++ kernel tests (one executable per kernel family, run by ctest).
// CHECK records a failure and continues; main() returns the failure count's status.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "core/dispatch.h"

namespace gradguard {
namespace test {

inline int& failures() {
  static int n = 0;
  return n;
}

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++::gradguard::test::failures();                                              \
    }                                                                               \
  } while (0)

#define CHECK_MSG(cond, ...)                                                        \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                            \
      std::fprintf(stderr, "\n");                                                   \
      ++::gradguard::test::failures();                                              \
    }                                                                               \
  } while (0)

// |a - e| <= atol + rtol * |e|, with NaN matching NaN and infinities matching exactly.
inline bool close(double a, double e, double rtol, double atol) {
  if (std::isnan(e)) return std::isnan(a);
  if (std::isinf(e)) return a == e;
  return std::isfinite(a) && std::fabs(a - e) <= atol + rtol * std::fabs(e);
}

inline bool bits_equal(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

// Every ISA this machine can run, scalar included.
inline std::vector<Isa> isas() {
  std::vector<Isa> out;
  for (int i = 0; i < kIsaCount; ++i) {
    if (isa_supported(static_cast<Isa>(i))) out.push_back(static_cast<Isa>(i));
  }
  return out;
}

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Sizes around SIMD widths and tiles: 0, 1, w-1, w, w+1 for w in {4, 8, 16, 32, 64}, and larger.
inline std::vector<size_t> edge_sizes() {
  return {0,  1,  2,  3,  4,  5,   7,    8,    9,     15,    16,    17,   31,
          32, 33, 63, 64, 65, 127, 1000, 4099, 16383, 16384, 16385, 70001};
}

inline int finish(const char* name) {
  if (failures() == 0) {
    std::printf("%s: all checks passed\n", name);
    return 0;
  }
  std::printf("%s: %d check(s) failed\n", name, failures());
  return 1;
}

}  // namespace test
}  // namespace gradguard
