// Single-precision GEMM, C = alpha * op(A) * op(B) + beta * C, row-major (torch.addmm semantics:
// beta == 0 never reads C; alpha == 0 or k == 0 gives beta * C). float32 accumulation throughout.
// Blocked BLIS-style driver (gemm.cc) over one micro-kernel per ISA (namespaces scalar, avx2, ...).
#pragma once

#include <cstddef>

#include "core/dispatch.h"
#include "core/status.h"

namespace gradguard {
namespace kernels {

// op(A) is A [m x k] (lda >= k) or, with trans_a, A stored [k x m] (lda >= m); op(B) is B [k x n]
// (ldb >= n) or, with trans_b, B stored [n x k] (ldb >= k); C is [m x n] (ldc >= n).
// Results are bit-identical for any thread count on one ISA (no split-K across threads).
// kInvalidArgument when a leading dimension is too small; m == 0 or n == 0 does nothing.
Status sgemm(Isa isa, bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
             const float* a, size_t lda, const float* b, size_t ldb, float beta, float* c,
             size_t ldc);

// sgemm, and *sumsq = Σ C² (float64) of the final C (after beta and every depth slice): each C
// strip's sum (a task's row block x one micro-tile's columns) is taken on its last depth slice,
// from the micro-kernel's registers where the ISA has a sum-of-squares micro-kernel (AVX2,
// AVX-512; tile_sumsq.h), else from L1 one panel after the strip was written (no pass over C from
// memory), into a per-strip slot; the slots are summed in order, so *sumsq is bit-identical for any
// thread count on one ISA (not across ISAs: the tile grid is the ISA's). *sumsq = 0 when m == 0 or
// n == 0.
Status sgemm_sumsq(Isa isa, bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                   const float* a, size_t lda, const float* b, size_t ldb, float beta, float* c,
                   size_t ldc, double* sumsq);

// B pre-packed once for many products with the same op(B) (an RNN's recurrent weights, used at
// every time step): sgemm_pack_b writes op(B) [k x n] into `packed` (sgemm_packed_b_size(isa, k, n)
// floats, 64-byte aligned), and sgemm_packed then computes C = alpha * op(A) * op(B) + beta * C
// from it, bit-identical to sgemm on the same ISA. The packing depends on the ISA's tile width.
size_t sgemm_packed_b_size(Isa isa, size_t k, size_t n);
Status sgemm_pack_b(Isa isa, bool trans_b, size_t k, size_t n, const float* b, size_t ldb,
                    float* packed);
Status sgemm_packed(Isa isa, bool trans_a, size_t m, size_t n, size_t k, float alpha,
                    const float* a, size_t lda, const float* packed_b, float beta, float* c,
                    size_t ldc);

// Micro-kernel: C[mr x nr] = alpha * (Ap * Bp) + beta * C (beta == 0: C is not read), where Ap is
// a packed MR x kc panel (Ap[p * MR + i]) and Bp a packed kc x NR panel (Bp[p * NR + j]), both
// zero-padded; only the valid mr <= MR rows and nr <= NR columns of C are written. kc >= 1.
using GemmMicroKernel = void (*)(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                                 size_t mr, size_t nr, float alpha, float beta);

struct GemmKernels {
  GemmMicroKernel micro;
  size_t mr;  // rows of a micro-tile
  size_t nr;  // columns of a micro-tile
};

// The table for `isa` (which must be supported by this CPU).
const GemmKernels& gemm_kernels(Isa isa);

namespace scalar {
// The reference: a plain triple loop, float accumulation in k order, then alpha * acc + beta * c.
void sgemm_ref_f32__scalar(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                           const float* a, size_t lda, const float* b, size_t ldb, float beta,
                           float* c, size_t ldc);
void gemm_f32_4x8__scalar(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                          size_t mr, size_t nr, float alpha, float beta);
}  // namespace scalar
namespace avx2 {
void gemm_f32_6x16__avx2(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                         size_t mr, size_t nr, float alpha, float beta);
}  // namespace avx2
namespace avx512 {
void gemm_f32_14x32__avx512(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                            size_t mr, size_t nr, float alpha, float beta);
}  // namespace avx512
namespace neon {
void gemm_f32_8x8__neon(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                        size_t mr, size_t nr, float alpha, float beta);
}  // namespace neon

}  // namespace kernels
}  // namespace gradguard
