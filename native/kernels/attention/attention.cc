// Fused attention drivers (attention.h). Per (batch, head) and block of kBq query rows:
//   forward:  for each block of kBk keys (causal: only up to the block's last row)
//               S = scale·Q_blk·K_blkᵀ (SGEMM, beta 0) + mask, -inf where masked;
//               per row: m' = max(m, max S), P = e^(S - m') in place, l = l·e^(m - m') + ΣP,
//               out_row *= e^(m - m');   out_blk += P·V_blk (SGEMM, beta 1);
//             then out_row /= l and lse = m + log l.
//   backward: D = rowsum(gradOut ⊙ out); for each key block: S as above, P = e^(S - lse),
//             gradV_blk += Pᵀ·gradOut_blk, dP = gradOut_blk·V_blkᵀ, dS = P ⊙ (dP - D),
//             gradQ_blk += scale·dS·K_blk, gradK_blk += scale·dSᵀ·Q_blk (all SGEMM, beta 1).
// The only scratch is two kBq×kBk tiles and the row statistics per thread (linear in L). The row
// sums are float64; the products float32 on the ISA's micro-kernels.
#include "kernels/attention/attention.h"

#include <atomic>
#include <cmath>
#include <cstring>

#include "core/memory.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/softmax/softmax.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr size_t kBq = 64;  // query rows per block (at most)
// Causal attention computes each query block's keys up to its last row, so the masked triangle on
// the diagonal costs about half a block per block: short causal sequences take 32-row blocks
// (measured at L 128: 4-7 % faster), longer ones 64 (at L 1024 32 rows were 8-14 % slower: K and
// V are packed once per query block, twice as often).
inline size_t query_block(const AttentionShape& a) { return a.causal && a.lk <= 256 ? 32 : kBq; }
constexpr size_t kBk = 128;  // keys per block: the S tile (32 KiB) stays in L1/L2 with its panels

thread_local ScratchBuffer t_tiles;

inline size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

// S[bq × bk] (row stride kBk) for query rows q0.. and keys k0..: scale·q·kᵀ + mask, -inf where
// masked (a -inf mask value or causal j > i), written without reading q·k there.
// Row strides (floats) of one head's q, k, v and out (gradients share them).
struct Ld {
  size_t q, k, v, o;
};

void scores_tile(Isa isa, const AttentionShape& a, const Ld& ld, const float* qb, const float* kb,
                 size_t q0, size_t bq, size_t k0, size_t bk, float* S) {
  sgemm(isa, false, true, bq, bk, a.d, a.scale, qb + q0 * ld.q, ld.q, kb + k0 * ld.k, ld.k, 0.0f, S,
        kBk);
  if (a.mask) {
    for (size_t i = 0; i < bq; ++i) {
      const float* mr = a.mask + (q0 + i) * a.lk + k0;
      float* sr = S + i * kBk;
      for (size_t j = 0; j < bk; ++j) sr[j] = mr[j] == -INFINITY ? -INFINITY : sr[j] + mr[j];
    }
  }
  if (a.causal && k0 + bk > q0 + 1) {
    for (size_t i = 0; i < bq; ++i) {
      const size_t first = q0 + i + 1;  // keys j > q0 + i are masked
      float* sr = S + i * kBk;
      for (size_t j = first > k0 ? first - k0 : 0; j < bk; ++j) sr[j] = -INFINITY;
    }
  }
}

// Keys a query block [q0, q0 + bq) can see.
inline size_t key_end(const AttentionShape& a, size_t q0, size_t bq) {
  return a.causal ? min_sz(a.lk, q0 + bq) : a.lk;
}

