// Convolution driver on the ISA's GEMM micro-kernel (gemm.h), an implicit GEMM: the im2col matrix
// col [K = C_g·kh·kw, P = OH·OW] of a sample is never stored whole, its pieces are gathered
// straight from the input into the micro-kernel's packed B panels (row segments copied, padding
// zeroed). Per sample n and group q:
//   forward    y [O_g, P]   = W_g [O_g, K] · col              (bias preloaded, beta = 1)
//   gradX      gcol [K, P]  = W_gᵀ · gY, then col2im          (1x1/stride 1/no padding: gcol is gX)
//   gradWeight gW [O_g, K] += gY [O_g, P] · colᵀ              (per chunk of samples)
// The weights are packed once per call; panels and columns live in per-thread buffers reused across
// calls (no allocation in a steady training loop). Tasks (sample × group × column block for the
// forward, sample × group for gradX, a fixed chunk plan of samples for gradWeight) run on the pool;
// each output tile is computed by one task in a fixed depth order, so results are bit-identical for
// any thread count. gradWeight sums per-chunk partials (the plan depends on the batch alone) in
// chunk order in float64; gradBias sums in float64. float32 accumulation in the micro-kernel.
// The micro-kernel is called directly, not sgemm: each task is already one tile's whole product,
// and sgemm inside a pool task would only run inline (nested regions do) with its own packing.
// Depthwise-like groups take a direct loop path instead (below); stride-1 convolutions take the
// unit-stride path (conv_unit.cc) for the directions it applies to.
#include "kernels/conv/conv.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "core/memory.h"
#include "core/thread_pool.h"
#include "kernels/conv/conv_unit.h"
#include "kernels/gemm/gemm.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr size_t kKc = 256;         // depth of a packed slice (fixed; the GEMM derives its own)
constexpr size_t kBlockCols = 256;  // columns of B packed at once (a task's block, forward)

thread_local ScratchBuffer t_bp;    // packed B panels, per thread
thread_local ScratchBuffer t_ap;    // packed A of a task (gradWeight: gY), per thread
thread_local ScratchBuffer t_gcol;  // gcol before col2im (gradWeight: rows of col), per thread
thread_local ScratchBuffer t_wpk;   // packed weights, on the calling thread
thread_local ScratchBuffer t_part;  // gradWeight partials, on the calling thread

inline size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }
inline size_t kc_step_for(size_t depth) { return ceil_div(depth, ceil_div(depth, kKc)); }

bool mul_ok(size_t a, size_t b, size_t* out) {
  if (b != 0 && a > SIZE_MAX / b) return false;
  *out = a * b;
  return true;
}

// The unit-stride gradX correlates a zero-padded gY with the flipped weights, so a ±Inf weight
// meets the padding as 0 · Inf = NaN where the reference (and PyTorch's col2im, which never
// multiplies padding) has a number. That path takes only all-finite weights: one pass over the
// weights, small next to the product.
bool all_finite(const float* v, size_t count) {
  float acc = 0.f;  // v · 0 is 0 for a finite v and NaN for ±Inf or NaN
  for (size_t i = 0; i < count; ++i) acc += v[i] * 0.f;
  return acc == 0.f;
}

bool is_pointwise(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 &&
         g.pad_w == 0;
}

// First and one-past-last output index j whose input column j·s + off lies in [0, size).
void valid_range(long off, size_t s, size_t size, size_t out, size_t* lo, size_t* hi) {
  const long S = static_cast<long>(s), N = static_cast<long>(size);
  long a = off >= 0 ? 0 : (-off + S - 1) / S;
  long b = N - off <= 0 ? 0 : (N - off + S - 1) / S;  // first j with j·s + off >= size
  a = std::min<long>(a, static_cast<long>(out));
  b = std::min<long>(std::max(b, a), static_cast<long>(out));
  *lo = static_cast<size_t>(a);
  *hi = static_cast<size_t>(b);
}

