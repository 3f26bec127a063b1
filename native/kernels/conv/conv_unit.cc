// The unit-stride convolution path (see conv_unit.h for the padded-frame layout). Tasks: one per
// (sample, group) for the forward and gradX (each output element is computed by one tile call in
// depth order), one per chunk of samples for gradWeight (the chunk plan depends on the batch
// alone; partials summed in chunk order in float64), so results are the same bits for any thread
// count. Frames, output rows and partials live in per-thread buffers reused across calls.
#include "kernels/conv/conv_unit.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/memory.h"
#include "core/thread_pool.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr size_t kSampleBlock = 2;  // samples per gradWeight tile call
constexpr size_t kAlign = 16;       // floats: gradWeight's frame and gY rows start on 64 bytes

thread_local ScratchBuffer t_frame;  // padded input frames of a task
thread_local ScratchBuffer t_out;    // a task's outputs at flat positions; gradWeight: gY rows
thread_local ScratchBuffer t_wpk;    // packed weight panels, on the calling thread
thread_local ScratchBuffer t_offs;   // tap offsets, on the calling thread
thread_local ScratchBuffer t_part;   // gradWeight partials, on the calling thread
thread_local ScratchBuffer t_bpart;  // gradBias float64 partials (gw_cl path), calling thread

inline size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

// One group's convolution as the path sees it: C input planes H × W, O outputs OH × OW.
// Rows of the padded frame share their padding: a row holds its left padding, the W inputs and
// zeros up to the row stride S = max(W + pw, OW) (W + pw for the usual pw <= dw·(kw − 1)), so a
// tap reading past column S lands in the next row's left padding, which is zero; the last row's
// overhang is covered by the next plane's first row (padding) or the zeros after the planes. The
// tiles compute S − OW dropped columns per output row instead of Wp − OW (3×3, pad 1, 28 wide:
// 1 instead of 2, the forward's and gradX's flat span 811 instead of 838 positions).
struct Frame {
  size_t C, H, W, O, kh, kw, dh, dw, ph, pw;
  size_t row = 0;  // row stride, >= Wp (0: the shared-padding stride S); zeros past W + pw
  size_t Hp() const { return H + 2 * ph; }
  size_t Wp() const { return W + 2 * pw; }
  size_t stride() const { return row != 0 ? row : std::max(W + pw, OW()); }
  size_t plane() const { return Hp() * stride(); }
  size_t OH() const { return Hp() - dh * (kh - 1); }
  size_t OW() const { return Wp() - dw * (kw - 1); }
  size_t K() const { return C * kh * kw; }
  // Flat positions the tiles cover: up to the last output, rounded up to whole tiles.
  size_t span(size_t nr) const { return ceil_div((OH() - 1) * stride() + OW(), nr) * nr; }
  // Zeros after the planes: the last row's overhang (Wp − S) and whatever the last tile of nr
  // positions reads past the last output.
  size_t tail(size_t nr) const { return nr + Wp() - std::min(Wp(), stride()); }
  // Floats of one frame copy: the planes, then the tail.
  size_t frame_floats(size_t nr) const { return C * plane() + tail(nr); }
};

// Copies C planes H × W at src into the zero-padded frame dst (frame_floats(nr) floats).
void pad_planes(const Frame& f, const float* src, float* dst, size_t nr) {
  const size_t ws = f.stride();
  for (size_t c = 0; c < f.C; ++c) {
    float* d = dst + c * f.plane();
    std::memset(d, 0, f.ph * ws * sizeof(float));
    d += f.ph * ws;
    // The row paddings are a float or two: loops, not a library call each (3 per row).
    for (size_t h = 0; h < f.H; ++h, d += ws) {
      for (size_t j = 0; j < f.pw; ++j) d[j] = 0.f;
      std::memcpy(d + f.pw, src + (c * f.H + h) * f.W, f.W * sizeof(float));
      for (size_t j = f.pw + f.W; j < ws; ++j) d[j] = 0.f;
    }
    std::memset(d, 0, f.ph * ws * sizeof(float));
  }
  std::memset(dst + f.C * f.plane(), 0, f.tail(nr) * sizeof(float));
}

