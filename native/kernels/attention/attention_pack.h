// Packing for the attention drivers, which call the ISA's SGEMM micro-kernel (kernels/gemm/gemm.h)
// directly instead of sgemm: sgemm packs both operands on every call, and attention multiplies the
// same K and V panels by every query block of a head (K was packed up to 4 times per head at L
// 128). Here each head's K and V are packed once, and the tiles fully above a causal diagonal are
// skipped at micro-tile granularity (sgemm can only skip whole query blocks).
//
// The micro-kernel's layout: an A panel holds `w` = MR rows of an m x depth operand column by
// column (panel[p·w + i] = A[i][p]), a B panel `w` = NR columns of a depth x n operand row by row
// (panel[p·w + j] = B[p][j]); both zero-padded to w. A panel of depth `depth` is depth·w floats, so
// the panels of one operand sit `depth·w` apart and depth p0 of a panel starts at p0·w.
#pragma once

#include <cstddef>
#include <cstring>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {
namespace attention_pack {

inline size_t round_up(size_t x, size_t w) { return (x + w - 1) / w * w; }

// Panels of `w` source columns, each row by row: dst[(c / w)·depth·w + p·w + c % w] =
// src[p·ld + c] for c < cols, p < depth (0 for the padding columns). The copying pack: B panels of
// a row-major depth x n operand (V, K, dO, Q: w = NR), or A panels of a transposed operand (Pᵀ,
// dSᵀ from P's and dS's rows: w = MR). The runs are MR (4-14) or NR (8-32) floats, shorter than a
// memcpy call costs: the micro-kernels' widths get a loop of fixed length the compiler unrolls into
// vector moves, any other width a plain loop.
template <size_t W>
inline void pack_cols_w(const float* src, size_t ld, size_t depth, size_t cols, float* dst) {
  for (size_t c0 = 0; c0 < cols; c0 += W) {
    float* panel = dst + (c0 / W) * depth * W;
    const size_t n = cols - c0 < W ? cols - c0 : W;
    if (n == W) {
      for (size_t p = 0; p < depth; ++p) {
        const float* s = src + p * ld + c0;
        float* d = panel + p * W;
        for (size_t j = 0; j < W; ++j) d[j] = s[j];
      }
      continue;
    }
    for (size_t p = 0; p < depth; ++p) {
      const float* s = src + p * ld + c0;
      float* d = panel + p * W;
      for (size_t j = 0; j < n; ++j) d[j] = s[j];
      for (size_t j = n; j < W; ++j) d[j] = 0.0f;
    }
  }
}

inline void pack_cols(const float* src, size_t ld, size_t depth, size_t cols, size_t w,
                      float* dst) {
  switch (w) {
    case 6: return pack_cols_w<6>(src, ld, depth, cols, dst);
    case 8: return pack_cols_w<8>(src, ld, depth, cols, dst);
    case 14: return pack_cols_w<14>(src, ld, depth, cols, dst);
    case 16: return pack_cols_w<16>(src, ld, depth, cols, dst);
    case 32: return pack_cols_w<32>(src, ld, depth, cols, dst);
    default: break;
  }
  for (size_t c0 = 0; c0 < cols; c0 += w) {
    float* panel = dst + (c0 / w) * depth * w;
    const size_t n = cols - c0 < w ? cols - c0 : w;
    for (size_t p = 0; p < depth; ++p) {
      const float* s = src + p * ld + c0;
      float* d = panel + p * w;
      for (size_t j = 0; j < n; ++j) d[j] = s[j];
      for (size_t j = n; j < w; ++j) d[j] = 0.0f;
    }
  }
}

}  // namespace attention_pack

// Panels of `w` source rows, each laid out depth-major: dst[(r / w)·depth·w + p·w + r % w] =
// src[r·ld + p] for r < rows, p < depth (0 for the padding rows). The transposing pack: A panels of
// a row-major m x depth operand (Q, dO, P, dS: w = MR), or B panels of a transposed operand (Kᵀ, Vᵀ
// from K's and V's rows: w = NR). Per ISA (attention_pack_<isa>.cc): the scalar reference, and
// AVX2's 8×8 register transposes (AVX-512 takes AVX2's: its panels are 14 and 32 wide, whole
// groups of 8 rows but for the last 6 of 14). Every version writes the same bits (a copy).
struct AttentionPackKernels {
  void (*pack_rows)(const float* src, size_t ld, size_t rows, size_t depth, size_t w, float* dst);
};

// The table for `isa` (which must be supported by this CPU).
const AttentionPackKernels& attention_pack_kernels(Isa isa);

namespace scalar {
void att_pack_rows__scalar(const float* src, size_t ld, size_t rows, size_t depth, size_t w,
                           float* dst);
}  // namespace scalar
namespace avx2 {
void att_pack_rows__avx2(const float* src, size_t ld, size_t rows, size_t depth, size_t w,
                         float* dst);
}  // namespace avx2

}  // namespace kernels
}  // namespace gradguard
