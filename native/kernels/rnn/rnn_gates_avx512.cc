// AVX-512F table entries for the RNN/LSTM step kernels: the AVX2 versions (every AVX-512F CPU has
// AVX2+FMA and cpu_features.cc only selects avx512 when it does, as for the activations). The step
// epilogue is a small share of the step next to its GEMM, whose micro-kernel is the part with a
// 16-lane version; a 16-lane copy of the Cephes math would add code without measurable gain here.
#if defined(__x86_64__) || defined(_M_X64)
#include "kernels/rnn/rnn_gates.h"

namespace gradguard {
namespace kernels {
namespace avx512 {

void lstm_fwd_rows_f32__avx512(size_t rows, size_t H, float* g, const float* bias,
                               const float* c_prev, float* c, float* h, float* out) {
  avx2::lstm_fwd_rows_f32__avx2(rows, H, g, bias, c_prev, c, h, out);
}

void lstm_bwd_rows_f32__avx512(size_t rows, size_t H, const float* g, const float* c,
                               const float* c_prev, const float* dh, const float* go, float clip,
                               float* dc, float* dg) {
  avx2::lstm_bwd_rows_f32__avx2(rows, H, g, c, c_prev, dh, go, clip, dc, dg);
}

void rnn_fwd_rows_f32__avx512(bool relu, size_t rows, size_t H, float* h, const float* bias,
                              float* out) {
  avx2::rnn_fwd_rows_f32__avx2(relu, rows, H, h, bias, out);
}

void rnn_bwd_rows_f32__avx512(bool relu, size_t rows, size_t H, const float* h, const float* dh,
                              const float* go, float clip, float* dg) {
  avx2::rnn_bwd_rows_f32__avx2(relu, rows, H, h, dh, go, clip, dg);
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
