// Fused attention drivers (attention.h). Per (batch, head) and block of kBq query rows:
//   forward:  for each block of kBk keys (causal: only up to the block's last row)
//               S = scale·Q_blk·K_blkᵀ + mask, -inf where masked;
//               per row: m' = max(m, max S), P = e^(S - m') in place, l = l·e^(m - m') + ΣP,
//               out_row *= e^(m - m');   out_blk += P·V_blk;
//             then out_row /= l and lse = m + log l.
//   backward: D = rowsum(gradOut ⊙ out); for each key block: S as above, P = e^(S - lse),
//             gradV_blk += Pᵀ·gradOut_blk, dP = gradOut_blk·V_blkᵀ, dS = P ⊙ (dP - D),
//             gradQ_blk += scale·dS·K_blk, gradK_blk += scale·dSᵀ·Q_blk.
// The products run on the ISA's SGEMM micro-kernel (gemm_kernels(isa).micro) over panels packed
// here (attention_pack.h): each head's K and V once, each query block's Q and gradOut once, each
// tile's P and dS once. Causal: micro-tiles whose keys all lie past their rows' last position are
// not computed (S there is -inf), and the products with P or dS start or stop their depth at the
// diagonal (P and dS are 0 past it), so the masked triangle costs about half a micro-tile per tile
// row instead of half a query block. Every product has one depth slice (d, dv, kBk or kBq), so its
// accumulation order is fixed by the shape alone. The scratch is the packed K and V of one head
// and a few kBq×kBk tiles per thread (linear in L). The row sums are float64; the products
// float32.
#include "kernels/attention/attention.h"

#include <atomic>
#include <cmath>
#include <cstring>

#include "core/memory.h"
#include "core/thread_pool.h"
#include "kernels/attention/attention_pack.h"
#include "kernels/gemm/gemm.h"
#include "kernels/softmax/softmax.h"

