// The GEMM blocking derived from cache sizes (kernels/gemm/gemm_blocking.h): the BLIS/Goto rules on
// given sizes, the fallback when nothing is reported, clamping of bogus reports, the sysfs parsers,
// and that a product spanning several row, column and depth blocks of this machine's blocking
// gives the same bits on both driver paths and on every thread count.
#include "kernels/gemm/gemm_blocking.h"

#include <cmath>
#include <vector>

#include "core/cache_info.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

constexpr size_t KiB = 1024, MiB = 1024 * 1024;

CacheSizes sizes(size_t l1d, size_t l2, size_t l3, size_t l2_sharing, size_t l3_sharing) {
  CacheSizes c;
  c.l1d = l1d;
  c.l2 = l2;
  c.l3 = l3;
  c.l2_sharing = l2_sharing;
  c.l3_sharing = l3_sharing;
  return c;
}

// Every rule and bound of the header, for any sizes and tile.
void check_invariants(const GemmBlocking& b, const CacheSizes& c, size_t mr, size_t nr) {
  CHECK(b.mr == mr && b.nr == nr);
  CHECK_MSG(b.kc >= kMinKc && b.kc <= kMaxKc && b.kc % 8 == 0, "kc %zu", b.kc);
  CHECK_MSG(b.mc >= mr && b.mc <= kMaxMc && b.mc % mr == 0, "mc %zu (mr %zu)", b.mc, mr);
  CHECK_MSG(b.nc >= kMinNc && b.nc <= kMaxNc && b.nc % nr == 0, "nc %zu (nr %zu)", b.nc, nr);
  CHECK_MSG(b.mo >= b.mc && b.mo <= kMaxMo && b.mo % b.mc == 0, "mo %zu (mc %zu)", b.mo, b.mc);
  const size_t l1 = c.l1d ? c.l1d : kFallbackL1d;
  if (b.kc > kMinKc) CHECK_MSG(b.kc * nr * 4 <= l1 * 2 / 3, "kc %zu nr %zu l1 %zu", b.kc, nr, l1);
}

void test_rules() {
  // Zen 5 / Zen 4 / Sapphire Rapids-like sizes, 12x32 and 14x32 (AVX-512) and 6x16 (AVX2).
  {
    const CacheSizes c = sizes(48 * KiB, 1 * MiB, 32 * MiB, 2, 16);  // SMT pairs, 8-core CCX
    const GemmBlocking b = derive_gemm_blocking(c, 12, 32);
    CHECK_MSG(b.kc == 256, "kc %zu", b.kc);  // 48 KiB * 2/3 / (32 * 4)
    // L2 share 512 KiB: half of it / (256 * 4) = 256 rows, capped at kMaxMc = 96.
    CHECK_MSG(b.mc == 96, "mc %zu", b.mc);
    // L3 share 2 MiB: half of it / (256 * 4) = 1024 columns (a multiple of 32).
    CHECK_MSG(b.nc == 1024, "nc %zu", b.nc);
    CHECK_MSG(b.mo == 960, "mo %zu", b.mo);  // 1024 rows -> a multiple of mc
    check_invariants(b, c, 12, 32);
    const GemmBlocking d = derive_gemm_blocking(c, 14, 32);
    CHECK_MSG(d.kc == 256 && d.mc == 84, "14x32 kc %zu mc %zu", d.kc, d.mc);  // 96 -> 84 = 6 x 14
    check_invariants(d, c, 14, 32);
    const GemmBlocking a = derive_gemm_blocking(c, 6, 16);
    CHECK_MSG(a.kc == 512, "avx2 kc %zu", a.kc);  // 48 KiB * 2/3 / 64 = 512
    CHECK_MSG(a.mc == 96, "avx2 mc %zu", a.mc);   // 512 KiB / 2 / 2048 = 128, capped at 96
    check_invariants(a, c, 6, 16);
  }
  {
    const CacheSizes c = sizes(32 * KiB, 256 * KiB, 8 * MiB, 2, 8);  // an older 4-core with SMT
    const GemmBlocking b = derive_gemm_blocking(c, 6, 16);
    CHECK_MSG(b.kc == 336, "kc %zu", b.kc);  // 32 KiB * 2/3 / 64 = 341 -> 336
    CHECK_MSG(b.mc == 48, "mc %zu", b.mc);   // 128 KiB / 2 / 1344 = 48 (the L2 rule binds)
    CHECK_MSG(b.nc == 384, "nc %zu", b.nc);  // 1 MiB / 2 / 1344 = 390 -> 384
    check_invariants(b, c, 6, 16);
  }
  // A bigger cache never gives smaller blocks.
  for (size_t nr : {size_t{8}, size_t{16}, size_t{32}}) {
    const GemmBlocking small =
        derive_gemm_blocking(sizes(32 * KiB, 512 * KiB, 4 * MiB, 1, 1), 8, nr);
    const GemmBlocking big = derive_gemm_blocking(sizes(64 * KiB, 2 * MiB, 64 * MiB, 1, 1), 8, nr);
    CHECK(big.kc >= small.kc && big.mc >= small.mc && big.nc >= small.nc);
  }
}

