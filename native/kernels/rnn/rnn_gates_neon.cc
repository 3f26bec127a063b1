// NEON RNN/LSTM/GRU step kernels (rnn_gates.h): 4 hidden units at a time across the four gates of a
// row, tails through zero-padded 4-lane buffers, sigmoid and tanh from the Cephes float32
// polynomials of kernels/activation/vec_math_neon.h with NaN blended back in (the AArch64 twin of
// rnn_gates_avx2.cc). No inline library templates, no namespace-scope dynamic initialisers.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>

#include "kernels/activation/vec_math_neon.h"
#include "kernels/rnn/rnn_gates.h"

namespace gradguard {
namespace kernels {
namespace neon {
namespace {

// Loads / stores the first n <= 4 lanes (the rest read as 0, not written).
inline F ld(const float* p, size_t n) {
  if (n == 4) return vld1q_f32(p);
  float buf[4] = {0.f, 0.f, 0.f, 0.f};
  for (size_t i = 0; i < n; ++i) buf[i] = p[i];
  return vld1q_f32(buf);
}
inline void st(float* p, F v, size_t n) {
  if (n == 4) {
    vst1q_f32(p, v);
    return;
  }
  float buf[4];
  vst1q_f32(buf, v);
  for (size_t i = 0; i < n; ++i) p[i] = buf[i];
}
inline F sig4(F v) { return sel(isnan4(v), v, sigmoid4(v, nullptr)); }
inline F th4(F v) { return sel(isnan4(v), v, tanh4(v, nullptr)); }
inline F dh_t4(const float* dh, const float* go, size_t j, size_t n) {
  const F d = ld(dh + j, n);
  return go ? vaddq_f32(d, ld(go + j, n)) : d;
}

// min(1, clip / (||dh + go|| + 1e-6)) with the squares summed in float64; 1 when clip is off.
float row_clip_scale(size_t H, const float* dh, const float* go, float clip) {
  if (!(clip > 0.f)) return 1.f;
  float64x2_t acc0 = vdupq_n_f64(0.0), acc1 = vdupq_n_f64(0.0);
  for (size_t j = 0; j < H; j += 4) {
    const F v = dh_t4(dh, go, j, H - j < 4 ? H - j : 4);
    const float64x2_t lo = vcvt_f64_f32(vget_low_f32(v)), hi = vcvt_high_f64_f32(v);
    acc0 = vfmaq_f64(acc0, lo, lo);
    acc1 = vfmaq_f64(acc1, hi, hi);
  }
  const float64x2_t s = vaddq_f64(acc0, acc1);
  const double ss = vgetq_lane_f64(s, 0) + vgetq_lane_f64(s, 1);
  const double coef = static_cast<double>(clip) / (std::sqrt(ss) + 1e-6);
  return coef < 1.0 ? static_cast<float>(coef) : 1.f;
}

}  // namespace

void lstm_fwd_rows_f32__neon(size_t rows, size_t H, float* g, const float* bias,
                             const float* c_prev, float* c, float* h, float* out) {
  for (size_t r = 0; r < rows; ++r) {
    float* gr = g + r * 4 * H;
    const size_t o = r * H;
    for (size_t j = 0; j < H; j += 4) {
      const size_t n = H - j < 4 ? H - j : 4;
      F pi = ld(gr + j, n), pf = ld(gr + H + j, n), pg = ld(gr + 2 * H + j, n);
      F po = ld(gr + 3 * H + j, n);
      if (bias) {
        pi = vaddq_f32(pi, ld(bias + j, n));
        pf = vaddq_f32(pf, ld(bias + H + j, n));
        pg = vaddq_f32(pg, ld(bias + 2 * H + j, n));
        po = vaddq_f32(po, ld(bias + 3 * H + j, n));
      }
      const F ig = sig4(pi), fg = sig4(pf), gg = th4(pg), og = sig4(po);
      st(gr + j, ig, n);
      st(gr + H + j, fg, n);
      st(gr + 2 * H + j, gg, n);
      st(gr + 3 * H + j, og, n);
      const F cv = fma4(vmulq_f32(ig, gg), fg, ld(c_prev + o + j, n));
      const F hv = vmulq_f32(og, th4(cv));
      st(c + o + j, cv, n);
      st(h + o + j, hv, n);
      if (out) st(out + o + j, hv, n);
    }
  }
}

void lstm_bwd_rows_f32__neon(size_t rows, size_t H, const float* g, const float* c,
                             const float* c_prev, const float* dh, const float* go, float clip,
                             float* dc, float* dg) {
  const F one = dup(1.f);
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * H;
    const float* gor = go ? go + o : nullptr;
    const float s = row_clip_scale(H, dh + o, gor, clip);
    const float* gr = g + r * 4 * H;
    float* dgr = dg + r * 4 * H;
    for (size_t j = 0; j < H; j += 4) {
      const size_t n = H - j < 4 ? H - j : 4;
      const F ig = ld(gr + j, n), fg = ld(gr + H + j, n), gg = ld(gr + 2 * H + j, n);
      const F og = ld(gr + 3 * H + j, n);
      const F tc = th4(ld(c + o + j, n));
      F dht = dh_t4(dh + o, gor, j, n);
      if (s != 1.f) dht = vmulq_f32(dht, dup(s));
      const F dct = fma4(ld(dc + o + j, n), vmulq_f32(dht, og), vfmsq_f32(one, tc, tc));
      st(dgr + j, vmulq_f32(vmulq_f32(dct, gg), vmulq_f32(ig, vsubq_f32(one, ig))), n);
      st(dgr + H + j,
         vmulq_f32(vmulq_f32(dct, ld(c_prev + o + j, n)), vmulq_f32(fg, vsubq_f32(one, fg))), n);
      st(dgr + 2 * H + j, vmulq_f32(vmulq_f32(dct, ig), vfmsq_f32(one, gg, gg)), n);
      st(dgr + 3 * H + j, vmulq_f32(vmulq_f32(dht, tc), vmulq_f32(og, vsubq_f32(one, og))), n);
      st(dc + o + j, vmulq_f32(dct, fg), n);
    }
  }
}

void rnn_fwd_rows_f32__neon(bool relu, size_t rows, size_t H, float* h, const float* bias,
                            float* out) {
  for (size_t r = 0; r < rows; ++r) {
    float* hr = h + r * H;
    for (size_t j = 0; j < H; j += 4) {
      const size_t n = H - j < 4 ? H - j : 4;
      F v = ld(hr + j, n);
      if (bias) v = vaddq_f32(v, ld(bias + j, n));
      // relu: zero where v <= 0 (NaN compares false, so it stays)
      v = relu ? sel(vcleq_f32(v, dup(0.f)), dup(0.f), v) : th4(v);
      st(hr + j, v, n);
      if (out) st(out + r * H + j, v, n);
    }
  }
}

void rnn_bwd_rows_f32__neon(bool relu, size_t rows, size_t H, const float* h, const float* dh,
                            const float* go, float clip, float* dg) {
  const F one = dup(1.f);
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * H;
    const float* gor = go ? go + o : nullptr;
    const float s = row_clip_scale(H, dh + o, gor, clip);
    for (size_t j = 0; j < H; j += 4) {
      const size_t n = H - j < 4 ? H - j : 4;
      F d = dh_t4(dh + o, gor, j, n);
      if (s != 1.f) d = vmulq_f32(d, dup(s));
      const F hv = ld(h + o + j, n);
      const F v =
          relu ? sel(vcleq_f32(hv, dup(0.f)), dup(0.f), d) : vmulq_f32(d, vfmsq_f32(one, hv, hv));
      st(dg + o + j, v, n);
    }
  }
}

void gru_fwd_rows_f32__neon(size_t rows, size_t H, float* g, const float* gh, const float* bias,
                            const float* h_prev, float* hn, float* h, float* out) {
  for (size_t r = 0; r < rows; ++r) {
    float* gr = g + r * 3 * H;
    const float* ghr = gh + r * 3 * H;
    const size_t o = r * H;
    for (size_t j = 0; j < H; j += 4) {
      const size_t n = H - j < 4 ? H - j : 4;
      F pr = vaddq_f32(ld(gr + j, n), ld(ghr + j, n));
      F pz = vaddq_f32(ld(gr + H + j, n), ld(ghr + H + j, n));
      F pn = ld(gr + 2 * H + j, n), hv = ld(ghr + 2 * H + j, n);
      if (bias) {
        pr = vaddq_f32(pr, ld(bias + j, n));
        pz = vaddq_f32(pz, ld(bias + H + j, n));
        pn = vaddq_f32(pn, ld(bias + 2 * H + j, n));
        hv = vaddq_f32(hv, ld(bias + 3 * H + j, n));
      }
      const F rg = sig4(pr), zg = sig4(pz);
      const F ng = th4(fma4(pn, rg, hv));
      const F hval = fma4(ng, zg, vsubq_f32(ld(h_prev + o + j, n), ng));
      st(gr + j, rg, n);
      st(gr + H + j, zg, n);
      st(gr + 2 * H + j, ng, n);
      st(hn + o + j, hv, n);
      st(h + o + j, hval, n);
      if (out) st(out + o + j, hval, n);
    }
  }
}

void gru_bwd_rows_f32__neon(size_t rows, size_t H, const float* g, const float* hn,
                            const float* h_prev, float* dh, const float* go, float clip, float* dgi,
                            float* dgh) {
  const F one = dup(1.f);
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * H;
    const float* gor = go ? go + o : nullptr;
    const float s = row_clip_scale(H, dh + o, gor, clip);
    const float* gr = g + r * 3 * H;
    float* dir = dgi + r * 3 * H;
    float* dhr = dgh + r * 3 * H;
    for (size_t j = 0; j < H; j += 4) {
      const size_t n = H - j < 4 ? H - j : 4;
      const F rg = ld(gr + j, n), zg = ld(gr + H + j, n), ng = ld(gr + 2 * H + j, n);
      F dht = dh_t4(dh + o, gor, j, n);
      if (s != 1.f) dht = vmulq_f32(dht, dup(s));
      const F dpn = vmulq_f32(vmulq_f32(dht, vsubq_f32(one, zg)), vfmsq_f32(one, ng, ng));
      const F dpz = vmulq_f32(vmulq_f32(dht, vsubq_f32(ld(h_prev + o + j, n), ng)),
                              vmulq_f32(zg, vsubq_f32(one, zg)));
      const F dpr = vmulq_f32(vmulq_f32(dpn, ld(hn + o + j, n)), vmulq_f32(rg, vsubq_f32(one, rg)));
      st(dir + j, dpr, n);
      st(dir + H + j, dpz, n);
      st(dir + 2 * H + j, dpn, n);
      st(dhr + j, dpr, n);
      st(dhr + H + j, dpz, n);
      st(dhr + 2 * H + j, vmulq_f32(dpn, rg), n);
      st(dh + o + j, vmulq_f32(dht, zg), n);
    }
  }
}

}  // namespace neon
}  // namespace kernels
}  // namespace gradguard
#endif