// Walks col[r][p … p + count) — row r = (c·kh + a)·kw + b of the im2col matrix of the C_g planes at
// x, positions row-major over OH×OW — as runs: put(k, src, len) for elements k … k + len of the
// walk, src[e·stride_w] being element k + e, or src == nullptr for zeros (padding).
template <typename Put>
void walk_row(const ConvGeometry& g, const float* x, size_t r, size_t p, size_t count,
              const Put& put) {
  const size_t khw = g.kernel_h * g.kernel_w;
  const size_t c = r / khw, a = r % khw / g.kernel_w, b = r % g.kernel_w;
  const float* plane = x + c * g.height * g.width;
  const long hoff = static_cast<long>(a * g.dilation_h) - static_cast<long>(g.pad_h);
  const long woff = static_cast<long>(b * g.dilation_w) - static_cast<long>(g.pad_w);
  size_t i0, i1, j0, j1;
  valid_range(hoff, g.stride_h, g.height, g.out_height, &i0, &i1);
  valid_range(woff, g.stride_w, g.width, g.out_width, &j0, &j1);
  const size_t OW = g.out_width, sw = g.stride_w;
  size_t i = p / OW, j = p % OW, k = 0;
  while (k < count) {
    const size_t run = std::min(OW - j, count - k);
    if (i < i0 || i >= i1) {
      put(k, nullptr, run);
    } else {
      const float* src =
          plane + (static_cast<long>(i * g.stride_h) + hoff) * static_cast<long>(g.width) + woff;
      const size_t lo = std::min(std::max(j, j0), j + run),
                   hi = std::max(std::min(j + run, j1), lo);
      if (lo > j) put(k, nullptr, lo - j);
      if (hi > lo) put(k + (lo - j), src + lo * sw, hi - lo);
      if (j + run > hi) put(k + (hi - j), nullptr, j + run - hi);
    }
    k += run;
    j = 0;
    ++i;
  }
}

// out[k] = col[r][p + k] for k < count.
void gather_row(const ConvGeometry& g, const float* x, size_t r, size_t p, size_t count,
                float* out) {
  const size_t sw = g.stride_w;
  walk_row(g, x, r, p, count, [&](size_t k, const float* src, size_t len) {
    if (src == nullptr) {
      std::memset(out + k, 0, len * sizeof(float));
    } else if (sw == 1) {
      std::memcpy(out + k, src, len * sizeof(float));
    } else {
      for (size_t e = 0; e < len; ++e) out[k + e] = src[e * sw];
    }
  });
}

// The same row into B panels: element k goes to dst[(k / NR)·kc·NR + k % NR] (one depth row of
// each panel), so a block of columns is packed in one walk. NR is a template argument so that
// the divisions are shifts (this runs once per element of col).
template <size_t NR>
void gather_row_panels_nr(const ConvGeometry& g, const float* x, size_t r, size_t p, size_t count,
                          float* dst, size_t kc) {
  const size_t sw = g.stride_w;
  walk_row(g, x, r, p, count, [&](size_t k, const float* src, size_t len) {
    while (len > 0) {
      const size_t jo = k % NR, n = std::min(len, NR - jo);
      float* d = dst + k / NR * kc * NR + jo;
      // Pieces are at most NR floats: inline loops beat memcpy/memset calls here.
      if (src == nullptr) {
        for (size_t e = 0; e < n; ++e) d[e] = 0.f;
      } else {
        if (sw == 1) {
          for (size_t e = 0; e < n; ++e) d[e] = src[e];
        } else {
          for (size_t e = 0; e < n; ++e) d[e] = src[e * sw];
        }
        src += n * sw;
      }
      k += n;
      len -= n;
    }
  });
}

using GatherPanelsFn = void (*)(const ConvGeometry&, const float*, size_t, size_t, size_t, float*,
                                size_t);

// The instance for the micro-kernel's tile width (every table's nr is one of these).
GatherPanelsFn gather_row_panels_for(size_t nr) {
  switch (nr) {
    case 8: return gather_row_panels_nr<8>;
    case 16: return gather_row_panels_nr<16>;
    case 32: return gather_row_panels_nr<32>;
    default: return nullptr;
  }
}