void test_fallback_and_clamps() {
  // Nothing reported (qemu-user without sysfs, a bare container): the documented fallbacks.
  const CacheSizes none;
  const GemmBlocking f = derive_gemm_blocking(none, 8, 8);
  const GemmBlocking want =
      derive_gemm_blocking(sizes(kFallbackL1d, kFallbackL2, kFallbackL3PerThread, 1, 1), 8, 8);
  CHECK(f.kc == want.kc && f.mc == want.mc && f.nc == want.nc && f.mo == want.mo);
  CHECK_MSG(f.kc == 512, "fallback kc %zu", f.kc);  // 32 KiB * 2/3 / 32 = 682, clamped to 512
  check_invariants(f, none, 8, 8);
  // Only L1 known: the others fall back one by one.
  const GemmBlocking g = derive_gemm_blocking(sizes(48 * KiB, 0, 0, 0, 0), 12, 32);
  CHECK(g.kc == 256);
  CHECK(g.mc == derive_gemm_blocking(sizes(48 * KiB, kFallbackL2, 0, 1, 0), 12, 32).mc);
  // Absurd reports stay inside the bounds: 1 KiB caches, 1 TiB caches, more sharers than bytes.
  for (const CacheSizes& c : {sizes(1 * KiB, 1 * KiB, 1 * KiB, 1, 1),
                              sizes(size_t{1} << 40, size_t{1} << 40, size_t{1} << 40, 1, 1),
                              sizes(48 * KiB, 2 * MiB, 32 * MiB, 1u << 30, 1u << 30)}) {
    for (size_t mr : {size_t{4}, size_t{6}, size_t{8}, size_t{12}, size_t{14}}) {
      for (size_t nr : {size_t{8}, size_t{16}, size_t{32}}) {
        check_invariants(derive_gemm_blocking(c, mr, nr), c, mr, nr);
      }
    }
  }
  // This machine's tables obey the rules too.
  for (Isa isa : test::isas()) {
    const GemmKernels& k = gemm_kernels(isa);
    const GemmBlocking& b = gemm_blocking(isa);
    check_invariants(b, cache_sizes(), k.mr, k.nr);
    std::printf("gemm_blocking_test: %s %zux%zu kc %zu mc %zu nc %zu mo %zu\n", isa_name(isa), b.mr,
                b.nr, b.kc, b.mc, b.nc, b.mo);
  }
  const CacheSizes& c = cache_sizes();
  std::printf("gemm_blocking_test: caches L1d %zu, L2 %zu (/%zu), L3 %zu (/%zu) bytes\n", c.l1d,
              c.l2, c.l2_sharing, c.l3, c.l3_sharing);
}