// offs[r] for tap r = (c·kh + a)·kw + b.
void tap_offsets(const Frame& f, size_t* offs) {
  size_t r = 0;
  for (size_t c = 0; c < f.C; ++c) {
    for (size_t a = 0; a < f.kh; ++a) {
      for (size_t b = 0; b < f.kw; ++b)
        offs[r++] = c * f.plane() + a * f.dh * f.stride() + b * f.dw;
    }
  }
}

// Packs an O × K weight matrix given by at(i, r) into tile panels: dst[(ip·K + r)·mr + i], rows
// past O zero.
template <typename At>
void pack_panels(size_t O, size_t K, size_t mr, const At& at, float* dst) {
  for (size_t ip = 0; ip * mr < O; ++ip) {
    for (size_t r = 0; r < K; ++r) {
      float* d = dst + (ip * K + r) * mr;
      for (size_t i = 0; i < mr; ++i) d[i] = ip * mr + i < O ? at(ip * mr + i, r) : 0.f;
    }
  }
}

size_t panels_floats(size_t O, size_t K, size_t mr) { return ceil_div(O, mr) * mr * K; }

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

// out[n][q] (O planes OH × OW) = conv of in[n][q] (C planes H × W) with the packed panels of group
// q (+ bias[q·O + o] when bias is set), for every sample n and group q.
Status run_conv(const ConvKernels& ck, const Frame& f, size_t batch, size_t groups, const float* in,
                const float* wpk, const size_t* offs, const float* bias, float* out) {
  const size_t mr = ck.tile_mr, nr = ck.tile_nr, K = f.K(), span = f.span(nr);
  const size_t OH = f.OH(), OW = f.OW(), Wp = f.stride(), in_size = f.C * f.H * f.W;
  const size_t out_size = f.O * OH * OW, wg = panels_floats(f.O, K, mr);
  return run_tasks(batch * groups, [&](size_t t) -> Status {
    const size_t q = t % groups;
    float* frame = t_frame.get(f.frame_floats(nr));
    float* ob = t_out.get(ceil_div(f.O, mr) * mr * span);
    if (frame == nullptr || ob == nullptr) return Status::kOutOfMemory;
    pad_planes(f, in + t * in_size, frame, nr);
    const float* ap = wpk + q * wg;
    // Tiles left to right, every panel of a tile in turn: the frame runs a tile reads stay in L1.
    for (size_t j = 0; j < span; j += nr) {
      for (size_t ip = 0; ip * mr < f.O; ++ip) {
        ck.tile(K, ap + ip * K * mr, frame + j, offs, ob + ip * mr * span + j, span,
                std::min(mr, f.O - ip * mr));
      }
    }
    float* y = out + t * out_size;
    for (size_t o = 0; o < f.O; ++o) {
      const float b = bias != nullptr ? bias[q * f.O + o] : 0.f;
      for (size_t h = 0; h < OH; ++h) {
        const float* src = ob + o * span + h * Wp;
        float* dst = y + (o * OH + h) * OW;
        if (bias != nullptr) {
          for (size_t w = 0; w < OW; ++w) dst[w] = src[w] + b;
        } else {
          std::memcpy(dst, src, OW * sizeof(float));
        }
      }
    }
    return Status::kOk;
  });
}

Frame forward_frame(const ConvGeometry& g) {
  return Frame{g.in_channels / g.groups,
               g.height,
               g.width,
               g.out_channels / g.groups,
               g.kernel_h,
               g.kernel_w,
               g.dilation_h,
               g.dilation_w,
               g.pad_h,
               g.pad_w};
}

}  // namespace

void reduce_weight_chunks(const float* part, size_t chunks, size_t wsize, bool accumulate,
                          float* gw) {
  for (size_t e = 0; e < wsize; ++e) {
    double acc = accumulate ? gw[e] : 0.0;
    for (size_t c = 0; c < chunks; ++c) acc += part[c * wsize + e];
    gw[e] = static_cast<float>(acc);
  }
}

bool unit_forward_applies(const ConvGeometry& g) {
  return g.stride_h == 1 && g.stride_w == 1 && g.in_channels > 0 && g.out_channels > 0;
}