// dst[p·ld + j] = rows[j·kc + p] for j < nc, p < kc: nc gathered rows of col into one B panel
// (ld = nr), 4×4 SSE transposes where the baseline has them.
void transpose_rows(const float* rows, size_t nc, size_t kc, float* dst, size_t ld) {
  size_t j = 0;
#if defined(__SSE2__)
  for (; j + 4 <= nc; j += 4) {
    const float* r0 = rows + j * kc;
    size_t p = 0;
    for (; p + 4 <= kc; p += 4) {
      __m128 x0 = _mm_loadu_ps(r0 + p), x1 = _mm_loadu_ps(r0 + kc + p);
      __m128 x2 = _mm_loadu_ps(r0 + 2 * kc + p), x3 = _mm_loadu_ps(r0 + 3 * kc + p);
      _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
      _mm_storeu_ps(dst + p * ld + j, x0);
      _mm_storeu_ps(dst + (p + 1) * ld + j, x1);
      _mm_storeu_ps(dst + (p + 2) * ld + j, x2);
      _mm_storeu_ps(dst + (p + 3) * ld + j, x3);
    }
    for (; p < kc; ++p) {
      for (size_t e = 0; e < 4; ++e) dst[p * ld + j + e] = r0[e * kc + p];
    }
  }
#endif
  for (; j < nc; ++j) {
    for (size_t p = 0; p < kc; ++p) dst[p * ld + j] = rows[j * kc + p];
  }
}

// Packs rows [i0, i0 + rows) (rows <= mr, zero-padded to mr) and depth [p0, p0 + kc) of op(A) into
// dst[p·mr + i]; op(A)(i, p) = a[i·lda + p], or a[p·lda + i] when `trans`.
void pack_a(bool trans, const float* a, size_t lda, size_t mr, size_t i0, size_t rows, size_t p0,
            size_t kc, float* dst) {
  if (trans) {  // op(A)(i, p) = a[p·lda + i]: each depth step is a contiguous run of rows
    for (size_t p = 0; p < kc; ++p) {
      float* d = dst + p * mr;
      const float* src = a + (p0 + p) * lda + i0;
      for (size_t i = 0; i < rows; ++i) d[i] = src[i];
      for (size_t i = rows; i < mr; ++i) d[i] = 0.f;
    }
    return;
  }
  for (size_t i = 0; i < rows; ++i) {  // contiguous reads along each row, strided writes
    const float* src = a + (i0 + i) * lda + p0;
    for (size_t p = 0; p < kc; ++p) dst[p * mr + i] = src[p];
  }
  for (size_t i = rows; i < mr; ++i) {
    for (size_t p = 0; p < kc; ++p) dst[p * mr + i] = 0.f;
  }
}

// Packs the whole op(A) [m × depth]: slice s, panel ip at dst + (s·panels + ip)·mr·kc_step.
size_t packed_a_size(size_t m, size_t depth, size_t mr) {
  return ceil_div(depth, kc_step_for(depth)) * ceil_div(m, mr) * mr * kc_step_for(depth);
}
void pack_a_all(bool trans, const float* a, size_t lda, size_t m, size_t depth, size_t mr,
                float* dst) {
  const size_t step = kc_step_for(depth), panels = ceil_div(m, mr);
  for (size_t s = 0, p0 = 0; p0 < depth; ++s, p0 += step) {
    for (size_t ip = 0; ip < panels; ++ip) {
      pack_a(trans, a, lda, mr, ip * mr, std::min(mr, m - ip * mr), p0, std::min(step, depth - p0),
             dst + (s * panels + ip) * mr * step);
    }
  }
}

// C [m × columns n0…n1) (ldc) = op(A)·B + beta·C, with op(A) pre-packed by pack_a_all and B packed
// per depth slice and column block by pack_b(p0, kc, j0, cols, dst) into panels dst[(jp·kc + p)·nr
// + j] (zero-padded to nr). Slices run in order for every tile: the same bits on any thread.
template <typename PackB>
Status gemm_cols(const GemmKernels& k, size_t m, size_t depth, const float* ap, size_t n0,
                 size_t n1, float* c, size_t ldc, float beta, const PackB& pack_b) {
  const size_t mr = k.mr, nr = k.nr, step = kc_step_for(depth), panels = ceil_div(m, mr);
  const size_t block = std::max(nr, kBlockCols / nr * nr);
  float* bp = t_bp.get(block * step);
  if (bp == nullptr) return Status::kOutOfMemory;
  for (size_t s = 0, p0 = 0; p0 < depth; ++s, p0 += step) {
    const size_t kc = std::min(step, depth - p0);
    const float beta_eff = s == 0 ? beta : 1.f;
    for (size_t jb = n0; jb < n1; jb += block) {
      const size_t cols = std::min(block, n1 - jb);
      pack_b(p0, kc, jb, cols, bp);
      for (size_t jp = 0; jp * nr < cols; ++jp) {
        const size_t nc = std::min(nr, cols - jp * nr);
        for (size_t ip = 0; ip < panels; ++ip) {
          k.micro(kc, ap + (s * panels + ip) * mr * step, bp + jp * kc * nr,
                  c + ip * mr * ldc + jb + jp * nr, ldc, std::min(mr, m - ip * mr), nc, 1.f,
                  beta_eff);
        }
      }
    }
  }
  return Status::kOk;
}