void test_parsers() {
  CHECK(parse_cache_size("48K") == 48 * KiB);
  CHECK(parse_cache_size("2048K") == 2 * MiB);
  CHECK(parse_cache_size("32M") == 32 * MiB);
  CHECK(parse_cache_size("1G") == size_t{1} << 30);
  CHECK(parse_cache_size("65536") == 65536);
  CHECK(parse_cache_size("48KB") == 48 * KiB);
  CHECK(parse_cache_size("") == 0);
  CHECK(parse_cache_size("K") == 0);
  CHECK(parse_cache_size("48Q") == 0);
  CHECK(parse_cache_size("-4K") == 0);
  CHECK(parse_cache_size(nullptr) == 0);
  CHECK(parse_cache_size("99999999999999999999K") == 0);
  CHECK(parse_cpu_list_count("0") == 1);
  CHECK(parse_cpu_list_count("0-1") == 2);
  CHECK(parse_cpu_list_count("0-3,8-11") == 8);
  CHECK(parse_cpu_list_count("2,5,7") == 3);
  CHECK(parse_cpu_list_count("") == 0);
  CHECK(parse_cpu_list_count("3-1") == 0);
  CHECK(parse_cpu_list_count("0-") == 0);
  CHECK(parse_cpu_list_count("a") == 0);
  CHECK(parse_cpu_list_count(nullptr) == 0);
}

// A product with more rows than one row block (the blocked driver) against the first rows alone
// (one row block: the short-A path, B packed per task): the same bits; and both against the
// reference, on 1, 2 and 3 threads, with depth over two slices and columns over a few panels.
void test_paths_agree() {
  const int saved = num_threads();
  uint32_t seed = 31;
  for (Isa isa : test::isas()) {
    const GemmBlocking& b = gemm_blocking(isa);
    const size_t m = b.mc + 13, m1 = b.mc - b.mr + 1, n = 3 * b.nr + 7, k = 2 * b.kc + 5;
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const std::vector<float> a = test::random_floats(m * k, seed++);
      const std::vector<float> bm = test::random_floats(k * n, seed++);
      const std::vector<float> c0 = test::random_floats(m * n, seed++);
      const size_t lda = ta ? m : k, ldb = tb ? k : n;
      std::vector<float> ref = c0;
      scalar::sgemm_ref_f32__scalar(ta, tb, m, n, k, 0.5f, a.data(), lda, bm.data(), ldb, 0.25f,
                                    ref.data(), n);
      std::vector<float> first;
      for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        std::vector<float> whole = c0, part = c0;
        CHECK(sgemm(isa, ta, tb, m, n, k, 0.5f, a.data(), lda, bm.data(), ldb, 0.25f, whole.data(),
                    n) == Status::kOk);
        // op(A)'s first m1 rows: the same storage with m1 in place of m (lda unchanged).
        CHECK(sgemm(isa, ta, tb, m1, n, k, 0.5f, a.data(), lda, bm.data(), ldb, 0.25f, part.data(),
                    n) == Status::kOk);
        bool same = true, close = true;
        for (size_t i = 0; i < m1 * n; ++i) same = same && test::bits_equal(part[i], whole[i]);
        for (size_t i = 0; i < m * n; ++i) {
          close = close && std::fabs(whole[i] - ref[i]) <= 1e-4f * (1.f + std::fabs(ref[i]));
        }
        if (first.empty()) first = whole;
        bool stable = true;
        for (size_t i = 0; i < m * n; ++i) stable = stable && test::bits_equal(first[i], whole[i]);
        CHECK_MSG(same, "%s ta=%d tb=%d threads=%d: the short path differs from the driver",
                  isa_name(isa), ta, tb, threads);
        CHECK_MSG(close, "%s ta=%d tb=%d threads=%d: far from the reference", isa_name(isa), ta, tb,
                  threads);
        CHECK_MSG(stable, "%s ta=%d tb=%d: threads=%d differs from threads=1", isa_name(isa), ta,
                  tb, threads);
      }
    }
  }
  set_num_threads(saved);
}

}  // namespace

int main() {
  test_rules();
  test_fallback_and_clamps();
  test_parsers();
  test_paths_agree();
  return test::finish("gemm_blocking_test");
}
