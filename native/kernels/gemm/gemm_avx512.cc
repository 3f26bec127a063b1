// AVX-512F SGEMM micro-kernel, 14x32 tile in 28 of the 32 zmm registers as float32 accumulators
// (broadcast A, FMA with two B vectors per depth step: 28 FMAs per 2 B loads and 14 broadcasts);
// alpha * acc then FMA with beta * C, mask-register stores for edges. Chosen over 12x32 by
// interleaved timings of the kernel alone on cache-resident panels (Xeon, Sapphire Rapids class):
// 1-4% faster in each of 8 comparisons (valgrind cannot run AVX-512, so no instruction counts).
// Alone on L1-resident panels it runs at 86-90% of the register-only FMA peak (kc 256; 88% as kc
// grows, so the per-call epilogue costs ~2%). Tried on this Xeon, same-process interleaved thread
// CPU-time medians, none better than this loop: embedded-broadcast FMAs (inline asm, 28 broadcast
// loads per depth step) 5-9% slower, k unrolled by 4 4% slower, prefetcht0 of A and B 8 steps ahead
// 4% slower, C prefetched before the last 16/32 depth steps instead of at the start 2-3% slower,
// as T1 or T2 level, or C loads all before C stores: within +-3% noise; no C prefetch at all 13%
// slower; tiles 12x32, 9x48, 8x48, 6x64 (generic loop) 1-3% below 14x32.
// Unlike PyTorch's BLAS the k order is fixed, so results are identical for any thread count.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx512_lanes.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/gemm_tiles_x86.h"

namespace gradguard {
namespace kernels {
namespace avx512 {
namespace {

// row[0, nr) = alpha * x + beta * row (beta == 0: row is not read); masked-out lanes untouched.
inline void store_row(float* row, __m512 x0, __m512 x1, __m512 va, __m512 vb, bool read_c,
                      __mmask16 k0, __mmask16 k1) {
  x0 = _mm512_mul_ps(va, x0);
  x1 = _mm512_mul_ps(va, x1);
  if (read_c) {
    x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k0, row), x0);
    x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k1, row + 16), x1);
  }
  _mm512_mask_storeu_ps(row, k0, x0);
  _mm512_mask_storeu_ps(row + 16, k1, x1);
}

// The tile for panels with only R < 14 valid rows (the last panel of m = 32, an RNN step's batch,
// or of m = 64: 4 and 8 rows): R rows of FMAs instead of 14. Every element is the same FMA chain
// in the same k order as in the full tile, so results are bit-identical to it.
template <int R>
void gemm_rows(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, size_t nr,
               float alpha, float beta) {
  __m512 acc[R][2];
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (size_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_load_ps(bp);
    const __m512 b1 = _mm512_load_ps(bp + 16);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const __m512 a = _mm512_set1_ps(ap[i]);
      acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
    }
    ap += 14;
    bp += 32;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const bool read_c = beta != 0.f;
  const __mmask16 k0 = tail_mask16(nr), k1 = tail_mask16(nr > 16 ? nr - 16 : 0);
  for (int i = 0; i < R; ++i) store_row(c + i * ldc, acc[i][0], acc[i][1], va, vb, read_c, k0, k1);
}

}  // namespace

void gemm_f32_14x32__avx512(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                            size_t mr, size_t nr, float alpha, float beta) {
  switch (mr) {  // a short panel: only its rows' FMAs
    case 1: return gemm_rows<1>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 2: return gemm_rows<2>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 3: return gemm_rows<3>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 4: return gemm_rows<4>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 5: return gemm_rows<5>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 6: return gemm_rows<6>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 7: return gemm_rows<7>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 8: return gemm_rows<8>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 9: return gemm_rows<9>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 10: return gemm_rows<10>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 11: return gemm_rows<11>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 12: return gemm_rows<12>(kc, ap, bp, c, ldc, nr, alpha, beta);
    case 13: return gemm_rows<13>(kc, ap, bp, c, ldc, nr, alpha, beta);
    default: break;
  }
  for (size_t i = 0; i < mr; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + nr - 1), _MM_HINT_T0);
  }
  // The unrolled tile reads as a grid, a few macro calls per line.
  // clang-format off
  GG_AVX512_14X32_ACCUMULATE()
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const bool read_c = beta != 0.f;
  const __mmask16 k0 = tail_mask16(nr), k1 = tail_mask16(nr > 16 ? nr - 16 : 0);
#define GG_STORE(i) \
  if (mr > i) store_row(c + (i) * ldc, c##i##0, c##i##1, va, vb, read_c, k0, k1);
  GG_STORE(0) GG_STORE(1) GG_STORE(2) GG_STORE(3) GG_STORE(4) GG_STORE(5)
  GG_STORE(6) GG_STORE(7) GG_STORE(8) GG_STORE(9) GG_STORE(10) GG_STORE(11) GG_STORE(12)
  GG_STORE(13)
#undef GG_STORE
  // clang-format on
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
