// Scaled dot-product attention forward and backward on [batch, heads, L, d] (PyTorch 1.13's
// written-out softmax(q·kᵀ·scale + mask)·v), fused FlashAttention-style: per (batch, head), blocks
// of query rows meet blocks of keys; the scores of one block pair live in a per-thread scratch
// tile, an online softmax (running max and float64 sum per row) rescales the output as blocks
// arrive, and the forward saves each row's log-sum-exp `lse`, from which the backward recomputes
// the probabilities. Memory is linear in L; the L×L matrix is never written. The products run on
// the ISA's SGEMM micro-kernels (kernels/gemm), the row loops on the softmax family's
// (kernels/softmax). Threaded over (batch, head), each computed by one thread in a fixed order: the
// same bits for any thread count. Masked entries (causal j > i, or a -inf mask value) are -inf
// scores: probability 0. A row whose every entry is masked gives NaN in out and lse (PyTorch:
// softmax of all -inf is NaN); the backward then gives NaN in that gradQ row and in all of gradK
// and gradV of its (batch, head). lk = 0 gives out = 0 and lse = -inf.
#pragma once

#include <cstddef>

#include "core/dispatch.h"
#include "core/status.h"

namespace gradguard {
namespace kernels {

struct AttentionShape {
  size_t batch, heads, lq, lk, d, dv;
  bool causal;        // needs lq == lk
  const float* mask;  // additive [lq, lk] or null
  float scale;
};

// Where a tensor's rows are, in floats: row l of head (b, h) starts at b·batch + h·head + l·row.
// Contiguous [b, h, L, d] is {h·L·d, L·d, d}; PyTorch's packed self-attention projections
// [L, b, 3·h·d] (q | k | v per row) are {3·h·d, d, b·3·h·d} from q's, k's or v's first column.
struct AttentionStrides {
  size_t batch, head, row;
};

// The strides of q, k, v and out; gradQ/K/V share q's/k's/v's, gradOut shares out's. lse is always
// contiguous [b, h, lq].
struct AttentionLayout {
  AttentionStrides q, k, v, o;
};

// The contiguous [b, h, L, d] layout of every tensor of `s`.
AttentionLayout attention_contiguous_layout(const AttentionShape& s);

// out [b, h, lq, dv] and lse [b, h, lq] written. kOutOfMemory if a scratch tile cannot be had.
Status attention_forward_f32(Isa isa, const AttentionShape& s, const float* q, const float* k,
                             const float* v, float* out, float* lse);

// From the forward's out and lse and gradOut: gq, gk, gv (each may be null: skipped) overwritten.
Status attention_backward_f32(Isa isa, const AttentionShape& s, const float* q, const float* k,
                              const float* v, const float* out, const float* lse, const float* go,
                              float* gq, float* gk, float* gv);

// The same two on any layout (the caller guarantees every row it names is in its buffer; gq, gk and
// gv may interleave in one buffer as long as no two write the same float). Bit-identical to the
// contiguous calls on the same values.
Status attention_forward_strided_f32(Isa isa, const AttentionShape& s, const AttentionLayout& lay,
                                     const float* q, const float* k, const float* v, float* out,
                                     float* lse);
Status attention_backward_strided_f32(Isa isa, const AttentionShape& s, const AttentionLayout& lay,
                                      const float* q, const float* k, const float* v,
                                      const float* out, const float* lse, const float* go,
                                      float* gq, float* gk, float* gv);

namespace scalar {
// The reference: one query row at a time against every key, scores and sums in float64 (the
// pure-TS backend's algorithm, lib/backend/js/attention.ts), single-threaded. Masked entries are
// skipped. Same NaN and lk = 0 rules.
void attention_forward_ref__scalar(const AttentionShape& s, const float* q, const float* k,
                                   const float* v, float* out, float* lse);
void attention_backward_ref__scalar(const AttentionShape& s, const float* q, const float* k,
                                    const float* v, const float* out, const float* lse,
                                    const float* go, float* gq, float* gk, float* gv);
}  // namespace scalar

}  // namespace kernels
}  // namespace gradguard
