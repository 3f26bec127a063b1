// The SGEMM driver's blocking, derived at run time from the cache sizes the CPU reports
// (core/cache_info.h) with the BLIS/Goto rules, per micro-kernel tile (mr x nr):
//   kc: a packed B micro-panel (kc x nr floats) fills at most two thirds of the L1 data cache,
//       so it stays there while the A micro-panels stream past it (BLIS's analytical model leaves
//       the rest to the A micro-panel and C; half, the textbook rule, measured 3.5% slower at
//       1024^3 with the 14x32 AVX-512 tile on a 48 KiB L1d: kc 192 against 256, interleaved);
//   mc: a packed A block (mc x kc) fills at most half of this thread's share of L2, and at most
//       kMaxMc rows (below);
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
// Rows of an A block at most (rounded down to a multiple of mr). Not a cache bound but the TLB's:
// a task walks one C row per page (ldc >= 1024 floats) for each B panel, and past the L1 dTLB's
// reach (64-96 entries) every C tile misses it. 1024^3, AVX-512, interleaved at a quiet moment of
// this Xeon: mc 42-98 rows 170 GFLOP/s, 140 rows 167, 238 rows 164, 476 rows (the L2 rule) 160.
constexpr size_t kMaxMc = 96;
constexpr size_t kMinNc = 256, kMaxNc = 4096;
constexpr size_t kMaxMo = 4096;

// The rules above for these cache sizes and tile (a pure function: the tests feed it sizes).
GemmBlocking derive_gemm_blocking(const CacheSizes& caches, size_t mr, size_t nr);

// derive_gemm_blocking(cache_sizes(), the ISA's tile), computed once per ISA.
const GemmBlocking& gemm_blocking(Isa isa);

}  // namespace kernels
}  // namespace gradguard
