// Scalar GEMM: the reference triple loop and the scalar micro-kernel, float32 accumulation in k
// order, then alpha * acc + beta * c (beta == 0 never reads C, as in torch.addmm). Built with
// -ffp-contract=off, so no FMA; PyTorch's BLAS uses FMA and other orders, so bits may differ.
#include "kernels/gemm/gemm.h"

namespace gradguard {
namespace kernels {
namespace scalar {

void sgemm_ref_f32__scalar(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                           const float* a, size_t lda, const float* b, size_t ldb, float beta,
                           float* c, size_t ldc) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      float acc = 0.f;
      if (alpha != 0.f) {
        for (size_t p = 0; p < k; ++p) {
          const float av = trans_a ? a[p * lda + i] : a[i * lda + p];
          const float bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
          acc += av * bv;
        }
      }
      float* out = c + i * ldc + j;
      *out = beta == 0.f ? alpha * acc : alpha * acc + beta * *out;
    }
  }
}

void gemm_f32_4x8__scalar(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                          size_t mr, size_t nr, float alpha, float beta) {
  float acc[4][8] = {};
  for (size_t p = 0; p < kc; ++p) {
    for (int i = 0; i < 4; ++i) {
      const float av = ap[p * 4 + i];
      for (int j = 0; j < 8; ++j) acc[i][j] += av * bp[p * 8 + j];
    }
  }
  for (size_t i = 0; i < mr; ++i) {
    float* row = c + i * ldc;
    if (beta == 0.f) {
      for (size_t j = 0; j < nr; ++j) row[j] = alpha * acc[i][j];
    } else {
      for (size_t j = 0; j < nr; ++j) row[j] = alpha * acc[i][j] + beta * row[j];
    }
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