void forward_head(Isa isa, const AttentionShape& a, const Ld& ld, const float* qb, const float* kb,
                  const float* vb, float* ob, float* lb, float* S, double* m, double* l) {
  const SoftmaxRowKernels& rk = softmax_row_kernels(isa);
  const size_t block = query_block(a);
  for (size_t q0 = 0; q0 < a.lq; q0 += block) {
    const size_t bq = min_sz(block, a.lq - q0);
    float* o = ob + q0 * ld.o;
    for (size_t i = 0; i < bq; ++i) {
      std::memset(o + i * ld.o, 0, a.dv * sizeof(float));
      m[i] = -INFINITY;
      l[i] = 0;
    }
    const size_t kend = key_end(a, q0, bq);
    for (size_t k0 = 0; k0 < kend; k0 += kBk) {
      const size_t bk = min_sz(kBk, kend - k0);
      scores_tile(isa, a, ld, qb, kb, q0, bq, k0, bk, S);
      for (size_t i = 0; i < bq; ++i) {
        float* sr = S + i * kBk;
        const float mb = rk.row_max(sr, bk);
        const double mn = std::isnan(mb) ? NAN : (mb > m[i] ? mb : m[i]);
        if (mn == -INFINITY) {
          // every key so far masked: P row 0 (e^(-inf - -inf) would be NaN)
          std::memset(sr, 0, bk * sizeof(float));
          continue;
        }
        const double alpha = std::exp(m[i] - mn);  // 0 on the first visible block
        const double ps = rk.exp_sum(sr, bk, static_cast<float>(mn), sr);
        l[i] = l[i] * alpha + ps;
        if (alpha != 1.0) rk.scale(o + i * ld.o, a.dv, static_cast<float>(alpha));
        m[i] = mn;
      }
      sgemm(isa, false, false, bq, a.dv, bk, 1.0f, S, kBk, vb + k0 * ld.v, ld.v, 1.0f, o, ld.o);
    }
    for (size_t i = 0; i < bq; ++i) {
      float* orow = o + i * ld.o;
      if (m[i] == -INFINITY) {
        // lk = 0: the empty sum P·v is 0; otherwise every key masked: NaN (PyTorch)
        const float fill = a.lk == 0 ? 0.0f : NAN;
        for (size_t c = 0; c < a.dv; ++c) orow[c] = fill;
        lb[q0 + i] = a.lk == 0 ? -INFINITY : NAN;
        continue;
      }
      rk.scale(orow, a.dv, static_cast<float>(1.0 / l[i]));
      lb[q0 + i] = static_cast<float>(m[i] + std::log(l[i]));
    }
  }
}

struct Grads {
  float* gq;
  float* gk;
  float* gv;
};

// Sets `cols` floats of each of `rows` rows (stride ld) to x.
void fill_rows(float* p, size_t rows, size_t cols, size_t ld, float x) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = p + r * ld;
    if (x == 0.0f) {
      std::memset(row, 0, cols * sizeof(float));
    } else {
      for (size_t c = 0; c < cols; ++c) row[c] = x;
    }
  }
}

void backward_head(Isa isa, const AttentionShape& a, const Ld& ld, const float* qb, const float* kb,
                   const float* vb, const float* ob, const float* lb, const float* gob, Grads g,
                   float* S, float* dP, double* D) {
  const SoftmaxRowKernels& rk = softmax_row_kernels(isa);
  if (g.gq) fill_rows(g.gq, a.lq, a.d, ld.q, 0.0f);
  if (g.gk) fill_rows(g.gk, a.lk, a.d, ld.k, 0.0f);
  if (g.gv) fill_rows(g.gv, a.lk, a.dv, ld.v, 0.0f);
  bool nan_row = false;
  const bool need_ds = g.gq != nullptr || g.gk != nullptr;
  const size_t block = query_block(a);
  for (size_t q0 = 0; q0 < a.lq; q0 += block) {
    const size_t bq = min_sz(block, a.lq - q0);
    for (size_t i = 0; i < bq; ++i) {
      D[i] = rk.dot(gob + (q0 + i) * ld.o, ob + (q0 + i) * ld.o, a.dv);
      if (std::isnan(lb[q0 + i])) nan_row = true;
    }
    const size_t kend = key_end(a, q0, bq);
    for (size_t k0 = 0; k0 < kend; k0 += kBk) {
      const size_t bk = min_sz(kBk, kend - k0);
      scores_tile(isa, a, ld, qb, kb, q0, bq, k0, bk, S);
      for (size_t i = 0; i < bq; ++i) {
        float* sr = S + i * kBk;
        rk.exp_sum(sr, bk, lb[q0 + i], sr);  // P; the sum is not needed
      }
      const float* go = gob + q0 * ld.o;
      if (g.gv) {
        sgemm(isa, true, false, bk, a.dv, bq, 1.0f, S, kBk, go, ld.o, 1.0f, g.gv + k0 * ld.v, ld.v);
      }
      if (!need_ds) continue;
      sgemm(isa, false, true, bq, bk, a.dv, 1.0f, go, ld.o, vb + k0 * ld.v, ld.v, 0.0f, dP, kBk);
      for (size_t i = 0; i < bq; ++i) {
        rk.grad(S + i * kBk, dP + i * kBk, bk, static_cast<float>(D[i]), dP + i * kBk);
      }
      if (g.gq) {
        sgemm(isa, false, false, bq, a.d, bk, a.scale, dP, kBk, kb + k0 * ld.k, ld.k, 1.0f,
              g.gq + q0 * ld.q, ld.q);
      }
      if (g.gk) {
        sgemm(isa, true, false, bk, a.d, bq, a.scale, dP, kBk, qb + q0 * ld.q, ld.q, 1.0f,
              g.gk + k0 * ld.k, ld.k);
      }
    }
  }
  if (!nan_row) return;
  // PyTorch's NaN probability row reaches every key and value of this (batch, head), and its own
  // gradQ row (which the causal block skipping may not have visited).
  if (g.gq) {
    for (size_t i = 0; i < a.lq; ++i) {
      if (std::isnan(lb[i])) fill_rows(g.gq + i * ld.q, 1, a.d, ld.q, NAN);
    }
  }
  if (g.gk) fill_rows(g.gk, a.lk, a.d, ld.k, NAN);
  if (g.gv) fill_rows(g.gv, a.lk, a.dv, ld.v, NAN);
}

