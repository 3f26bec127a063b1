// The SGEMM driver's blocking, derived at run time from the cache sizes the CPU reports
// (core/cache_info.h) with the BLIS/Goto rules, per micro-kernel tile (mr x nr):
//   kc: a packed B micro-panel (kc x nr floats) fills at most half of the L1 data cache, so it
//   stays
//       there while the A micro-panels stream past it;
//   mc: a packed A block (mc x kc) fills at most half of this thread's share of L2;
//   nc: the packed B block (kc x nc) fills at most half of this thread's share of L3;
//   mo: rows of A packed at once (a multiple of mc), also at most half of that L3 share.
// Each is rounded down to a multiple of its tile (kc of 8) and clamped to the bounds below, so a
// bogus report cannot produce a degenerate or huge block. A level nothing reports (qemu-user, a
// container without sysfs) takes its fallback: 32 KiB L1d, 512 KiB L2, 2 MiB L3 per thread.
// kc fixes where the depth is cut into slices, so it fixes the rounding: results are bit-identical
// for any thread count on one machine and ISA, and may differ in the last bits between machines
// whose L1d sizes differ.
#pragma once

#include <cstddef>

#include "core/cache_info.h"
#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

struct GemmBlocking {
  size_t mr, nr;  // the micro-kernel tile
  size_t kc;      // depth of a packed slice (the largest; a product's slices are evened out)
  size_t mc;      // rows of C per task: one packed A block
  size_t nc;      // columns of B packed at once
  size_t mo;      // rows of A packed at once
};

constexpr size_t kFallbackL1d = size_t{32} << 10;
constexpr size_t kFallbackL2 = size_t{512} << 10;
constexpr size_t kFallbackL3PerThread = size_t{2} << 20;
constexpr size_t kMinKc = 64, kMaxKc = 512;
// Rows of an A block at most (rounded down to a multiple of mr): past ~500 rows a bigger block
// gains nothing (a B micro-panel is already reused by 30+ tiles) but coarsens the tasks, and on a
// shared core the other tenant's lines take part of the L2 the rule counts on (BLIS's SKX value).
constexpr size_t kMaxMc = 480;
constexpr size_t kMinNc = 256, kMaxNc = 4096;
constexpr size_t kMaxMo = 4096;

// The rules above for these cache sizes and tile (a pure function: the tests feed it sizes).
GemmBlocking derive_gemm_blocking(const CacheSizes& caches, size_t mr, size_t nr);

// derive_gemm_blocking(cache_sizes(), the ISA's tile), computed once per ISA.
const GemmBlocking& gemm_blocking(Isa isa);

}  // namespace kernels
}  // namespace gradguard