// Runs fn(t) for t in [0, count) on the pool (one task per block); the first failure is returned.
template <typename F>
Status run_tasks(size_t count, const F& fn) {
  std::atomic<int> failed{static_cast<int>(Status::kOk)};
  parallel_for(0, count, 1, [&](size_t lo, size_t hi) {
    for (size_t t = lo; t < hi; ++t) {
      const Status s = fn(t);
      if (s != Status::kOk) failed.store(static_cast<int>(s));
    }
  });
  return static_cast<Status>(failed.load());
}

// ---- direct path: depthwise-like groups (one input channel, at most kDirectMaxOut outputs) ----
// There a GEMM has at most kDirectMaxOut rows and depth kh·kw (the micro-kernel tile is mostly
// padding); the direct loops below run along output rows with the ISA's row kernels (axpy, dot;
// conv_dispatch.cc) when stride_w = 1, plain loops otherwise.
// Measured (1 thread, CPU time): depthwise 64 ch 3×3, batch 32: 16.5 ms direct vs 40.8 ms GEMM;
// LeNet 1→8 5×5 (8 outputs per input channel): 5.0 ms direct vs 2.0 ms GEMM, so it stays on GEMM.
// Padding is skipped rather than multiplied (0·Inf gives 0 here, NaN on the GEMM path).
constexpr size_t kDirectMaxOut = 4;

bool is_direct(const ConvGeometry& g) {
  return g.groups > 0 && g.in_channels == g.groups && g.out_channels / g.groups <= kDirectMaxOut;
}

// Calls f(a, b, i0, i1, j0, j1, row_off, col_off) for every tap (a, b): output rows [i0, i1) and
// columns [j0, j1) read the input at (i·sh + row_off, j·sw + col_off).
template <typename F>
void for_taps(const ConvGeometry& g, const F& f) {
  for (size_t a = 0; a < g.kernel_h; ++a) {
    const long hoff = static_cast<long>(a * g.dilation_h) - static_cast<long>(g.pad_h);
    size_t i0, i1;
    valid_range(hoff, g.stride_h, g.height, g.out_height, &i0, &i1);
    for (size_t b = 0; b < g.kernel_w; ++b) {
      const long woff = static_cast<long>(b * g.dilation_w) - static_cast<long>(g.pad_w);
      size_t j0, j1;
      valid_range(woff, g.stride_w, g.width, g.out_width, &j0, &j1);
      f(a, b, i0, i1, j0, j1, hoff, woff);
    }
  }
}

// Input element (i·sh + hoff, j·sw + woff) of a plane, as a row pointer for output row i.
inline const float* in_row(const ConvGeometry& g, const float* plane, size_t i, long hoff,
                           long woff) {
  return plane + (static_cast<long>(i * g.stride_h) + hoff) * static_cast<long>(g.width) + woff;
}

Status direct_forward(const ConvKernels& ck, const ConvGeometry& g, const float* x, const float* w,
                      const float* bias, float* y) {
  const size_t og = g.out_channels / g.groups, P = g.out_height * g.out_width, OW = g.out_width;
  const size_t khw = g.kernel_h * g.kernel_w, sw = g.stride_w;
  return run_tasks(g.batch * g.out_channels, [&](size_t t) -> Status {
    const size_t n = t / g.out_channels, o = t % g.out_channels;
    const float* plane = x + (n * g.in_channels + o / og) * g.height * g.width;
    float* yo = y + t * P;
    std::fill(yo, yo + P, bias != nullptr ? bias[o] : 0.f);
    for_taps(g,
             [&](size_t a, size_t b, size_t i0, size_t i1, size_t j0, size_t j1, long ho, long wo) {
               const float wv = w[o * khw + a * g.kernel_w + b];
               for (size_t i = i0; i < i1; ++i) {
                 float* __restrict yr = yo + i * OW;
                 const float* __restrict src = in_row(g, plane, i, ho, wo);
                 if (sw == 1) {
                   ck.axpy(j1 - j0, wv, src + j0, yr + j0);
                 } else {
                   for (size_t j = j0; j < j1; ++j) yr[j] += wv * src[j * sw];
                 }
               }
             });
    return Status::kOk;
  });
}

