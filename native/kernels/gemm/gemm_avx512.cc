// AVX-512F SGEMM micro-kernel, 12x32 tile in 24 zmm float32 accumulators (broadcast A, FMA with two
// B vectors per depth step); alpha * acc then FMA with beta * C, mask-register stores for edges.
// Unlike PyTorch's BLAS the k order is fixed, so results are identical for any thread count.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/avx512_lanes.h"
#include "kernels/gemm/gemm.h"

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

}  // namespace

void gemm_f32_12x32__avx512(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                            size_t mr, size_t nr, float alpha, float beta) {
  for (size_t i = 0; i < mr; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + nr - 1), _MM_HINT_T0);
  }
  // The unrolled tile reads as a grid, a few macro calls per line.
  // clang-format off
#define GG_ZERO(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
  GG_ZERO(0) GG_ZERO(1) GG_ZERO(2) GG_ZERO(3) GG_ZERO(4) GG_ZERO(5)
  GG_ZERO(6) GG_ZERO(7) GG_ZERO(8) GG_ZERO(9) GG_ZERO(10) GG_ZERO(11)
#undef GG_ZERO
#define GG_STEP(i)                           \
  a = _mm512_set1_ps(ap[i]);                 \
  c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0); \
  c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1);
#pragma GCC unroll 2
  for (size_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_load_ps(bp);
    const __m512 b1 = _mm512_load_ps(bp + 16);
    __m512 a;
    GG_STEP(0) GG_STEP(1) GG_STEP(2) GG_STEP(3) GG_STEP(4) GG_STEP(5)
    GG_STEP(6) GG_STEP(7) GG_STEP(8) GG_STEP(9) GG_STEP(10) GG_STEP(11)
    ap += 12;
    bp += 32;
  }
#undef GG_STEP
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const bool read_c = beta != 0.f;
  const __mmask16 k0 = tail_mask16(nr), k1 = tail_mask16(nr > 16 ? nr - 16 : 0);
#define GG_STORE(i) \
  if (mr > i) store_row(c + (i) * ldc, c##i##0, c##i##1, va, vb, read_c, k0, k1);
  GG_STORE(0) GG_STORE(1) GG_STORE(2) GG_STORE(3) GG_STORE(4) GG_STORE(5)
  GG_STORE(6) GG_STORE(7) GG_STORE(8) GG_STORE(9) GG_STORE(10) GG_STORE(11)
#undef GG_STORE
  // clang-format on
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