bool unit_grad_x_applies(const ConvGeometry& g, size_t tile_mr) {
  // gY padded by dil·(k−1) − pad: that must not be negative (padding wider than the kernel). The
  // tile's rows are gX's channels here: with fewer than half a tile of them the GEMM path is faster
  // (LeNet's first layer, 1 input channel, avx512: 0.41 ms GEMM + col2im vs 1.14 ms here).
  return unit_forward_applies(g) && g.pad_h <= g.dilation_h * (g.kernel_h - 1) &&
         g.pad_w <= g.dilation_w * (g.kernel_w - 1) && 2 * (g.in_channels / g.groups) >= tile_mr;
}

bool unit_grad_w_applies(const ConvGeometry& g) { return unit_forward_applies(g); }

Status unit_forward(const ConvKernels& ck, const ConvGeometry& g, const float* x, const float* w,
                    const float* bias, float* y) {
  const Frame f = forward_frame(g);
  const size_t K = f.K(), wg = panels_floats(f.O, K, ck.tile_mr);
  float* wpk = t_wpk.get(g.groups * wg);
  size_t* offs = reinterpret_cast<size_t*>(t_offs.get(K * sizeof(size_t) / sizeof(float)));
  if (wpk == nullptr || offs == nullptr) return Status::kOutOfMemory;
  for (size_t q = 0; q < g.groups; ++q) {
    const float* wq = w + q * f.O * K;
    pack_panels(
        f.O, K, ck.tile_mr, [&](size_t o, size_t r) { return wq[o * K + r]; }, wpk + q * wg);
  }
  tap_offsets(f, offs);
  return run_conv(ck, f, g.batch, g.groups, x, wpk, offs, bias, y);
}

Status unit_grad_x(const ConvKernels& ck, const ConvGeometry& g, const float* w, const float* gy,
                   float* gx) {
  // The adjoint: gx[c] = Σ_o gY[o] ⋆ flip(w[o][c]), a unit-stride conv of gY with padding
  // dil·(k−1) − pad, whose output is exactly H × W.
  const size_t cg = g.in_channels / g.groups, og = g.out_channels / g.groups;
  const size_t kh = g.kernel_h, kw = g.kernel_w;
  const Frame f{og,
                g.out_height,
                g.out_width,
                cg,
                kh,
                kw,
                g.dilation_h,
                g.dilation_w,
                g.dilation_h * (kh - 1) - g.pad_h,
                g.dilation_w * (kw - 1) - g.pad_w};
  const size_t K = f.K(), wg = panels_floats(cg, K, ck.tile_mr), khw = kh * kw;
  float* wpk = t_wpk.get(g.groups * wg);
  size_t* offs = reinterpret_cast<size_t*>(t_offs.get(K * sizeof(size_t) / sizeof(float)));
  if (wpk == nullptr || offs == nullptr) return Status::kOutOfMemory;
  for (size_t q = 0; q < g.groups; ++q) {
    const float* wq = w + q * og * cg * khw;
    // Row c, tap r = (o·kh + a)·kw + b: w[o][c][kh − 1 − a][kw − 1 − b].
    pack_panels(
        cg, K, ck.tile_mr,
        [&](size_t c, size_t r) { return wq[(r / khw * cg + c) * khw + (khw - 1 - r % khw)]; },
        wpk + q * wg);
  }
  tap_offsets(f, offs);
  return run_conv(ck, f, g.batch, g.groups, gy, wpk, offs, nullptr, gx);
}