Status direct_grad_x(const ConvKernels& ck, const ConvGeometry& g, const float* w, const float* gy,
                     float* gx) {
  const size_t og = g.out_channels / g.groups, P = g.out_height * g.out_width, OW = g.out_width;
  const size_t khw = g.kernel_h * g.kernel_w, sw = g.stride_w, HW = g.height * g.width;
  return run_tasks(g.batch * g.in_channels, [&](size_t t) -> Status {
    const size_t n = t / g.in_channels, q = t % g.in_channels;
    float* plane = gx + t * HW;
    std::fill(plane, plane + HW, 0.f);
    for (size_t o = q * og; o < (q + 1) * og; ++o) {
      const float* gyo = gy + (n * g.out_channels + o) * P;
      for_taps(
          g, [&](size_t a, size_t b, size_t i0, size_t i1, size_t j0, size_t j1, long ho, long wo) {
            const float wv = w[o * khw + a * g.kernel_w + b];
            for (size_t i = i0; i < i1; ++i) {
              float* __restrict dst = const_cast<float*>(in_row(g, plane, i, ho, wo));
              const float* __restrict gr = gyo + i * OW;
              if (sw == 1) {
                ck.axpy(j1 - j0, wv, gr + j0, dst + j0);
              } else {
                for (size_t j = j0; j < j1; ++j) dst[j * sw] += wv * gr[j];
              }
            }
          });
    }
    return Status::kOk;
  });
}

Status direct_grad_w(const ConvKernels& ck, const ConvGeometry& g, const float* x, const float* gy,
                     float* gw, bool accumulate) {
  const size_t og = g.out_channels / g.groups, P = g.out_height * g.out_width, OW = g.out_width;
  const size_t khw = g.kernel_h * g.kernel_w, wsize = g.w_size(), sw = g.stride_w;
  const size_t per = ceil_div(g.batch, kWeightChunks), chunks = ceil_div(g.batch, per);
  float* part = t_part.get(chunks * wsize);
  if (part == nullptr) return Status::kOutOfMemory;
  // Tasks: (chunk, output channel); each writes its own khw partials.
  const Status s = run_tasks(chunks * g.out_channels, [&](size_t t) -> Status {
    const size_t ch = t / g.out_channels, o = t % g.out_channels;
    float* pw = part + ch * wsize + o * khw;
    std::fill(pw, pw + khw, 0.f);
    for (size_t n = ch * per; n < std::min(g.batch, (ch + 1) * per); ++n) {
      const float* plane = x + (n * g.in_channels + o / og) * g.height * g.width;
      const float* gyo = gy + (n * g.out_channels + o) * P;
      for_taps(
          g, [&](size_t a, size_t b, size_t i0, size_t i1, size_t j0, size_t j1, long ho, long wo) {
            float sum = 0.f;  // rows in order; within a row the ISA's dot (fixed lanes)
            for (size_t i = i0; i < i1; ++i) {
              const float* gr = gyo + i * OW;
              const float* src = in_row(g, plane, i, ho, wo);
              if (sw == 1) {
                sum += ck.dot(j1 - j0, gr + j0, src + j0);
              } else {
                for (size_t j = j0; j < j1; ++j) sum += gr[j] * src[j * sw];
              }
            }
            pw[a * g.kernel_w + b] += sum;
          });
    }
    return Status::kOk;
  });
  if (s != Status::kOk) return s;
  reduce_weight_chunks(part, chunks, wsize, accumulate, gw);
  return Status::kOk;
}

