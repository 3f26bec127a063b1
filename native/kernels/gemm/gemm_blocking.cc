#include "kernels/gemm/gemm_blocking.h"

#include "kernels/gemm/gemm.h"

namespace gradguard {
namespace kernels {
namespace {

inline size_t clamp_sz(size_t v, size_t lo, size_t hi) { return v < lo ? lo : v > hi ? hi : v; }
inline size_t round_down(size_t v, size_t step) { return v / step * step; }

}  // namespace

GemmBlocking derive_gemm_blocking(const CacheSizes& caches, size_t mr, size_t nr) {
  const size_t l1 = caches.l1d != 0 ? caches.l1d : kFallbackL1d;
  // Threads sharing a cache (hyperthreads on one L2, cores on one L3) each get their share of it.
  const size_t l2 =
      caches.l2 != 0 ? caches.l2 / (caches.l2_sharing > 0 ? caches.l2_sharing : 1) : kFallbackL2;
  const size_t l3 = caches.l3 != 0 ? caches.l3 / (caches.l3_sharing > 0 ? caches.l3_sharing : 1)
                                   : kFallbackL3PerThread;
  GemmBlocking b{};
  b.mr = mr;
  b.nr = nr;
  b.kc = clamp_sz(round_down(l1 * 2 / 3 / (nr * sizeof(float)), 8), kMinKc, kMaxKc);
  const size_t mc_max = round_down(kMaxMc, mr);
  b.mc = clamp_sz(round_down(l2 / 2 / (b.kc * sizeof(float)), mr), mr, mc_max);
  const size_t nc_min = (kMinNc + nr - 1) / nr * nr, nc_max = round_down(kMaxNc, nr);
  b.nc = clamp_sz(round_down(l3 / 2 / (b.kc * sizeof(float)), nr), nc_min, nc_max);
  b.mo = clamp_sz(round_down(l3 / 2 / (b.kc * sizeof(float)), b.mc), b.mc,
                  round_down(kMaxMo, b.mc) > 0 ? round_down(kMaxMo, b.mc) : b.mc);
  return b;
}

const GemmBlocking& gemm_blocking(Isa isa) {
  // One slot per ISA, filled on first use (the tile comes from the ISA's micro-kernel table).
  static const struct Table {
    GemmBlocking rows[kIsaCount];
    Table() {
      for (int i = 0; i < kIsaCount; ++i) {
        const GemmKernels& k = gemm_kernels(static_cast<Isa>(i));
        rows[i] = derive_gemm_blocking(cache_sizes(), k.mr, k.nr);
      }
    }
  } table;
  return table.rows[static_cast<int>(isa)];
}

}  // namespace kernels
}  // namespace gradguard