namespace {

constexpr size_t kClPositions = 128;  // positions per gw_cl call: float32 sums stay short

// gradWeight through ConvKernels::gw_cl, a GEMM with M = output channels, N = taps, K = positions:
// per sample, gY is copied channels-last (gyt[q][p][o], o padded to a multiple of the tile's
// gw_cl_mo channels with zeros) and every (row block, gw_cl_mo channels, gw_cl_nt taps) is one call
// whose accumulators live across the block's positions. Partials are kept tap-major (part[q][r][o])
// so a call adds whole vectors; the reduction transposes them. Lanes o >= og (zero gY times
// possibly Inf frame values) are never read. gb (may be null) is summed from the same
// channels-last copy while it is in cache (conv2d_backward skips its own pass over gY): per chunk
// float64 partials, positions in order within a sample and samples in order, then chunks in
// order, so bit-identical for any thread count.
Status grad_w_cl(const ConvKernels& ck, const ConvGeometry& g, const float* x, const float* gy,
                 float* gw, float* gb, bool accumulate) {
  Frame f = forward_frame(g);
  const size_t K = f.K(), og = f.O, OH = g.out_height, OW = g.out_width, P = OH * OW;
  const size_t mo = ck.gw_cl_mo, nt = ck.gw_cl_nt;
  const size_t ld = ceil_div(og, mo) * mo, gsize = K * ld;
  const size_t wsize = g.groups * gsize;
  const size_t per = ceil_div(g.batch, kWeightChunks), chunks = ceil_div(g.batch, per);
  const size_t fsize = f.frame_floats(1), rb = std::max<size_t>(1, kClPositions / OW);
  float* part = t_part.get(chunks * wsize);
  size_t* offs = reinterpret_cast<size_t*>(t_offs.get(K * sizeof(size_t) / sizeof(float)));
  const size_t bsize = gb != nullptr ? g.out_channels : 0;
  double* bpart = reinterpret_cast<double*>(t_bpart.get(2 * (chunks * bsize + 1)));
  if (part == nullptr || offs == nullptr || bpart == nullptr) return Status::kOutOfMemory;
  tap_offsets(f, offs);
  const Status s = run_tasks(chunks, [&](size_t ch) -> Status {
    const size_t n0 = ch * per, samples = std::min(g.batch, n0 + per) - n0;
    float* frame = t_frame.get(g.groups * fsize);
    float* gyt = t_out.get(g.groups * P * ld);
    if (frame == nullptr || gyt == nullptr) return Status::kOutOfMemory;
    float* pw = part + ch * wsize;
    std::fill(pw, pw + wsize, 0.f);
    double* bp = bpart + ch * bsize;
    std::fill(bp, bp + bsize, 0.0);
    // The padding lanes o >= og stay zero (gw_pack writes the others); none when og fills the
    // tiles.
    for (size_t r = 0; r < g.groups * P && og < ld; ++r)
      std::fill(gyt + r * ld + og, gyt + (r + 1) * ld, 0.f);
    for (size_t n = n0; n < n0 + samples; ++n) {
      for (size_t q = 0; q < g.groups; ++q) {
        pad_planes(f, x + (n * g.groups + q) * f.C * f.H * f.W, frame + q * fsize, 1);
        ck.gw_pack(og, P, gy + (n * g.groups + q) * og * P, gyt + q * P * ld, ld);
        // Contiguous over channels: the compiler keeps bp's og sums in float64 vectors.
        for (size_t p = 0; p < P && gb != nullptr; ++p) {
          const float* row = gyt + (q * P + p) * ld;
          double* b = bp + q * og;
          for (size_t o = 0; o < og; ++o) b[o] += static_cast<double>(row[o]);
        }
      }
      for (size_t q = 0; q < g.groups; ++q) {
        for (size_t h0 = 0; h0 < OH; h0 += rb) {
          const size_t rows = std::min(rb, OH - h0);
          const float* fq = frame + q * fsize + h0 * f.stride();
          for (size_t o0 = 0; o0 < og; o0 += mo) {
            const float* gq = gyt + (q * P + h0 * OW) * ld + o0;
            for (size_t t0 = 0; t0 < K; t0 += nt) {
              ck.gw_cl(rows, OW, gq, ld, fq, f.stride(), offs + t0, std::min(nt, K - t0),
                       pw + q * gsize + t0 * ld + o0, ld);
            }
          }
        }
      }
    }
    return Status::kOk;
  });
  if (s != Status::kOk) return s;
  for (size_t q = 0; q < g.groups; ++q) {
    for (size_t o = 0; o < og; ++o) {
      for (size_t r = 0; r < K; ++r) {
        float* d = gw + (q * og + o) * K + r;
        double acc = accumulate ? *d : 0.0;
        for (size_t c = 0; c < chunks; ++c) acc += part[c * wsize + q * gsize + r * ld + o];
        *d = static_cast<float>(acc);
      }
    }
  }
  for (size_t o = 0; o < bsize; ++o) {
    double acc = 0.0;
    for (size_t c = 0; c < chunks; ++c) acc += bpart[c * bsize + o];
    gb[o] = static_cast<float>(accumulate ? gb[o] + acc : acc);
  }
  return Status::kOk;
}

}  // namespace