// The adjoint of im2col: gx (C_g planes, zeroed here first) gets every gcol entry added at the
// input position it was read from, rows of gcol in order.
void col2im(const ConvGeometry& g, const float* gcol, float* gx) {
  const size_t cg = g.in_channels / g.groups, OH = g.out_height, OW = g.out_width;
  const size_t P = OH * OW;
  std::memset(gx, 0, cg * g.height * g.width * sizeof(float));
  const float* row = gcol;
  for (size_t c = 0; c < cg; ++c) {
    float* plane = gx + c * g.height * g.width;
    for (size_t a = 0; a < g.kernel_h; ++a) {
      size_t i0, i1;
      valid_range(static_cast<long>(a * g.dilation_h) - static_cast<long>(g.pad_h), g.stride_h,
                  g.height, OH, &i0, &i1);
      for (size_t b = 0; b < g.kernel_w; ++b, row += P) {
        const long off = static_cast<long>(b * g.dilation_w) - static_cast<long>(g.pad_w);
        size_t j0, j1;
        valid_range(off, g.stride_w, g.width, OW, &j0, &j1);
        for (size_t i = i0; i < i1; ++i) {
          float* dst = plane + (i * g.stride_h + a * g.dilation_h - g.pad_h) * g.width;
          const float* src = row + i * OW;
          if (g.stride_w == 1) {
            float* d = dst + off;
            for (size_t j = j0; j < j1; ++j) d[j] += src[j];
          } else {
            for (size_t j = j0; j < j1; ++j) dst[static_cast<long>(j * g.stride_w) + off] += src[j];
          }
        }
      }
    }
  }
}

}  // namespace

Status conv_prepare(ConvGeometry* g) {
  if (g->kernel_h == 0 || g->kernel_w == 0 || g->stride_h == 0 || g->stride_w == 0 ||
      g->dilation_h == 0 || g->dilation_w == 0 || g->groups == 0 ||
      g->in_channels % g->groups != 0 || g->out_channels % g->groups != 0) {
    return Status::kInvalidArgument;
  }
  const size_t lim = size_t{1} << 40;  // every dimension and span far below overflow
  const size_t dims[] = {g->batch,    g->in_channels, g->out_channels, g->height,   g->width,
                         g->kernel_h, g->kernel_w,    g->stride_h,     g->stride_w, g->pad_h,
                         g->pad_w,    g->dilation_h,  g->dilation_w};
  for (size_t d : dims) {
    if (d > lim) return Status::kInvalidArgument;
  }
  const size_t span_h = g->dilation_h * (g->kernel_h - 1) + 1;
  const size_t span_w = g->dilation_w * (g->kernel_w - 1) + 1;
  if (span_h > g->height + 2 * g->pad_h || span_w > g->width + 2 * g->pad_w) {
    return Status::kInvalidArgument;
  }
  g->out_height = (g->height + 2 * g->pad_h - span_h) / g->stride_h + 1;
  g->out_width = (g->width + 2 * g->pad_w - span_w) / g->stride_w + 1;
  size_t t;
  if (!mul_ok(g->batch, g->in_channels, &t) || !mul_ok(t, g->height, &t) ||
      !mul_ok(t, g->width, &t) || !mul_ok(g->batch, g->out_channels, &t) ||
      !mul_ok(t, g->out_height, &t) || !mul_ok(t, g->out_width, &t) ||
      !mul_ok(g->out_channels, g->in_channels / g->groups, &t) || !mul_ok(t, g->kernel_h, &t) ||
      !mul_ok(t, g->kernel_w, &t) || !mul_ok(g->out_height * g->out_width, t, &t)) {
    return Status::kInvalidArgument;
  }
  return Status::kOk;
}
Status conv2d_forward(Isa isa, const ConvGeometry& g, const float* x, const float* w,
                      const float* bias, float* y) {
  const size_t cg = g.in_channels / g.groups, og = g.out_channels / g.groups;
  const size_t K = cg * g.kernel_h * g.kernel_w, P = g.out_height * g.out_width;
  if (g.batch == 0 || og == 0) return Status::kOk;
  if (K == 0) {  // no input channels: y is the bias
    for (size_t n = 0; n < g.batch; ++n) {
      for (size_t o = 0; o < g.out_channels; ++o) {
        float* row = y + (n * g.out_channels + o) * P;
        std::fill(row, row + P, bias != nullptr ? bias[o] : 0.f);
      }
    }
    return Status::kOk;
  }
  if (is_direct(g)) return direct_forward(conv_kernels(isa), g, x, w, bias, y);
  if (unit_forward_applies(g)) return unit_forward(conv_kernels(isa), g, x, w, bias, y);
  const GemmKernels& k = gemm_kernels(isa);
  const size_t nr = k.nr;
  const size_t wg_size = packed_a_size(og, K, k.mr);
  float* wpk = t_wpk.get(g.groups * wg_size);
  const GatherPanelsFn gather = gather_row_panels_for(nr);
  if (gather == nullptr) return Status::kInternal;
  if (wpk == nullptr) return Status::kOutOfMemory;
  for (size_t q = 0; q < g.groups; ++q) {
    pack_a_all(false, w + q * og * K, K, og, K, k.mr, wpk + q * wg_size);
  }
  const size_t block = std::max(nr, kBlockCols / nr * nr);
  const size_t blocks = ceil_div(P, block);
  return run_tasks(g.batch * g.groups * blocks, [&](size_t t) -> Status {
    const size_t n = t / (g.groups * blocks), q = t / blocks % g.groups, jb = t % blocks * block;
    const size_t j1 = std::min(P, jb + block);
    float* yg = y + (n * g.out_channels + q * og) * P;
    if (bias != nullptr) {
      for (size_t o = 0; o < og; ++o) std::fill(yg + o * P + jb, yg + o * P + j1, bias[q * og + o]);
    }
    const float* xg = x + (n * g.in_channels + q * cg) * g.height * g.width;
    auto pack_col = [&](size_t p0, size_t kc, size_t j0, size_t cols, float* dst) {
      const size_t padded = ceil_div(cols, nr) * nr;
      for (size_t p = 0; p < kc; ++p) {
        gather(g, xg, p0 + p, j0, cols, dst + p * nr, kc);
        float* last = dst + (padded / nr - 1) * kc * nr + p * nr;  // zero the last panel's tail
        for (size_t j = cols - (padded - nr); j < nr; ++j) last[j] = 0.f;
      }
    };
    return gemm_cols(k, og, K, wpk + q * wg_size, jb, j1, yg, P, bias != nullptr ? 1.f : 0.f,
                     pack_col);
  });
}