// Per-thread scratch: two tiles and three float64 row vectors (the double part as floats x2).
constexpr size_t kScratchFloats = 2 * kBq * kBk + 3 * 2 * kBq;

}  // namespace

AttentionLayout attention_contiguous_layout(const AttentionShape& a) {
  return {{a.heads * a.lq * a.d, a.lq * a.d, a.d},
          {a.heads * a.lk * a.d, a.lk * a.d, a.d},
          {a.heads * a.lk * a.dv, a.lk * a.dv, a.dv},
          {a.heads * a.lq * a.dv, a.lq * a.dv, a.dv}};
}

Status attention_forward_f32(Isa isa, const AttentionShape& a, const float* q, const float* k,
                             const float* v, float* out, float* lse) {
  return attention_forward_strided_f32(isa, a, attention_contiguous_layout(a), q, k, v, out, lse);
}

Status attention_backward_f32(Isa isa, const AttentionShape& a, const float* q, const float* k,
                              const float* v, const float* out, const float* lse, const float* go,
                              float* gq, float* gk, float* gv) {
  return attention_backward_strided_f32(isa, a, attention_contiguous_layout(a), q, k, v, out, lse,
                                        go, gq, gk, gv);
}

// Offset of head bh = b·heads + h under strides t.
static inline size_t head_at(const AttentionStrides& t, size_t heads, size_t bh) {
  return (bh / heads) * t.batch + (bh % heads) * t.head;
}

Status attention_forward_strided_f32(Isa isa, const AttentionShape& a, const AttentionLayout& y,
                                     const float* q, const float* k, const float* v, float* out,
                                     float* lse) {
  const size_t heads = a.batch * a.heads;
  if (heads == 0 || a.lq == 0) return Status::kOk;
  const Ld ld{y.q.row, y.k.row, y.v.row, y.o.row};
  std::atomic<bool> oom{false};
  parallel_for(0, heads, 1, [&](size_t lo, size_t hi) {
    float* scratch = t_tiles.get(kScratchFloats);
    if (scratch == nullptr) {
      oom = true;
      return;
    }
    double* m = reinterpret_cast<double*>(scratch + 2 * kBq * kBk);
    double* l = m + kBq;
    for (size_t bh = lo; bh < hi; ++bh) {
      forward_head(isa, a, ld, q + head_at(y.q, a.heads, bh), k + head_at(y.k, a.heads, bh),
                   v + head_at(y.v, a.heads, bh), out + head_at(y.o, a.heads, bh), lse + bh * a.lq,
                   scratch, m, l);
    }
  });
  return oom ? Status::kOutOfMemory : Status::kOk;
}

Status attention_backward_strided_f32(Isa isa, const AttentionShape& a, const AttentionLayout& y,
                                      const float* q, const float* k, const float* v,
                                      const float* out, const float* lse, const float* go,
                                      float* gq, float* gk, float* gv) {
  const size_t heads = a.batch * a.heads;
  if (heads == 0) return Status::kOk;
  const Ld ld{y.q.row, y.k.row, y.v.row, y.o.row};
  std::atomic<bool> oom{false};
  parallel_for(0, heads, 1, [&](size_t lo, size_t hi) {
    float* scratch = t_tiles.get(kScratchFloats);
    if (scratch == nullptr) {
      oom = true;
      return;
    }
    double* D = reinterpret_cast<double*>(scratch + 2 * kBq * kBk);
    for (size_t bh = lo; bh < hi; ++bh) {
      const size_t hq = head_at(y.q, a.heads, bh), hk = head_at(y.k, a.heads, bh);
      const size_t hv = head_at(y.v, a.heads, bh), ho = head_at(y.o, a.heads, bh);
      const Grads g{gq ? gq + hq : nullptr, gk ? gk + hk : nullptr, gv ? gv + hv : nullptr};
      backward_head(isa, a, ld, q + hq, k + hk, v + hv, out + ho, lse + bh * a.lq, go + ho, g,
                    scratch, scratch + kBq * kBk, D);
    }
  });
  return oom ? Status::kOutOfMemory : Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
