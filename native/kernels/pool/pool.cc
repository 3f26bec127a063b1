// Pooling drivers (pool.h): threads split the planes (batch * channels), each plane runs on the
// active ISA's kernel (forward) or the one scatter loop below (backward), so results do not depend
// on the thread count. The backward scatters in output order with float32 additions, as the
// pure-TS backend (lib/backend/js/pool.ts) does: both backends agree bit for bit.
#include "kernels/pool/pool.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/thread_pool.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr size_t kWork = 32768;  // element reads per task, roughly

size_t grain_for(size_t per_plane) {
  return per_plane == 0 ? 1024 : std::max<size_t>(1, kWork / per_plane);
}

// Adaptive bin [floor(i*size/out), ceil((i+1)*size/out)).
inline size_t bin_lo(size_t i, size_t size, size_t out) { return i * size / out; }
inline size_t bin_hi(size_t i, size_t size, size_t out) { return ((i + 1) * size + out - 1) / out; }

// [lo, hi) and the divisor span of window i along an axis (avg pooling).
struct Span {
  size_t lo, hi;
  long padded;
};

Span avg_span(size_t i, size_t size, size_t k, size_t s, size_t p) {
  const long start = static_cast<long>(i * s) - static_cast<long>(p);
  const long end = std::min(start + static_cast<long>(k), static_cast<long>(size + p));
  return {static_cast<size_t>(std::max(start, 0L)),
          static_cast<size_t>(std::min(end, static_cast<long>(size))), end - start};
}

}  // namespace

ColumnRange interior_columns(const PoolGeometry& g) {
  // lo: first j with j*sw >= pw; hi: one past the last j with j*sw - pw + (kw-1)*dw <= w - 1.
  const size_t lo = std::min(g.ow, (g.pw + g.sw - 1) / g.sw);
  const size_t reach = (g.kw - 1) * g.dw;
  if (g.w + g.pw < reach + 1) return {lo, lo};
  const size_t hi = std::min(g.ow, (g.w - 1 + g.pw - reach) / g.sw + 1);
  return {lo, std::max(lo, hi)};
}

Status maxpool2d_forward_f32(Isa isa, const float* x, const PoolGeometry& g, float* y,
                             int32_t* idx) {
  if (g.h != 0 && g.w > static_cast<size_t>(std::numeric_limits<int32_t>::max()) / g.h) {
    return Status::kInvalidArgument;
  }
  const PoolKernels& k = pool_kernels(isa);
  const size_t in = g.h * g.w, out = g.oh * g.ow;
  parallel_for(0, g.planes, grain_for(out * g.kh * g.kw), [&](size_t lo, size_t hi) {
    for (size_t p = lo; p < hi; ++p)
      k.max_plane(x + p * in, g, y + p * out, idx ? idx + p * out : nullptr);
  });
  return Status::kOk;
}

Status maxpool2d_backward_f32(const float* dy, const int32_t* idx, const PoolGeometry& g,
                              float* dx) {
  const size_t in = g.h * g.w, out = g.oh * g.ow;
  for (size_t o = 0; o < g.planes * out; ++o) {
    if (idx[o] < 0 || static_cast<size_t>(idx[o]) >= in) return Status::kInvalidArgument;
  }
  parallel_for(0, g.planes, grain_for(in + out), [&](size_t lo, size_t hi) {
    for (size_t p = lo; p < hi; ++p) {
      float* d = dx + p * in;
      std::memset(d, 0, in * sizeof(float));
      for (size_t o = p * out; o < (p + 1) * out; ++o) d[idx[o]] += dy[o];
    }
  });
  return Status::kOk;
}

void avgpool2d_forward_f32(Isa isa, const float* x, const PoolGeometry& g, bool include_pad,
                           float* y) {
  const PoolKernels& k = pool_kernels(isa);
  const size_t in = g.h * g.w, out = g.oh * g.ow;
  parallel_for(0, g.planes, grain_for(out * g.kh * g.kw), [&](size_t lo, size_t hi) {
    for (size_t p = lo; p < hi; ++p) k.avg_plane(x + p * in, g, include_pad, y + p * out);
  });
}

void avgpool2d_backward_f32(const float* dy, const PoolGeometry& g, bool include_pad, float* dx) {
  const size_t in = g.h * g.w, out = g.oh * g.ow;
  parallel_for(0, g.planes, grain_for(in + out * g.kh * g.kw), [&](size_t lo, size_t hi) {
    for (size_t p = lo; p < hi; ++p) {
      float* d = dx + p * in;
      std::memset(d, 0, in * sizeof(float));
      for (size_t i = 0; i < g.oh; ++i) {
        const Span r = avg_span(i, g.h, g.kh, g.sh, g.ph);
        for (size_t j = 0; j < g.ow; ++j) {
          const Span c = avg_span(j, g.w, g.kw, g.sw, g.pw);
          const long div =
              include_pad ? r.padded * c.padded : static_cast<long>((r.hi - r.lo) * (c.hi - c.lo));
          const float v = static_cast<float>(static_cast<double>(dy[p * out + i * g.ow + j]) / div);
          for (size_t h = r.lo; h < r.hi; ++h) {
            for (size_t w = c.lo; w < c.hi; ++w) d[h * g.w + w] += v;
          }
        }
      }
    }
  });
}

void adaptive_avgpool2d_forward_f32(const float* x, const PoolGeometry& g, float* y) {
  const size_t in = g.h * g.w, out = g.oh * g.ow;
  parallel_for(0, g.planes, grain_for(in + out), [&](size_t lo, size_t hi) {
    for (size_t p = lo; p < hi; ++p) {
      const float* xp = x + p * in;
      for (size_t i = 0; i < g.oh; ++i) {
        const size_t r0 = bin_lo(i, g.h, g.oh), r1 = bin_hi(i, g.h, g.oh);
        for (size_t j = 0; j < g.ow; ++j) {
          const size_t c0 = bin_lo(j, g.w, g.ow), c1 = bin_hi(j, g.w, g.ow);
          double sum = 0.0;
          for (size_t h = r0; h < r1; ++h) {
            for (size_t w = c0; w < c1; ++w) sum += xp[h * g.w + w];
          }
          y[p * out + i * g.ow + j] =
              static_cast<float>(sum / static_cast<double>((r1 - r0) * (c1 - c0)));
        }
      }
    }
  });
}

void adaptive_avgpool2d_backward_f32(const float* dy, const PoolGeometry& g, float* dx) {
  const size_t in = g.h * g.w, out = g.oh * g.ow;
  parallel_for(0, g.planes, grain_for(in + out), [&](size_t lo, size_t hi) {
    for (size_t p = lo; p < hi; ++p) {
      float* d = dx + p * in;
      std::memset(d, 0, in * sizeof(float));
      for (size_t i = 0; i < g.oh; ++i) {
        const size_t r0 = bin_lo(i, g.h, g.oh), r1 = bin_hi(i, g.h, g.oh);
        for (size_t j = 0; j < g.ow; ++j) {
          const size_t c0 = bin_lo(j, g.w, g.ow), c1 = bin_hi(j, g.w, g.ow);
          const float v = static_cast<float>(static_cast<double>(dy[p * out + i * g.ow + j]) /
                                             static_cast<double>((r1 - r0) * (c1 - c0)));
          for (size_t h = r0; h < r1; ++h) {
            for (size_t w = c0; w < c1; ++w) d[h * g.w + w] += v;
          }
        }
      }
    }
  });
}

}  // namespace kernels
}  // namespace gradguard