Status conv2d_backward(Isa isa, const ConvGeometry& g, const float* x, const float* w,
                       const float* gy, float* gx, float* gw, float* gb, bool accumulate) {
  const size_t cg = g.in_channels / g.groups, og = g.out_channels / g.groups;
  const size_t K = cg * g.kernel_h * g.kernel_w, P = g.out_height * g.out_width;
  const GemmKernels& k = gemm_kernels(isa);
  const size_t nr = k.nr;
  // The unit-stride gradWeight's GEMM over positions sums gb from its channels-last gY copy.
  const bool gb_with_gw = gb != nullptr && gw != nullptr && g.batch != 0 && g.w_size() != 0 &&
                          !is_direct(g) && unit_grad_w_applies(g) &&
                          unit_grad_w_sums_bias(conv_kernels(isa), g);
  if (gb != nullptr && !gb_with_gw) {
    // float64 in 8 lanes, element p of a row into lane p % 8 (a fixed order). 8 lanes, not 4: the
    // compiler keeps them in 4 two-double vectors, so 4 independent add chains instead of 2 (the
    // sum is latency-bound; 32->32 batch 32 sums 0.8 M elements per call).
    for (size_t o = 0; o < g.out_channels; ++o) {
      double lanes[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
      for (size_t n = 0; n < g.batch; ++n) {
        const float* row = gy + (n * g.out_channels + o) * P;
        size_t p = 0;
        for (; p + 8 <= P; p += 8) {
          for (size_t e = 0; e < 8; ++e) lanes[e] += static_cast<double>(row[p + e]);
        }
        for (; p < P; ++p) lanes[p % 8] += static_cast<double>(row[p]);
      }
      const double acc = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) +
                         ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
      gb[o] = static_cast<float>(accumulate ? gb[o] + acc : acc);
    }
  }
  if (gx != nullptr && g.x_size() != 0) {
    if (og == 0) {
      std::fill(gx, gx + g.x_size(), 0.f);
    } else if (is_direct(g)) {
      const Status s = direct_grad_x(conv_kernels(isa), g, w, gy, gx);
      if (s != Status::kOk) return s;
    } else if (unit_grad_x_applies(g, conv_kernels(isa).tile_mr) && all_finite(w, g.w_size())) {
      const Status s = unit_grad_x(conv_kernels(isa), g, w, gy, gx);
      if (s != Status::kOk) return s;
    } else {
      const bool direct = is_pointwise(g);
      // op(A) = W_gᵀ [K × O_g]: W_g is stored [O_g × K], so op(A)(r, o) = W_g[o·K + r].
      const size_t wg_size = packed_a_size(K, og, k.mr);
      float* wpk = t_wpk.get(g.groups * wg_size);
      if (wpk == nullptr) return Status::kOutOfMemory;
      for (size_t q = 0; q < g.groups; ++q) {
        pack_a_all(true, w + q * og * K, K, K, og, k.mr, wpk + q * wg_size);
      }
      const Status s = run_tasks(g.batch * g.groups, [&](size_t t) -> Status {
        const size_t n = t / g.groups, q = t % g.groups;
        float* gxg = gx + (n * g.in_channels + q * cg) * g.height * g.width;
        const float* gyg = gy + (n * g.out_channels + q * og) * P;
        float* gcol = direct ? gxg : t_gcol.get(K * P);
        if (gcol == nullptr) return Status::kOutOfMemory;
        auto pack_gy = [&](size_t p0, size_t kc, size_t j0, size_t cols, float* dst) {
          for (size_t jp = 0; jp * nr < cols; ++jp) {
            const size_t nc = std::min(nr, cols - jp * nr);
            float* d = dst + jp * kc * nr;
            for (size_t p = 0; p < kc; ++p) {
              std::memcpy(d + p * nr, gyg + (p0 + p) * P + j0 + jp * nr, nc * sizeof(float));
              for (size_t j = nc; j < nr; ++j) d[p * nr + j] = 0.f;
            }
          }
        };
        const Status st = gemm_cols(k, K, og, wpk + q * wg_size, 0, P, gcol, P, 0.f, pack_gy);
        if (st != Status::kOk) return st;
        if (!direct) col2im(g, gcol, gxg);
        return Status::kOk;
      });
      if (s != Status::kOk) return s;
    }
  }
  if (gw != nullptr) {
    const size_t wsize = g.w_size();
    if (g.batch == 0 || wsize == 0) {
      if (!accumulate) std::fill(gw, gw + wsize, 0.f);
      return Status::kOk;
    }
    if (is_direct(g)) return direct_grad_w(conv_kernels(isa), g, x, gy, gw, accumulate);
    if (unit_grad_w_applies(g)) {
      return unit_grad_w(conv_kernels(isa), g, x, gy, gw, gb_with_gw ? gb : nullptr, accumulate);
    }
    const size_t per = ceil_div(g.batch, kWeightChunks), chunks = ceil_div(g.batch, per);
    float* part = t_part.get(chunks * wsize);
    if (part == nullptr) return Status::kOutOfMemory;
    const Status s = run_tasks(chunks, [&](size_t ch) -> Status {
      float* ap = t_ap.get(packed_a_size(og, P, k.mr));
      float* rows = t_gcol.get(nr * kc_step_for(P));
      if (ap == nullptr || rows == nullptr) return Status::kOutOfMemory;
      const size_t n_end = std::min(g.batch, (ch + 1) * per);
      for (size_t n = ch * per; n < n_end; ++n) {
        for (size_t q = 0; q < g.groups; ++q) {
          const float* xg = x + (n * g.in_channels + q * cg) * g.height * g.width;
          pack_a_all(false, gy + (n * g.out_channels + q * og) * P, P, og, P, k.mr, ap);
          // op(B) = colᵀ [P × K]: column r of a panel is row r of col, gathered with stride nr.
          auto pack_colt = [&](size_t p0, size_t kc, size_t j0, size_t cols, float* dst) {
            // Gather nr rows of col contiguously, then transpose them into the panel.
            for (size_t jp = 0; jp * nr < cols; ++jp) {
              float* d = dst + jp * kc * nr;
              const size_t nc = std::min(nr, cols - jp * nr);
              for (size_t j = 0; j < nc; ++j)
                gather_row(g, xg, j0 + jp * nr + j, p0, kc, rows + j * kc);
              transpose_rows(rows, nc, kc, d, nr);
              for (size_t p = 0; p < kc && nc < nr; ++p) {
                for (size_t j = nc; j < nr; ++j) d[p * nr + j] = 0.f;
              }
            }
          };
          const Status st = gemm_cols(k, og, P, ap, 0, K, part + ch * wsize + q * og * K, K,
                                      n == ch * per ? 0.f : 1.f, pack_colt);
          if (st != Status::kOk) return st;
        }
      }
      return Status::kOk;
    });
    if (s != Status::kOk) return s;
    reduce_weight_chunks(part, chunks, wsize, accumulate, gw);
  }
  return Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
