// AVX2+FMA RNN/LSTM/GRU step kernels (rnn_gates.h): 8 hidden units at a time across the four gates
// of a row, masked loads and stores for the tail, sigmoid and tanh from the Cephes float32
// polynomials of kernels/activation/vec_math_avx2.h with NaN blended back in. Also used by the
// avx512 table. Compiled with -mavx2 -mfma; no inline library templates, no namespace-scope dynamic
// initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cmath>

#include "kernels/activation/vec_math_avx2.h"
#include "kernels/avx2_lanes.h"
#include "kernels/rnn/rnn_gates.h"

namespace gradguard {
namespace kernels {
namespace avx2 {
namespace {

// sigmoid(v) = 1 / (1 + e^-v) with one division (the activation kernel's sigmoid8 takes two, for
// its derivative's sake): exp_neg8 saturates at e^88.7, so v < -88.7 gives ~3e-39 instead of a
// smaller positive number. A few ulp elsewhere.
inline __m256 sig8(__m256 v) {
  const __m256 e = exp_neg8(_mm256_sub_ps(_mm256_setzero_ps(), v));
  const __m256 s = _mm256_div_ps(_mm256_set1_ps(1.f), _mm256_add_ps(_mm256_set1_ps(1.f), e));
  return _mm256_blendv_ps(s, v, isnan8(v));
}
inline __m256 th8(__m256 v) { return _mm256_blendv_ps(tanh8(v, nullptr), v, isnan8(v)); }

// dh + go (go may be null), the row's dh_t before clipping.
inline __m256 dh_t8(const float* dh, const float* go, size_t j, bool full, __m256i m) {
  const __m256 d = load8(dh + j, full, m);
  return go ? _mm256_add_ps(d, load8(go + j, full, m)) : d;
}

// min(1, clip / (||dh + go|| + 1e-6)) with the squares summed in float64; 1 when clip is off.
float row_clip_scale(size_t H, const float* dh, const float* go, float clip) {
  if (!(clip > 0.f)) return 1.f;
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  for (size_t j = 0; j < H; j += 8) {
    const bool full = j + 8 <= H;
    const __m256 v = dh_t8(dh, go, j, full, tail_mask8(H - j));
    const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    acc0 = _mm256_fmadd_pd(lo, lo, acc0);
    acc1 = _mm256_fmadd_pd(hi, hi, acc1);
  }
  double part[4];
  _mm256_storeu_pd(part, _mm256_add_pd(acc0, acc1));
  const double ss = (part[0] + part[1]) + (part[2] + part[3]);
  const double coef = static_cast<double>(clip) / (std::sqrt(ss) + 1e-6);
  return coef < 1.0 ? static_cast<float>(coef) : 1.f;
}

inline void lstm_fwd8(float* gr, const float* bias, size_t H, size_t j, const float* cp, float* c,
                      float* h, float* out, bool full, __m256i m) {
  __m256 pi = load8(gr + j, full, m), pf = load8(gr + H + j, full, m);
  __m256 pg = load8(gr + 2 * H + j, full, m), po = load8(gr + 3 * H + j, full, m);
  if (bias) {
    pi = _mm256_add_ps(pi, load8(bias + j, full, m));
    pf = _mm256_add_ps(pf, load8(bias + H + j, full, m));
    pg = _mm256_add_ps(pg, load8(bias + 2 * H + j, full, m));
    po = _mm256_add_ps(po, load8(bias + 3 * H + j, full, m));
  }
  const __m256 ig = sig8(pi), fg = sig8(pf), gg = th8(pg), og = sig8(po);
  store8(gr + j, ig, full, m);
  store8(gr + H + j, fg, full, m);
  store8(gr + 2 * H + j, gg, full, m);
  store8(gr + 3 * H + j, og, full, m);
  const __m256 cv = _mm256_fmadd_ps(fg, load8(cp + j, full, m), _mm256_mul_ps(ig, gg));
  const __m256 hv = _mm256_mul_ps(og, th8(cv));
  store8(c + j, cv, full, m);
  store8(h + j, hv, full, m);
  if (out) store8(out + j, hv, full, m);
}

inline void lstm_bwd8(const float* gr, size_t H, size_t j, const float* c, const float* cp,
                      const float* dh, const float* go, __m256 scale, bool scaled, float* dc,
                      float* dgr, bool full, __m256i m) {
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 ig = load8(gr + j, full, m), fg = load8(gr + H + j, full, m);
  const __m256 gg = load8(gr + 2 * H + j, full, m), og = load8(gr + 3 * H + j, full, m);
  const __m256 tc = th8(load8(c + j, full, m));
  __m256 dht = dh_t8(dh, go, j, full, m);
  if (scaled) dht = _mm256_mul_ps(dht, scale);
  const __m256 dct = _mm256_fmadd_ps(_mm256_mul_ps(dht, og), _mm256_fnmadd_ps(tc, tc, one),
                                     load8(dc + j, full, m));
  store8(dgr + j, _mm256_mul_ps(_mm256_mul_ps(dct, gg), _mm256_mul_ps(ig, _mm256_sub_ps(one, ig))),
         full, m);
  store8(dgr + H + j,
         _mm256_mul_ps(_mm256_mul_ps(dct, load8(cp + j, full, m)),
                       _mm256_mul_ps(fg, _mm256_sub_ps(one, fg))),
         full, m);
  store8(dgr + 2 * H + j, _mm256_mul_ps(_mm256_mul_ps(dct, ig), _mm256_fnmadd_ps(gg, gg, one)),
         full, m);
  store8(dgr + 3 * H + j,
         _mm256_mul_ps(_mm256_mul_ps(dht, tc), _mm256_mul_ps(og, _mm256_sub_ps(one, og))), full, m);
  store8(dc + j, _mm256_mul_ps(dct, fg), full, m);
}

inline void gru_fwd8(float* gr, const float* ghr, const float* bias, size_t H, size_t j,
                     const float* hp, float* hn, float* h, float* out, bool full, __m256i m) {
  __m256 pr = _mm256_add_ps(load8(gr + j, full, m), load8(ghr + j, full, m));
  __m256 pz = _mm256_add_ps(load8(gr + H + j, full, m), load8(ghr + H + j, full, m));
  __m256 pn = load8(gr + 2 * H + j, full, m), hv = load8(ghr + 2 * H + j, full, m);
  if (bias) {
    pr = _mm256_add_ps(pr, load8(bias + j, full, m));
    pz = _mm256_add_ps(pz, load8(bias + H + j, full, m));
    pn = _mm256_add_ps(pn, load8(bias + 2 * H + j, full, m));
    hv = _mm256_add_ps(hv, load8(bias + 3 * H + j, full, m));
  }
  const __m256 rg = sig8(pr), zg = sig8(pz);
  const __m256 ng = th8(_mm256_fmadd_ps(rg, hv, pn));
  const __m256 hval = _mm256_fmadd_ps(zg, _mm256_sub_ps(load8(hp + j, full, m), ng), ng);
  store8(gr + j, rg, full, m);
  store8(gr + H + j, zg, full, m);
  store8(gr + 2 * H + j, ng, full, m);
  store8(hn + j, hv, full, m);
  store8(h + j, hval, full, m);
  if (out) store8(out + j, hval, full, m);
}

inline void gru_bwd8(const float* gr, const float* hn, const float* hp, float* dh, const float* go,
                     size_t H, size_t j, __m256 scale, bool scaled, float* dir, float* dhr,
                     bool full, __m256i m) {
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 rg = load8(gr + j, full, m), zg = load8(gr + H + j, full, m);
  const __m256 ng = load8(gr + 2 * H + j, full, m);
  __m256 dht = dh_t8(dh, go, j, full, m);
  if (scaled) dht = _mm256_mul_ps(dht, scale);
  const __m256 dpn =
      _mm256_mul_ps(_mm256_mul_ps(dht, _mm256_sub_ps(one, zg)), _mm256_fnmadd_ps(ng, ng, one));
  const __m256 dpz = _mm256_mul_ps(_mm256_mul_ps(dht, _mm256_sub_ps(load8(hp + j, full, m), ng)),
                                   _mm256_mul_ps(zg, _mm256_sub_ps(one, zg)));
  const __m256 dpr = _mm256_mul_ps(_mm256_mul_ps(dpn, load8(hn + j, full, m)),
                                   _mm256_mul_ps(rg, _mm256_sub_ps(one, rg)));
  store8(dir + j, dpr, full, m);
  store8(dir + H + j, dpz, full, m);
  store8(dir + 2 * H + j, dpn, full, m);
  store8(dhr + j, dpr, full, m);
  store8(dhr + H + j, dpz, full, m);
  store8(dhr + 2 * H + j, _mm256_mul_ps(dpn, rg), full, m);
  store8(dh + j, _mm256_mul_ps(dht, zg), full, m);
}

}  // namespace

void gru_fwd_rows_f32__avx2(size_t rows, size_t H, float* g, const float* gh, const float* bias,
                            const float* h_prev, float* hn, float* h, float* out) {
  const __m256i tail = tail_mask8(H % 8);
  for (size_t r = 0; r < rows; ++r) {
    float* gr = g + r * 3 * H;
    const float* ghr = gh + r * 3 * H;
    const size_t o = r * H;
    float* outr = out ? out + o : nullptr;
    for (size_t j = 0; j < H; j += 8) {
      gru_fwd8(gr, ghr, bias, H, j, h_prev + o, hn + o, h + o, outr, j + 8 <= H, tail);
    }
  }
}

void gru_bwd_rows_f32__avx2(size_t rows, size_t H, const float* g, const float* hn,
                            const float* h_prev, float* dh, const float* go, float clip, float* dgi,
                            float* dgh) {
  const __m256i tail = tail_mask8(H % 8);
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * H;
    const float* gor = go ? go + o : nullptr;
    const float s = row_clip_scale(H, dh + o, gor, clip);
    const __m256 scale = _mm256_set1_ps(s);
    for (size_t j = 0; j < H; j += 8) {
      gru_bwd8(g + r * 3 * H, hn + o, h_prev + o, dh + o, gor, H, j, scale, s != 1.f,
               dgi + r * 3 * H, dgh + r * 3 * H, j + 8 <= H, tail);
    }
  }
}

void lstm_fwd_rows_f32__avx2(size_t rows, size_t H, float* g, const float* bias,
                             const float* c_prev, float* c, float* h, float* out) {
  const __m256i tail = tail_mask8(H % 8);
  for (size_t r = 0; r < rows; ++r) {
    float* gr = g + r * 4 * H;
    const size_t o = r * H;
    float* outr = out ? out + o : nullptr;
    size_t j = 0;
    for (; j + 8 <= H; j += 8)
      lstm_fwd8(gr, bias, H, j, c_prev + o, c + o, h + o, outr, true, tail);
    if (j < H) lstm_fwd8(gr, bias, H, j, c_prev + o, c + o, h + o, outr, false, tail);
  }
}

void lstm_bwd_rows_f32__avx2(size_t rows, size_t H, const float* g, const float* c,
                             const float* c_prev, const float* dh, const float* go, float clip,
                             float* dc, float* dg) {
  const __m256i tail = tail_mask8(H % 8);
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * H;
    const float* gor = go ? go + o : nullptr;
    const float s = row_clip_scale(H, dh + o, gor, clip);
    const __m256 scale = _mm256_set1_ps(s);
    const float* gr = g + r * 4 * H;
    float* dgr = dg + r * 4 * H;
    size_t j = 0;
    for (; j + 8 <= H; j += 8) {
      lstm_bwd8(gr, H, j, c + o, c_prev + o, dh + o, gor, scale, s != 1.f, dc + o, dgr, true, tail);
    }
    if (j < H) {
      lstm_bwd8(gr, H, j, c + o, c_prev + o, dh + o, gor, scale, s != 1.f, dc + o, dgr, false,
                tail);
    }
  }
}

void rnn_fwd_rows_f32__avx2(bool relu, size_t rows, size_t H, float* h, const float* bias,
                            float* out) {
  const __m256i tail = tail_mask8(H % 8);
  for (size_t r = 0; r < rows; ++r) {
    float* hr = h + r * H;
    float* outr = out ? out + r * H : nullptr;
    for (size_t j = 0; j < H; j += 8) {
      const bool full = j + 8 <= H;
      __m256 v = load8(hr + j, full, tail);
      if (bias) v = _mm256_add_ps(v, load8(bias + j, full, tail));
      // relu: zero where v <= 0 (NaN compares false, so it stays)
      v = relu ? _mm256_andnot_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LE_OQ), v) : th8(v);
      store8(hr + j, v, full, tail);
      if (outr) store8(outr + j, v, full, tail);
    }
  }
}

void rnn_bwd_rows_f32__avx2(bool relu, size_t rows, size_t H, const float* h, const float* dh,
                            const float* go, float clip, float* dg) {
  const __m256i tail = tail_mask8(H % 8);
  const __m256 one = _mm256_set1_ps(1.f);
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * H;
    const float* gor = go ? go + o : nullptr;
    const float s = row_clip_scale(H, dh + o, gor, clip);
    const __m256 scale = _mm256_set1_ps(s);
    for (size_t j = 0; j < H; j += 8) {
      const bool full = j + 8 <= H;
      __m256 d = dh_t8(dh + o, gor, j, full, tail);
      if (s != 1.f) d = _mm256_mul_ps(d, scale);
      const __m256 hv = load8(h + o + j, full, tail);
      const __m256 v = relu
                           ? _mm256_andnot_ps(_mm256_cmp_ps(hv, _mm256_setzero_ps(), _CMP_LE_OQ), d)
                           : _mm256_mul_ps(d, _mm256_fnmadd_ps(hv, hv, one));
      store8(dg + o + j, v, full, tail);
    }
  }
}

}  // namespace avx2
}  // namespace kernels
}  // namespace gradguard
#endif
