// NEON (AArch64) SGEMM micro-kernel, 8x8 tile in 16 float32x4 accumulators (FMA by lane of the
// packed A column); alpha * acc then FMA with beta * C, scalar FMA tails for partial columns.
// Unlike PyTorch's BLAS the k order is fixed, so results are identical for any thread count.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/gemm/gemm.h"

namespace gradguard {
namespace kernels {
namespace neon {
namespace {

// row[0, nr) = alpha * x + beta * row (beta == 0: row is not read). The partial path applies the
// same two roundings (a product, then one fused multiply-add) as the vector path.
inline void store_row(float* row, float32x4_t x0, float32x4_t x1, float alpha, float beta,
                      bool read_c, size_t nr) {
  x0 = vmulq_n_f32(x0, alpha);
  x1 = vmulq_n_f32(x1, alpha);
  if (nr == 8) {
    if (read_c) {
      x0 = vfmaq_n_f32(x0, vld1q_f32(row), beta);
      x1 = vfmaq_n_f32(x1, vld1q_f32(row + 4), beta);
    }
    vst1q_f32(row, x0);
    vst1q_f32(row + 4, x1);
    return;
  }
  float tmp[8];
  vst1q_f32(tmp, x0);
  vst1q_f32(tmp + 4, x1);
  for (size_t j = 0; j < nr; ++j) row[j] = read_c ? __builtin_fmaf(beta, row[j], tmp[j]) : tmp[j];
}

}  // namespace

void gemm_f32_8x8__neon(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                        size_t mr, size_t nr, float alpha, float beta) {
  for (size_t i = 0; i < mr; ++i) __builtin_prefetch(c + i * ldc, 1);
    // The unrolled tile reads as a grid, a few macro calls per line.
    // clang-format off
#define GG_ZERO(i) float32x4_t c##i##0 = vdupq_n_f32(0.f), c##i##1 = vdupq_n_f32(0.f);
  GG_ZERO(0) GG_ZERO(1) GG_ZERO(2) GG_ZERO(3) GG_ZERO(4) GG_ZERO(5) GG_ZERO(6) GG_ZERO(7)
#undef GG_ZERO
#define GG_STEP(i, av, lane)                           \
  c##i##0 = vfmaq_laneq_f32(c##i##0, b0, av, lane);    \
  c##i##1 = vfmaq_laneq_f32(c##i##1, b1, av, lane);
#pragma GCC unroll 2
  for (size_t p = 0; p < kc; ++p) {
    const float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4);
    const float32x4_t a0 = vld1q_f32(ap), a1 = vld1q_f32(ap + 4);
    GG_STEP(0, a0, 0) GG_STEP(1, a0, 1) GG_STEP(2, a0, 2) GG_STEP(3, a0, 3)
    GG_STEP(4, a1, 0) GG_STEP(5, a1, 1) GG_STEP(6, a1, 2) GG_STEP(7, a1, 3)
    ap += 8;
    bp += 8;
  }
#undef GG_STEP
  const bool read_c = beta != 0.f;
#define GG_STORE(i) \
  if (mr > i) store_row(c + (i) * ldc, c##i##0, c##i##1, alpha, beta, read_c, nr);
  GG_STORE(0) GG_STORE(1) GG_STORE(2) GG_STORE(3) GG_STORE(4) GG_STORE(5) GG_STORE(6) GG_STORE(7)
#undef GG_STORE
  // clang-format on
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
