// Convolution driver on the ISA's SIMD GEMM. Per sample and group (K = C_g·kh·kw, P = OH·OW):
//   forward    y_g [O_g, P]  = W_g [O_g, K] · col [K, P]          (bias preloaded, beta = 1)
//   gradX      gcol [K, P]   = W_gᵀ · gY_g, then col2im (float adds in a fixed order)
//   gradWeight gW_g [O_g, K] += gY_g · colᵀ                        (per chunk of samples)
// col is the im2col of the sample, in a per-thread buffer reused across calls (no allocation in a
// steady training loop); a 1x1 kernel with stride 1 and no padding uses the input itself (plain
// GEMM). Threads take whole samples (the GEMM inside a pool task runs on that thread), so every
// element of y and gradX is computed the same way whatever the thread count; gradWeight sums
// per-chunk partials over a chunk plan fixed by the batch size alone, reduced in chunk order.
// float32 accumulation in the GEMM (like PyTorch's), float64 for gradBias and the chunk reduction.
#include "kernels/conv/conv.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "core/memory.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"

namespace gradguard {
namespace kernels {
namespace {

// At most this many chunks of samples for gradWeight partials (fixed, not the thread count).
constexpr size_t kWeightChunks = 8;

thread_local ScratchBuffer t_col;   // im2col of x, per thread
thread_local ScratchBuffer t_gcol;  // W_gᵀ·gY_g before col2im, per thread
thread_local ScratchBuffer t_part;  // gradWeight partials, on the calling thread

bool mul_ok(size_t a, size_t b, size_t* out) {
  if (b != 0 && a > SIZE_MAX / b) return false;
  *out = a * b;
  return true;
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

// col[(c·kh + a)·kw + b][i·OW + j] = xp[c, i·sh + a·dh − ph, j·sw + b·dw − pw] (0 outside) for
// the C_g channels starting at x (one sample, one group).
void im2col(const ConvGeometry& g, const float* x, float* col) {
  const size_t cg = g.in_channels / g.groups, OH = g.out_height, OW = g.out_width;
  const size_t P = OH * OW;
  float* row = col;
  for (size_t c = 0; c < cg; ++c) {
    const float* plane = x + c * g.height * g.width;
    for (size_t a = 0; a < g.kernel_h; ++a) {
      size_t i0, i1;
      valid_range(static_cast<long>(a * g.dilation_h) - static_cast<long>(g.pad_h), g.stride_h,
                  g.height, OH, &i0, &i1);
      for (size_t b = 0; b < g.kernel_w; ++b, row += P) {
        const long off = static_cast<long>(b * g.dilation_w) - static_cast<long>(g.pad_w);
        size_t j0, j1;
        valid_range(off, g.stride_w, g.width, OW, &j0, &j1);
        std::memset(row, 0, i0 * OW * sizeof(float));
        for (size_t i = i0; i < i1; ++i) {
          const float* src = plane + (i * g.stride_h + a * g.dilation_h - g.pad_h) * g.width;
          float* dst = row + i * OW;
          for (size_t j = 0; j < j0; ++j) dst[j] = 0.f;
          if (g.stride_w == 1) {
            std::memcpy(dst + j0, src + j0 + off, (j1 - j0) * sizeof(float));
          } else {
            for (size_t j = j0; j < j1; ++j) dst[j] = src[static_cast<long>(j * g.stride_w) + off];
          }
          for (size_t j = j1; j < OW; ++j) dst[j] = 0.f;
        }
        std::memset(row + i1 * OW, 0, (OH - i1) * OW * sizeof(float));
      }
    }
  }
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

// Runs fn(n) for every sample: on the pool, one sample per block, when there are several samples
// and threads; else in order on this thread (then each GEMM may use the pool itself). Either way
// each sample's result is computed by the same single sequence of operations.
template <typename F>
Status for_samples(size_t count, const F& fn) {
  std::atomic<int> failed{static_cast<int>(Status::kOk)};
  auto body = [&](size_t lo, size_t hi) {
    for (size_t n = lo; n < hi; ++n) {
      const Status s = fn(n);
      if (s != Status::kOk) failed.store(static_cast<int>(s));
    }
  };
  if (count > 1 && num_threads() > 1) {
    parallel_for(0, count, 1, body);
  } else {
    body(0, count);
  }
  return static_cast<Status>(failed.load());
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
  const bool direct = is_pointwise(g);
  return for_samples(g.batch, [&](size_t n) -> Status {
    float* col = direct || K == 0 ? nullptr : t_col.get(K * P);
    if (!direct && K != 0 && col == nullptr) return Status::kOutOfMemory;
    for (size_t q = 0; q < g.groups; ++q) {
      float* yg = y + (n * g.out_channels + q * og) * P;
      if (bias != nullptr) {
        for (size_t o = 0; o < og; ++o) std::fill(yg + o * P, yg + (o + 1) * P, bias[q * og + o]);
      }
      const float* xg = x + (n * g.in_channels + q * cg) * g.height * g.width;
      if (!direct && K != 0) im2col(g, xg, col);
      const Status s = sgemm(isa, false, false, og, P, K, 1.f, w + q * og * K, K, direct ? xg : col,
                             P, bias != nullptr ? 1.f : 0.f, yg, P);
      if (s != Status::kOk) return s;
    }
    return Status::kOk;
  });
}

Status conv2d_backward(Isa isa, const ConvGeometry& g, const float* x, const float* w,
                       const float* gy, float* gx, float* gw, float* gb, bool accumulate) {
  const size_t cg = g.in_channels / g.groups, og = g.out_channels / g.groups;
  const size_t K = cg * g.kernel_h * g.kernel_w, P = g.out_height * g.out_width;
  const bool direct = is_pointwise(g);
  if (gb != nullptr) {
    for (size_t o = 0; o < g.out_channels; ++o) {
      double acc = accumulate ? gb[o] : 0.0;
      for (size_t n = 0; n < g.batch; ++n) {
        const float* row = gy + (n * g.out_channels + o) * P;
        for (size_t p = 0; p < P; ++p) acc += row[p];
      }
      gb[o] = static_cast<float>(acc);
    }
  }
  if (gx != nullptr && g.x_size() != 0) {
    const Status s = for_samples(g.batch, [&](size_t n) -> Status {
      float* gcol = direct ? nullptr : t_gcol.get(K * P);
      if (!direct && gcol == nullptr) return Status::kOutOfMemory;
      for (size_t q = 0; q < g.groups; ++q) {
        float* gxg = gx + (n * g.in_channels + q * cg) * g.height * g.width;
        const float* gyg = gy + (n * g.out_channels + q * og) * P;
        const float* wg = w + q * og * K;
        // 1x1: gradX_g [C_g, H·W] is the GEMM itself.
        const Status st =
            sgemm(isa, true, false, K, P, og, 1.f, wg, K, gyg, P, 0.f, direct ? gxg : gcol, P);
        if (st != Status::kOk) return st;
        if (!direct) col2im(g, gcol, gxg);
      }
      return Status::kOk;
    });
    if (s != Status::kOk) return s;
  }
  if (gw != nullptr) {
    const size_t wsize = g.w_size();
    if (g.batch == 0 || wsize == 0) {
      if (!accumulate) std::fill(gw, gw + wsize, 0.f);
      return Status::kOk;
    }
    const size_t per = (g.batch + kWeightChunks - 1) / kWeightChunks;
    const size_t chunks = (g.batch + per - 1) / per;
    float* part = t_part.get(chunks * wsize);
    if (part == nullptr) return Status::kOutOfMemory;
    const Status s = for_samples(chunks, [&](size_t ch) -> Status {
      float* col = direct ? nullptr : t_col.get(K * P);
      if (!direct && col == nullptr) return Status::kOutOfMemory;
      float* pw = part + ch * wsize;
      const size_t n_end = std::min(g.batch, (ch + 1) * per);
      for (size_t n = ch * per; n < n_end; ++n) {
        const float beta = n == ch * per ? 0.f : 1.f;
        for (size_t q = 0; q < g.groups; ++q) {
          const float* xg = x + (n * g.in_channels + q * cg) * g.height * g.width;
          if (!direct) im2col(g, xg, col);
          const Status st =
              sgemm(isa, false, true, og, K, P, 1.f, gy + (n * g.out_channels + q * og) * P, P,
                    direct ? xg : col, P, beta, pw + q * og * K, K);
          if (st != Status::kOk) return st;
        }
      }
      return Status::kOk;
    });
    if (s != Status::kOk) return s;
    for (size_t e = 0; e < wsize; ++e) {
      double acc = accumulate ? gw[e] : 0.0;
      for (size_t ch = 0; ch < chunks; ++ch) acc += part[ch * wsize + e];
      gw[e] = static_cast<float>(acc);
    }
  }
  return Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
