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

constexpr size_t kBq = 64;   // query rows per block
constexpr size_t kBk = 128;  // keys per block: the S tile (32 KiB) stays in L1/L2 with its panels

thread_local ScratchBuffer t_tiles;

inline size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

// S[bq × bk] (row stride kBk) for query rows q0.. and keys k0..: scale·q·kᵀ + mask, -inf where
// masked (a -inf mask value or causal j > i), written without reading q·k there.
void scores_tile(Isa isa, const AttentionShape& a, const float* qb, const float* kb, size_t q0,
                 size_t bq, size_t k0, size_t bk, float* S) {
  sgemm(isa, false, true, bq, bk, a.d, a.scale, qb + q0 * a.d, a.d, kb + k0 * a.d, a.d, 0.0f, S,
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

void forward_head(Isa isa, const AttentionShape& a, const float* qb, const float* kb,
                  const float* vb, float* ob, float* lb, float* S, double* m, double* l) {
  const SoftmaxRowKernels& rk = softmax_row_kernels(isa);
  for (size_t q0 = 0; q0 < a.lq; q0 += kBq) {
    const size_t bq = min_sz(kBq, a.lq - q0);
    float* o = ob + q0 * a.dv;
    std::memset(o, 0, bq * a.dv * sizeof(float));
    for (size_t i = 0; i < bq; ++i) {
      m[i] = -INFINITY;
      l[i] = 0;
    }
    const size_t kend = key_end(a, q0, bq);
    for (size_t k0 = 0; k0 < kend; k0 += kBk) {
      const size_t bk = min_sz(kBk, kend - k0);
      scores_tile(isa, a, qb, kb, q0, bq, k0, bk, S);
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
        if (alpha != 1.0) rk.scale(o + i * a.dv, a.dv, static_cast<float>(alpha));
        m[i] = mn;
      }
      sgemm(isa, false, false, bq, a.dv, bk, 1.0f, S, kBk, vb + k0 * a.dv, a.dv, 1.0f, o, a.dv);
    }
    for (size_t i = 0; i < bq; ++i) {
      float* orow = o + i * a.dv;
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

void backward_head(Isa isa, const AttentionShape& a, const float* qb, const float* kb,
                   const float* vb, const float* ob, const float* lb, const float* gob, Grads g,
                   float* S, float* dP, double* D) {
  const SoftmaxRowKernels& rk = softmax_row_kernels(isa);
  if (g.gq) std::memset(g.gq, 0, a.lq * a.d * sizeof(float));
  if (g.gk) std::memset(g.gk, 0, a.lk * a.d * sizeof(float));
  if (g.gv) std::memset(g.gv, 0, a.lk * a.dv * sizeof(float));
  bool nan_row = false;
  const bool need_ds = g.gq != nullptr || g.gk != nullptr;
  for (size_t q0 = 0; q0 < a.lq; q0 += kBq) {
    const size_t bq = min_sz(kBq, a.lq - q0);
    for (size_t i = 0; i < bq; ++i) {
      D[i] = rk.dot(gob + (q0 + i) * a.dv, ob + (q0 + i) * a.dv, a.dv);
      if (std::isnan(lb[q0 + i])) nan_row = true;
    }
    const size_t kend = key_end(a, q0, bq);
    for (size_t k0 = 0; k0 < kend; k0 += kBk) {
      const size_t bk = min_sz(kBk, kend - k0);
      scores_tile(isa, a, qb, kb, q0, bq, k0, bk, S);
      for (size_t i = 0; i < bq; ++i) {
        float* sr = S + i * kBk;
        rk.exp_sum(sr, bk, lb[q0 + i], sr);  // P; the sum is not needed
      }
      const float* go = gob + q0 * a.dv;
      if (g.gv) {
        sgemm(isa, true, false, bk, a.dv, bq, 1.0f, S, kBk, go, a.dv, 1.0f, g.gv + k0 * a.dv, a.dv);
      }
      if (!need_ds) continue;
      sgemm(isa, false, true, bq, bk, a.dv, 1.0f, go, a.dv, vb + k0 * a.dv, a.dv, 0.0f, dP, kBk);
      for (size_t i = 0; i < bq; ++i) {
        rk.grad(S + i * kBk, dP + i * kBk, bk, static_cast<float>(D[i]), dP + i * kBk);
      }
      if (g.gq) {
        sgemm(isa, false, false, bq, a.d, bk, a.scale, dP, kBk, kb + k0 * a.d, a.d, 1.0f,
              g.gq + q0 * a.d, a.d);
      }
      if (g.gk) {
        sgemm(isa, true, false, bk, a.d, bq, a.scale, dP, kBk, qb + q0 * a.d, a.d, 1.0f,
              g.gk + k0 * a.d, a.d);
      }
    }
  }
  if (!nan_row) return;
  // PyTorch's NaN probability row reaches every key and value of this (batch, head), and its own
  // gradQ row (which the causal block skipping may not have visited).
  if (g.gq) {
    for (size_t i = 0; i < a.lq; ++i) {
      if (!std::isnan(lb[i])) continue;
      for (size_t c = 0; c < a.d; ++c) g.gq[i * a.d + c] = NAN;
    }
  }
  if (g.gk) {
    for (size_t t = 0; t < a.lk * a.d; ++t) g.gk[t] = NAN;
  }
  if (g.gv) {
    for (size_t t = 0; t < a.lk * a.dv; ++t) g.gv[t] = NAN;
  }
}

// Per-thread scratch: two tiles and three float64 row vectors (the double part as floats x2).
constexpr size_t kScratchFloats = 2 * kBq * kBk + 3 * 2 * kBq;

}  // namespace

Status attention_forward_f32(Isa isa, const AttentionShape& a, const float* q, const float* k,
                             const float* v, float* out, float* lse) {
  const size_t heads = a.batch * a.heads;
  if (heads == 0 || a.lq == 0) return Status::kOk;
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
      forward_head(isa, a, q + bh * a.lq * a.d, k + bh * a.lk * a.d, v + bh * a.lk * a.dv,
                   out + bh * a.lq * a.dv, lse + bh * a.lq, scratch, m, l);
    }
  });
  return oom ? Status::kOutOfMemory : Status::kOk;
}

Status attention_backward_f32(Isa isa, const AttentionShape& a, const float* q, const float* k,
                              const float* v, const float* out, const float* lse, const float* go,
                              float* gq, float* gk, float* gv) {
  const size_t heads = a.batch * a.heads;
  if (heads == 0) return Status::kOk;
  std::atomic<bool> oom{false};
  parallel_for(0, heads, 1, [&](size_t lo, size_t hi) {
    float* scratch = t_tiles.get(kScratchFloats);
    if (scratch == nullptr) {
      oom = true;
      return;
    }
    double* D = reinterpret_cast<double*>(scratch + 2 * kBq * kBk);
    for (size_t bh = lo; bh < hi; ++bh) {
      const Grads g{gq ? gq + bh * a.lq * a.d : nullptr, gk ? gk + bh * a.lk * a.d : nullptr,
                    gv ? gv + bh * a.lk * a.dv : nullptr};
      backward_head(isa, a, q + bh * a.lq * a.d, k + bh * a.lk * a.d, v + bh * a.lk * a.dv,
                    out + bh * a.lq * a.dv, lse + bh * a.lq, go + bh * a.lq * a.dv, g, scratch,
                    scratch + kBq * kBk, D);
    }
  });
  return oom ? Status::kOutOfMemory : Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
