// AVX-512F table entries for the BatchNorm1d/LayerNorm inner loops: the AVX2 versions (every
// AVX-512F CPU has AVX2+FMA, and cpu_features.cc only selects avx512 when it does). These loops are
// bound by float32 -> float64 conversion and memory traffic, not by vector width.
#if defined(__x86_64__) || defined(_M_X64)
#include "kernels/normalization/normalization_rows.h"

namespace gradguard {
namespace kernels {
namespace avx512 {

void ln_stats__avx512(const float* x, size_t d, double eps, double* mean, double* invstd) {
  avx2::ln_stats__avx2(x, d, eps, mean, invstd);
}
void ln_apply__avx512(const float* x, size_t d, double mean, double invstd, const float* w,
                      const float* b, float* y) {
  avx2::ln_apply__avx2(x, d, mean, invstd, w, b, y);
}
void ln_backward__avx512(const float* x, const float* dy, size_t d, double mean, double invstd,
                         const float* w, double* acc_w, double* acc_b, float* dx) {
  avx2::ln_backward__avx2(x, dy, d, mean, invstd, w, acc_w, acc_b, dx);
}
void bn_sum__avx512(const float* x, size_t cols, double* acc) { avx2::bn_sum__avx2(x, cols, acc); }
void bn_sum_sq__avx512(const float* x, size_t cols, const double* mean, double* acc) {
  avx2::bn_sum_sq__avx2(x, cols, mean, acc);
}
void bn_apply__avx512(const float* x, size_t cols, const double* mean, const double* invstd,
                      const float* w, const float* b, float* y) {
  avx2::bn_apply__avx2(x, cols, mean, invstd, w, b, y);
}
void bn_grad_sums__avx512(const float* dy, const float* x, size_t cols, const double* mean,
                          const double* invstd, double* sum_dy, double* sum_dy_xhat) {
  avx2::bn_grad_sums__avx2(dy, x, cols, mean, invstd, sum_dy, sum_dy_xhat);
}
void bn_dx__avx512(const float* dy, const float* x, size_t cols, const double* mean,
                   const double* invstd, const float* w, const double* sum_dy,
                   const double* sum_dy_xhat, double inv_n, bool training, float* dx) {
  avx2::bn_dx__avx2(dy, x, cols, mean, invstd, w, sum_dy, sum_dy_xhat, inv_n, training, dx);
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
