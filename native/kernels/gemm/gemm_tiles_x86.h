// The accumulation loops of the x86 SGEMM micro-tiles, shared by the plain micro-kernels
// (gemm_avx2.cc, gemm_avx512.cc) and their sum-of-squares twins (gemm_sumsq_*.cc): one copy of the
// FMA chain, so the two produce the same C bits by construction, not by keeping two copies in step.
// Each macro declares the tile's accumulators c<row><half> (zeroed) and runs `kc` depth steps over
// the packed panels `ap` (MR floats a step) and `bp` (NR floats a step), which it advances; kc, ap
// and bp are the caller's variables of those names. Macros, not an inline function over an array
// of vectors: the named accumulators are what keeps all of them in registers (the 14 x 32 tile
// uses 31 of the 32 zmm registers).
#pragma once

#include <immintrin.h>

#include <cstddef>

// clang-format off

// AVX2 6 x 16: 12 ymm accumulators, 2 B vectors and one broadcast a step.
#define GG_AVX2_6X16_STEP(i)                                     \
  a = _mm256_broadcast_ss(ap + (i));                             \
  c##i##0 = _mm256_fmadd_ps(a, b0, c##i##0);                     \
  c##i##1 = _mm256_fmadd_ps(a, b1, c##i##1);
#define GG_AVX2_6X16_ACCUMULATE()                                                         \
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00; \
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;                \
  _Pragma("GCC unroll 4")                                                                 \
  for (size_t p = 0; p < kc; ++p) {                                                       \
    const __m256 b0 = _mm256_load_ps(bp);                                                 \
    const __m256 b1 = _mm256_load_ps(bp + 8);                                             \
    __m256 a;                                                                             \
    GG_AVX2_6X16_STEP(0) GG_AVX2_6X16_STEP(1) GG_AVX2_6X16_STEP(2)                        \
    GG_AVX2_6X16_STEP(3) GG_AVX2_6X16_STEP(4) GG_AVX2_6X16_STEP(5)                        \
    ap += 6;                                                                              \
    bp += 16;                                                                             \
  }

// AVX-512 14 x 32: 28 zmm accumulators, 2 B vectors and one broadcast a step.
#define GG_AVX512_14X32_ZERO(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
#define GG_AVX512_14X32_STEP(i)                  \
  a = _mm512_set1_ps(ap[i]);                     \
  c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);     \
  c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1);
#define GG_AVX512_14X32_ACCUMULATE()                                                        \
  GG_AVX512_14X32_ZERO(0) GG_AVX512_14X32_ZERO(1) GG_AVX512_14X32_ZERO(2)                   \
  GG_AVX512_14X32_ZERO(3) GG_AVX512_14X32_ZERO(4) GG_AVX512_14X32_ZERO(5)                   \
  GG_AVX512_14X32_ZERO(6) GG_AVX512_14X32_ZERO(7) GG_AVX512_14X32_ZERO(8)                   \
  GG_AVX512_14X32_ZERO(9) GG_AVX512_14X32_ZERO(10) GG_AVX512_14X32_ZERO(11)                 \
  GG_AVX512_14X32_ZERO(12) GG_AVX512_14X32_ZERO(13)                                         \
  _Pragma("GCC unroll 2")                                                                   \
  for (size_t p = 0; p < kc; ++p) {                                                         \
    const __m512 b0 = _mm512_load_ps(bp);                                                   \
    const __m512 b1 = _mm512_load_ps(bp + 16);                                              \
    __m512 a;                                                                               \
    GG_AVX512_14X32_STEP(0) GG_AVX512_14X32_STEP(1) GG_AVX512_14X32_STEP(2)                 \
    GG_AVX512_14X32_STEP(3) GG_AVX512_14X32_STEP(4) GG_AVX512_14X32_STEP(5)                 \
    GG_AVX512_14X32_STEP(6) GG_AVX512_14X32_STEP(7) GG_AVX512_14X32_STEP(8)                 \
    GG_AVX512_14X32_STEP(9) GG_AVX512_14X32_STEP(10) GG_AVX512_14X32_STEP(11)               \
    GG_AVX512_14X32_STEP(12) GG_AVX512_14X32_STEP(13)                                       \
    ap += 14;                                                                               \
    bp += 32;                                                                               \
  }

// clang-format on