namespace gradguard {
namespace kernels {
namespace {

using attention_pack::pack_cols;
using attention_pack::round_up;

// Query rows per block. With K and V packed once per head and the diagonal skipped per micro-tile,
// the 32-row blocks short causal sequences used to take (to halve the masked triangle computed per
// block) no longer pay. Callgrind, self-attention B 8, 4×64, L 128 causal, fwd+bwd, AVX2: 32 rows
// 297.5M instructions, 64 rows 288.7M, 128 rows 286.2M; 64 keeps the S and dP tiles (32 KiB each)
// within L1/L2 where 128 rows would double them for under 1 %.
constexpr size_t kBq = 64;
// Keys per block: the S tile (32 KiB) stays in L1/L2 with its panels. A multiple of every ISA's
// micro-tile width NR (8, 16, 32), so a key block starts on a packed K panel.
constexpr size_t kBk = 128;

thread_local ScratchBuffer t_tiles;

inline size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

// Row strides (floats) of one head's q, k, v and out (gradients share them).
struct Ld {
  size_t q, k, v, o;
};

// The micro-kernel and its tile, and the ISA's transposing pack.
struct Micro {
  GemmMicroKernel f;
  size_t mr, nr;
  void (*pack_rows)(const float* src, size_t ld, size_t rows, size_t depth, size_t w, float* dst);
};

// Carves 64-byte-aligned regions (the micro-kernels load B panels aligned) out of one scratch.
struct Carver {
  float* base;
  size_t used = 0;
  float* take(size_t floats) {
    float* p = base ? base + used : nullptr;
    used += round_up(floats, 16);
    return p;
  }
};

// True when causal masking hides every key >= `key` from every query row < `row_end`: the tile
// (rows .. row_end, keys key ..) is all -inf.
inline bool above_diagonal(const AttentionShape& a, size_t key, size_t row_end) {
  return a.causal && key + 1 > row_end;
}

// Keys k0 .. k0 + n of a block of bk that query row `row` sees: causal attention hides j > row.
inline size_t visible(const AttentionShape& a, size_t row, size_t k0, size_t bk) {
  if (!a.causal) return bk;
  return row + 1 > k0 ? min_sz(bk, row + 1 - k0) : 0;
}

// S[bq × bk] (row stride kBk) for query rows q0.. and keys k0..: scale·q·kᵀ + mask (-inf where the
// mask is -inf) over each row's visible keys; what lies past them (causal j > i) is undefined: the
// callers read only visible(...) entries of a row and write P = 0 past them. Qa: the block's Q as
// A panels (depth d); Kt: the head's Kᵀ as B panels (depth d). Micro-tiles whose keys all lie past
// their rows are not computed.
void scores_tile(const Micro& u, const AttentionShape& a, const float* Qa, const float* Kt,
                 size_t q0, size_t bq, size_t k0, size_t bk, float* S) {
  for (size_t j0 = 0; j0 < bk; j0 += u.nr) {
    const size_t nr = min_sz(u.nr, bk - j0);
    const float* bp = Kt + (k0 + j0) / u.nr * a.d * u.nr;
    for (size_t i0 = 0; i0 < bq; i0 += u.mr) {
      const size_t mr = min_sz(u.mr, bq - i0);
      if (above_diagonal(a, k0 + j0, q0 + i0 + mr)) continue;
      u.f(a.d, Qa + i0 * a.d, bp, S + i0 * kBk + j0, kBk, mr, nr, a.scale, 0.0f);
    }
  }
  if (a.mask) {
    for (size_t i = 0; i < bq; ++i) {
      const float* mr = a.mask + (q0 + i) * a.lk + k0;
      float* sr = S + i * kBk;
      const size_t n = visible(a, q0 + i, k0, bk);
      for (size_t j = 0; j < n; ++j) sr[j] = mr[j] == -INFINITY ? -INFINITY : sr[j] + mr[j];
    }
  }
}

// Keys a query block [q0, q0 + bq) can see.
inline size_t key_end(const AttentionShape& a, size_t q0, size_t bq) {
  return a.causal ? min_sz(a.lk, q0 + bq) : a.lk;
}

// X [bq × bk] (row stride kBk: P or dS) as A panels of depth bk for rows_times, each panel packed
// only as deep as rows_times reads it (causal: up to the panel's last visible key).
void pack_tile_rows(const Micro& u, const AttentionShape& a, const float* X, size_t bq, size_t bk,
                    size_t q0, size_t k0, float* dst) {
  for (size_t i0 = 0; i0 < bq; i0 += u.mr) {
    const size_t mr = min_sz(u.mr, bq - i0);
    size_t kc = bk;
    if (a.causal) {
      const size_t end = q0 + i0 + mr;
      if (end <= k0) continue;
      kc = min_sz(bk, end - k0);
    }
    u.pack_rows(X + i0 * kBk, kBk, mr, kc, u.mr, dst + i0 * bk);
  }
}

// X [bq × bk] as Aᵀ panels (rows = keys, depth bq) for keys_times, each from the depth keys_times
// starts it at (causal: the panel's first key's own query).
void pack_tile_keys(const Micro& u, const AttentionShape& a, const float* X, size_t bq, size_t bk,
                    size_t q0, size_t k0, float* dst) {
  for (size_t i0 = 0; i0 < bk; i0 += u.mr) {
    const size_t key = k0 + i0;
    const size_t p0 = a.causal && key > q0 ? key - q0 : 0;
    if (p0 >= bq) continue;
    pack_cols(X + p0 * kBk + i0, kBk, bq - p0, min_sz(u.mr, bk - i0), u.mr,
              dst + i0 * bq + p0 * u.mr);
  }
}

// C[rows × n] (ldc) = alpha·A·B + beta·C where A is `rows` (query) rows of A panels of depth
// `depth` and B the B panels of depth `bdepth` starting at depth row `b0`; a causal product with P
// or dS stops each A panel's depth at the last key its rows see (P and dS are 0 past it).
void rows_times(const Micro& u, const AttentionShape& a, const float* Ap, size_t rows, size_t depth,
                size_t q0, size_t k0, const float* Bp, size_t bdepth, size_t b0, size_t n, float* c,
                size_t ldc, float alpha) {
  for (size_t i0 = 0; i0 < rows; i0 += u.mr) {
    const size_t mr = min_sz(u.mr, rows - i0);
    size_t kc = depth;
    if (a.causal) {
      const size_t end = q0 + i0 + mr;  // keys < end are visible to some row of the panel
      if (end <= k0) continue;
      kc = min_sz(depth, end - k0);
    }
    for (size_t c0 = 0; c0 < n; c0 += u.nr) {
      u.f(kc, Ap + i0 * depth, Bp + c0 * bdepth + b0 * u.nr, c + i0 * ldc + c0, ldc, mr,
          min_sz(u.nr, n - c0), alpha, 1.0f);
    }
  }
}

// C[keys × n] (ldc) += alpha·Xᵀ·Y for X = P or dS [bq × bk] packed as Aᵀ panels (rows = keys,
// depth = the block's bq queries) and Y = the block's gradOut or Q as B panels (depth bq); a
// causal product starts each key panel's depth at its first key's own query (earlier queries do
// not see it: P and dS are 0 there).
void keys_times(const Micro& u, const AttentionShape& a, const float* At, size_t bk, size_t bq,
                size_t q0, size_t k0, const float* Bp, size_t n, float* c, size_t ldc,
                float alpha) {
  for (size_t i0 = 0; i0 < bk; i0 += u.mr) {
    const size_t mr = min_sz(u.mr, bk - i0);
    const size_t key = k0 + i0;
    const size_t p0 = a.causal && key > q0 ? key - q0 : 0;
    if (p0 >= bq) continue;
    for (size_t c0 = 0; c0 < n; c0 += u.nr) {
      u.f(bq - p0, At + i0 * bq + p0 * u.mr, Bp + c0 * bq + p0 * u.nr, c + i0 * ldc + c0, ldc, mr,
          min_sz(u.nr, n - c0), alpha, 1.0f);
    }
  }
}

struct FwdScratch {
  float *kt, *vb, *qa, *s, *pa;
  double *m, *l;
};

FwdScratch carve_forward(const Micro& u, const AttentionShape& a, float* base, size_t* floats) {
  Carver c{base};
  FwdScratch f{};
  f.kt = c.take(round_up(a.lk, u.nr) * a.d);
  f.vb = c.take(round_up(a.dv, u.nr) * a.lk);
  f.qa = c.take(round_up(kBq, u.mr) * a.d);
  f.s = c.take(kBq * kBk);
  f.pa = c.take(round_up(kBq, u.mr) * kBk);
  f.m = reinterpret_cast<double*>(c.take(2 * kBq));
  f.l = reinterpret_cast<double*>(c.take(2 * kBq));
  *floats = c.used;
  return f;
}

void forward_head(Isa isa, const Micro& u, const AttentionShape& a, const Ld& ld, const float* qb,
                  const float* kb, const float* vb, float* ob, float* lb, const FwdScratch& w) {
  const SoftmaxRowKernels& rk = softmax_row_kernels(isa);
  u.pack_rows(kb, ld.k, a.lk, a.d, u.nr, w.kt);
  pack_cols(vb, ld.v, a.lk, a.dv, u.nr, w.vb);
  double* m = w.m;
  double* l = w.l;
  for (size_t q0 = 0; q0 < a.lq; q0 += kBq) {
    const size_t bq = min_sz(kBq, a.lq - q0);
    float* o = ob + q0 * ld.o;
    for (size_t i = 0; i < bq; ++i) {
      std::memset(o + i * ld.o, 0, a.dv * sizeof(float));
      m[i] = -INFINITY;
      l[i] = 0;
    }
    u.pack_rows(qb + q0 * ld.q, ld.q, bq, a.d, u.mr, w.qa);
    const size_t kend = key_end(a, q0, bq);
    for (size_t k0 = 0; k0 < kend; k0 += kBk) {
      const size_t bk = min_sz(kBk, kend - k0);
      float* S = w.s;
      scores_tile(u, a, w.qa, w.kt, q0, bq, k0, bk, S);
      for (size_t i = 0; i < bq; ++i) {
        float* sr = S + i * kBk;
        const size_t n = visible(a, q0 + i, k0, bk);
        const float mb = rk.row_max(sr, n);  // -inf when n = 0
        const double mn = std::isnan(mb) ? NAN : (mb > m[i] ? mb : m[i]);
        if (mn == -INFINITY) {
          // every key so far masked: P row 0 (e^(-inf - -inf) would be NaN)
          std::memset(sr, 0, bk * sizeof(float));
          continue;
        }
        const double alpha = std::exp(m[i] - mn);  // 0 on the first visible block
        const double ps = rk.exp_sum(sr, n, static_cast<float>(mn), sr);
        std::memset(sr + n, 0, (bk - n) * sizeof(float));  // causal: P = 0 past the row
        l[i] = l[i] * alpha + ps;
        if (alpha != 1.0) rk.scale(o + i * ld.o, a.dv, static_cast<float>(alpha));
        m[i] = mn;
      }
      pack_tile_rows(u, a, S, bq, bk, q0, k0, w.pa);
      rows_times(u, a, w.pa, bq, bk, q0, k0, w.vb, a.lk, k0, a.dv, o, ld.o, 1.0f);
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

struct BwdScratch {
  float *kt, *vt, *kb, *qa, *goa, *gob, *qb, *s, *dp, *at;
  double* D;
};

BwdScratch carve_backward(const Micro& u, const AttentionShape& a, float* base, size_t* floats) {
  Carver c{base};
  BwdScratch b{};
  b.kt = c.take(round_up(a.lk, u.nr) * a.d);   // Kᵀ panels: S = Q·Kᵀ
  b.vt = c.take(round_up(a.lk, u.nr) * a.dv);  // Vᵀ panels: dP = gradOut·Vᵀ
  b.kb = c.take(round_up(a.d, u.nr) * a.lk);   // K panels: gradQ += dS·K
  b.qa = c.take(round_up(kBq, u.mr) * a.d);
  b.goa = c.take(round_up(kBq, u.mr) * a.dv);
  b.gob = c.take(round_up(a.dv, u.nr) * kBq);
  b.qb = c.take(round_up(a.d, u.nr) * kBq);
  b.s = c.take(kBq * kBk);
  b.dp = c.take(kBq * kBk);
  // Pᵀ, then dS, then dSᵀ as A panels (used one after the other)
  const size_t at = round_up(kBk, u.mr) * kBq;
  const size_t ds = round_up(kBq, u.mr) * kBk;
  b.at = c.take(at > ds ? at : ds);
  b.D = reinterpret_cast<double*>(c.take(2 * kBq));
  *floats = c.used;
  return b;
}

void backward_head(Isa isa, const Micro& u, const AttentionShape& a, const Ld& ld, const float* qb,
                   const float* kb, const float* vb, const float* ob, const float* lb,
                   const float* gob, Grads g, const BwdScratch& w) {
  const SoftmaxRowKernels& rk = softmax_row_kernels(isa);
  if (g.gq) fill_rows(g.gq, a.lq, a.d, ld.q, 0.0f);
  if (g.gk) fill_rows(g.gk, a.lk, a.d, ld.k, 0.0f);
  if (g.gv) fill_rows(g.gv, a.lk, a.dv, ld.v, 0.0f);
  bool nan_row = false;
  const bool need_ds = g.gq != nullptr || g.gk != nullptr;
  u.pack_rows(kb, ld.k, a.lk, a.d, u.nr, w.kt);
  if (need_ds) u.pack_rows(vb, ld.v, a.lk, a.dv, u.nr, w.vt);
  if (g.gq) pack_cols(kb, ld.k, a.lk, a.d, u.nr, w.kb);
  double* D = w.D;
  for (size_t q0 = 0; q0 < a.lq; q0 += kBq) {
    const size_t bq = min_sz(kBq, a.lq - q0);
    for (size_t i = 0; i < bq; ++i) {
      D[i] = rk.dot(gob + (q0 + i) * ld.o, ob + (q0 + i) * ld.o, a.dv);
      if (std::isnan(lb[q0 + i])) nan_row = true;
    }
    const float* go = gob + q0 * ld.o;
    const float* q = qb + q0 * ld.q;
    u.pack_rows(q, ld.q, bq, a.d, u.mr, w.qa);
    if (need_ds) u.pack_rows(go, ld.o, bq, a.dv, u.mr, w.goa);
    if (g.gv) pack_cols(go, ld.o, bq, a.dv, u.nr, w.gob);
    if (g.gk) pack_cols(q, ld.q, bq, a.d, u.nr, w.qb);
    const size_t kend = key_end(a, q0, bq);
    for (size_t k0 = 0; k0 < kend; k0 += kBk) {
      const size_t bk = min_sz(kBk, kend - k0);
      float* S = w.s;
      float* dP = w.dp;
      scores_tile(u, a, w.qa, w.kt, q0, bq, k0, bk, S);
      for (size_t i = 0; i < bq; ++i) {
        float* sr = S + i * kBk;
        const size_t n = visible(a, q0 + i, k0, bk);
        rk.exp_sum(sr, n, lb[q0 + i], sr);                 // P; the sum is not needed
        std::memset(sr + n, 0, (bk - n) * sizeof(float));  // causal: P = 0 past the row
      }
      if (g.gv) {
        pack_tile_keys(u, a, S, bq, bk, q0, k0, w.at);
        keys_times(u, a, w.at, bk, bq, q0, k0, w.gob, a.dv, g.gv + k0 * ld.v, ld.v, 1.0f);
      }
      if (!need_ds) continue;
      // dP = gradOut·Vᵀ; the tiles above the diagonal (P = 0 there) are 0, as is all of dP when
      // dv = 0 (an empty sum)
      for (size_t j0 = 0; j0 < bk; j0 += u.nr) {
        const size_t nr = min_sz(u.nr, bk - j0);
        const float* bp = w.vt + (k0 + j0) / u.nr * a.dv * u.nr;
        for (size_t i0 = 0; i0 < bq; i0 += u.mr) {
          const size_t mr = min_sz(u.mr, bq - i0);
          float* c = dP + i0 * kBk + j0;
          if (a.dv == 0 || above_diagonal(a, k0 + j0, q0 + i0 + mr)) {
            fill_rows(c, mr, nr, kBk, 0.0f);
          } else {
            u.f(a.dv, w.goa + i0 * a.dv, bp, c, kBk, mr, nr, 1.0f, 0.0f);
          }
        }
      }
      for (size_t i = 0; i < bq; ++i) {
        rk.grad(S + i * kBk, dP + i * kBk, bk, static_cast<float>(D[i]), dP + i * kBk);
      }
      if (g.gq) {
        pack_tile_rows(u, a, dP, bq, bk, q0, k0, w.at);
        rows_times(u, a, w.at, bq, bk, q0, k0, w.kb, a.lk, k0, a.d, g.gq + q0 * ld.q, ld.q,
                   a.scale);
      }
      if (g.gk) {
        pack_tile_keys(u, a, dP, bq, bk, q0, k0, w.at);
        keys_times(u, a, w.at, bk, bq, q0, k0, w.qb, a.d, g.gk + k0 * ld.k, ld.k, a.scale);
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

inline Micro micro_of(Isa isa) {
  const GemmKernels& k = gemm_kernels(isa);
  return {k.micro, k.mr, k.nr, attention_pack_kernels(isa).pack_rows};
}

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
  const Micro u = micro_of(isa);
  if (kBk % u.nr != 0) return Status::kInvalidArgument;  // a key block must start on a K panel
  size_t floats = 0;
  carve_forward(u, a, nullptr, &floats);
  std::atomic<bool> oom{false};
  parallel_for(0, heads, 1, [&](size_t lo, size_t hi) {
    float* scratch = t_tiles.get(floats);
    if (scratch == nullptr) {
      oom = true;
      return;
    }
    size_t unused = 0;
    const FwdScratch w = carve_forward(u, a, scratch, &unused);
    for (size_t bh = lo; bh < hi; ++bh) {
      forward_head(isa, u, a, ld, q + head_at(y.q, a.heads, bh), k + head_at(y.k, a.heads, bh),
                   v + head_at(y.v, a.heads, bh), out + head_at(y.o, a.heads, bh), lse + bh * a.lq,
                   w);
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
  const Micro u = micro_of(isa);
  if (kBk % u.nr != 0) return Status::kInvalidArgument;  // a key block must start on a K panel
  size_t floats = 0;
  carve_backward(u, a, nullptr, &floats);
  std::atomic<bool> oom{false};
  parallel_for(0, heads, 1, [&](size_t lo, size_t hi) {
    float* scratch = t_tiles.get(floats);
    if (scratch == nullptr) {
      oom = true;
      return;
    }
    size_t unused = 0;
    const BwdScratch w = carve_backward(u, a, scratch, &unused);
    for (size_t bh = lo; bh < hi; ++bh) {
      const size_t hq = head_at(y.q, a.heads, bh), hk = head_at(y.k, a.heads, bh);
      const size_t hv = head_at(y.v, a.heads, bh), ho = head_at(y.o, a.heads, bh);
      const Grads g{gq ? gq + hq : nullptr, gk ? gk + hk : nullptr, gv ? gv + hv : nullptr};
      backward_head(isa, u, a, ld, q + hq, k + hk, v + hv, out + ho, lse + bh * a.lq, go + ho, g,
                    w);
    }
  });
  return oom ? Status::kOutOfMemory : Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