bool unit_grad_w_sums_bias(const ConvKernels& ck, const ConvGeometry& g) {
  return ck.gw_cl != nullptr && g.out_channels / g.groups >= ck.gw_cl_min;
}

Status unit_grad_w(const ConvKernels& ck, const ConvGeometry& g, const float* x, const float* gy,
                   float* gw, float* gb, bool accumulate) {
  // The GEMM over positions when the ISA has one and a group has enough channels for its tile.
  if (unit_grad_w_sums_bias(ck, g)) return grad_w_cl(ck, g, x, gy, gw, gb, accumulate);
  if (gb != nullptr) return Status::kInternal;  // the caller sums gb unless the path above does
  // Frame rows and gY rows start on 16-float boundaries (zero-padded): most of the tile's loads
  // then stay within one cache line (measured, 1 thread, avx512, ResNet 32->32 batch 32: 6.9 ->
  // 5.5 ms; 64->64 batch 16: 13.2 -> 10.7 ms).
  Frame f = forward_frame(g);
  f.row = ceil_div(f.Wp(), kAlign) * kAlign;
  const size_t K = f.K(), og = f.O, wsize = g.w_size(), OH = g.out_height, OW = g.out_width;
  const size_t gy_row = ceil_div(OW, kAlign) * kAlign, gy_ch = OH * gy_row, P = OH * OW;
  const size_t per = ceil_div(g.batch, kWeightChunks), chunks = ceil_div(g.batch, per);
  const size_t fsize = f.frame_floats(kAlign), x_sample = g.groups * fsize;
  const size_t gy_sample = g.out_channels * gy_ch;
  float* part = t_part.get(chunks * wsize);
  size_t* offs = reinterpret_cast<size_t*>(t_offs.get(K * sizeof(size_t) / sizeof(float)));
  if (part == nullptr || offs == nullptr) return Status::kOutOfMemory;
  tap_offsets(f, offs);
  const size_t mo = ck.gw_mo, nt = ck.gw_nt;
  const Status s = run_tasks(chunks, [&](size_t ch) -> Status {
    const size_t n0 = ch * per, samples = std::min(g.batch, n0 + per) - n0;
    float* frames = t_frame.get(samples * x_sample);
    float* gyc = t_out.get(samples * gy_sample);
    if (frames == nullptr || gyc == nullptr) return Status::kOutOfMemory;
    for (size_t s = 0; s < samples; ++s) {
      for (size_t q = 0; q < g.groups; ++q) {
        pad_planes(f, x + ((n0 + s) * g.groups + q) * f.C * f.H * f.W,
                   frames + s * x_sample + q * fsize, kAlign);
      }
      for (size_t r = 0; r < g.out_channels * OH; ++r) {
        float* d = gyc + s * gy_sample + r * gy_row;
        std::memcpy(d, gy + (n0 + s) * g.out_channels * P + r * OW, OW * sizeof(float));
        std::memset(d + OW, 0, (gy_row - OW) * sizeof(float));
      }
    }
    float* pw = part + ch * wsize;
    std::fill(pw, pw + wsize, 0.f);
    // kSampleBlock samples per tile call: their gY rows of an output-channel tile stay in L1
    // across the taps, and the lanes are summed once per block.
    for (size_t s0 = 0; s0 < samples; s0 += kSampleBlock) {
      const size_t sb = std::min(kSampleBlock, samples - s0);
      for (size_t q = 0; q < g.groups; ++q) {
        const float* gyq = gyc + s0 * gy_sample + q * og * gy_ch;
        const float* fq = frames + s0 * x_sample + q * fsize;
        for (size_t o0 = 0; o0 < og; o0 += mo) {
          for (size_t t0 = 0; t0 < K; t0 += nt) {
            ck.gw_tile(sb, OH, OW, gyq + o0 * gy_ch, gy_sample, gy_ch, gy_row,
                       std::min(mo, og - o0), fq, x_sample, f.stride(), offs + t0,
                       std::min(nt, K - t0), pw + (q * og + o0) * K + t0, K);
          }
        }
      }
    }
    return Status::kOk;
  });
  if (s != Status::kOk) return s;
  reduce_weight_chunks(part, chunks, wsize, accumulate, gw);
  return Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
