// AVX-512F RNN/LSTM/GRU step kernels (rnn_gates.h): the AVX2 kernels' formulas 16 hidden units at
// a time, masked loads and stores for the tail, sigmoid and tanh from rnn_math_avx512.h (the same
// Cephes polynomials as AVX2's). With the step GEMMs on the 16-lane micro-kernel these epilogues
// were a tenth of an LSTM step at 8 lanes (perf, LSTM 128->256 bench case). Compiled with -mavx512f
// -mfma; no inline library templates, no namespace-scope dynamic initialisers.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cmath>

#include "kernels/avx512_lanes.h"
#include "kernels/rnn/rnn_gates.h"
#include "kernels/rnn/rnn_math_avx512.h"

namespace gradguard {
namespace kernels {
namespace avx512 {
namespace {

inline __m512 ld(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
inline void st(float* p, __m512 v, __mmask16 m) { _mm512_mask_storeu_ps(p, m, v); }

// dh + go (go may be null), the row's dh_t before clipping.
inline __m512 dh_t16(const float* dh, const float* go, size_t j, __mmask16 m) {
  const __m512 d = ld(dh + j, m);
  return go ? _mm512_add_ps(d, ld(go + j, m)) : d;
}

// min(1, clip / (||dh + go|| + 1e-6)) with the squares summed in float64; 1 when clip is off.
float row_clip_scale(size_t H, const float* dh, const float* go, float clip) {
  if (!(clip > 0.f)) return 1.f;
  __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
  for (size_t j = 0; j < H; j += 16) {
    const __m512 v = dh_t16(dh, go, j, tail_mask16(H - j));
    const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
    const __m512d hi =
        _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    acc0 = _mm512_fmadd_pd(lo, lo, acc0);
    acc1 = _mm512_fmadd_pd(hi, hi, acc1);
  }
  double part[8];
  _mm512_storeu_pd(part, _mm512_add_pd(acc0, acc1));
  const double ss =
      ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  const double coef = static_cast<double>(clip) / (std::sqrt(ss) + 1e-6);
  return coef < 1.0 ? static_cast<float>(coef) : 1.f;
}

inline void lstm_fwd16(float* gr, const float* bias, size_t H, size_t j, const float* cp, float* c,
                       float* h, float* out, __mmask16 m) {
  __m512 pi = ld(gr + j, m), pf = ld(gr + H + j, m);
  __m512 pg = ld(gr + 2 * H + j, m), po = ld(gr + 3 * H + j, m);
  if (bias) {
    pi = _mm512_add_ps(pi, ld(bias + j, m));
    pf = _mm512_add_ps(pf, ld(bias + H + j, m));
    pg = _mm512_add_ps(pg, ld(bias + 2 * H + j, m));
    po = _mm512_add_ps(po, ld(bias + 3 * H + j, m));
  }
  const __m512 ig = sig16(pi), fg = sig16(pf), gg = th16(pg), og = sig16(po);
  st(gr + j, ig, m);
  st(gr + H + j, fg, m);
  st(gr + 2 * H + j, gg, m);
  st(gr + 3 * H + j, og, m);
  const __m512 cv = _mm512_fmadd_ps(fg, ld(cp + j, m), _mm512_mul_ps(ig, gg));
  const __m512 hv = _mm512_mul_ps(og, th16(cv));
  st(c + j, cv, m);
  st(h + j, hv, m);
  if (out) st(out + j, hv, m);
}

inline void lstm_bwd16(const float* gr, size_t H, size_t j, const float* c, const float* cp,
                       const float* dh, const float* go, __m512 scale, bool scaled, float* dc,
                       float* dgr, __mmask16 m) {
  const __m512 one = _mm512_set1_ps(1.f);
  const __m512 ig = ld(gr + j, m), fg = ld(gr + H + j, m);
  const __m512 gg = ld(gr + 2 * H + j, m), og = ld(gr + 3 * H + j, m);
  const __m512 tc = th16(ld(c + j, m));
  __m512 dht = dh_t16(dh, go, j, m);
  if (scaled) dht = _mm512_mul_ps(dht, scale);
  const __m512 dct =
      _mm512_fmadd_ps(_mm512_mul_ps(dht, og), _mm512_fnmadd_ps(tc, tc, one), ld(dc + j, m));
  st(dgr + j, _mm512_mul_ps(_mm512_mul_ps(dct, gg), _mm512_mul_ps(ig, _mm512_sub_ps(one, ig))), m);
  st(dgr + H + j,
     _mm512_mul_ps(_mm512_mul_ps(dct, ld(cp + j, m)), _mm512_mul_ps(fg, _mm512_sub_ps(one, fg))),
     m);
  st(dgr + 2 * H + j, _mm512_mul_ps(_mm512_mul_ps(dct, ig), _mm512_fnmadd_ps(gg, gg, one)), m);
  st(dgr + 3 * H + j,
     _mm512_mul_ps(_mm512_mul_ps(dht, tc), _mm512_mul_ps(og, _mm512_sub_ps(one, og))), m);
  st(dc + j, _mm512_mul_ps(dct, fg), m);
}

inline void gru_fwd16(float* gr, const float* ghr, const float* bias, size_t H, size_t j,
                      const float* hp, float* hn, float* h, float* out, __mmask16 m) {
  __m512 pr = _mm512_add_ps(ld(gr + j, m), ld(ghr + j, m));
  __m512 pz = _mm512_add_ps(ld(gr + H + j, m), ld(ghr + H + j, m));
  __m512 pn = ld(gr + 2 * H + j, m), hv = ld(ghr + 2 * H + j, m);
  if (bias) {
    pr = _mm512_add_ps(pr, ld(bias + j, m));
    pz = _mm512_add_ps(pz, ld(bias + H + j, m));
    pn = _mm512_add_ps(pn, ld(bias + 2 * H + j, m));
    hv = _mm512_add_ps(hv, ld(bias + 3 * H + j, m));
  }
  const __m512 rg = sig16(pr), zg = sig16(pz);
  const __m512 ng = th16(_mm512_fmadd_ps(rg, hv, pn));
  const __m512 hval = _mm512_fmadd_ps(zg, _mm512_sub_ps(ld(hp + j, m), ng), ng);
  st(gr + j, rg, m);
  st(gr + H + j, zg, m);
  st(gr + 2 * H + j, ng, m);
  st(hn + j, hv, m);
  st(h + j, hval, m);
  if (out) st(out + j, hval, m);
}

inline void gru_bwd16(const float* gr, const float* hn, const float* hp, float* dh, const float* go,
                      size_t H, size_t j, __m512 scale, bool scaled, float* dir, float* dhr,
                      __mmask16 m) {
  const __m512 one = _mm512_set1_ps(1.f);
  const __m512 rg = ld(gr + j, m), zg = ld(gr + H + j, m), ng = ld(gr + 2 * H + j, m);
  __m512 dht = dh_t16(dh, go, j, m);
  if (scaled) dht = _mm512_mul_ps(dht, scale);
  const __m512 dpn =
      _mm512_mul_ps(_mm512_mul_ps(dht, _mm512_sub_ps(one, zg)), _mm512_fnmadd_ps(ng, ng, one));
  const __m512 dpz = _mm512_mul_ps(_mm512_mul_ps(dht, _mm512_sub_ps(ld(hp + j, m), ng)),
                                   _mm512_mul_ps(zg, _mm512_sub_ps(one, zg)));
  const __m512 dpr =
      _mm512_mul_ps(_mm512_mul_ps(dpn, ld(hn + j, m)), _mm512_mul_ps(rg, _mm512_sub_ps(one, rg)));
  st(dir + j, dpr, m);
  st(dir + H + j, dpz, m);
  st(dir + 2 * H + j, dpn, m);
  st(dhr + j, dpr, m);
  st(dhr + H + j, dpz, m);
  st(dhr + 2 * H + j, _mm512_mul_ps(dpn, rg), m);
  st(dh + j, _mm512_mul_ps(dht, zg), m);
}

}  // namespace

void gru_fwd_rows_f32__avx512(size_t rows, size_t H, float* g, const float* gh, const float* bias,
                              const float* h_prev, float* hn, float* h, float* out) {
  for (size_t r = 0; r < rows; ++r) {
    float* gr = g + r * 3 * H;
    const float* ghr = gh + r * 3 * H;
    const size_t o = r * H;
    float* outr = out ? out + o : nullptr;
    for (size_t j = 0; j < H; j += 16) {
      gru_fwd16(gr, ghr, bias, H, j, h_prev + o, hn + o, h + o, outr, tail_mask16(H - j));
    }
  }
}

void gru_bwd_rows_f32__avx512(size_t rows, size_t H, const float* g, const float* hn,
                              const float* h_prev, float* dh, const float* go, float clip,
                              float* dgi, float* dgh) {
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * H;
    const float* gor = go ? go + o : nullptr;
    const float s = row_clip_scale(H, dh + o, gor, clip);
    const __m512 scale = _mm512_set1_ps(s);
    for (size_t j = 0; j < H; j += 16) {
      gru_bwd16(g + r * 3 * H, hn + o, h_prev + o, dh + o, gor, H, j, scale, s != 1.f,
                dgi + r * 3 * H, dgh + r * 3 * H, tail_mask16(H - j));
    }
  }
}

void lstm_fwd_rows_f32__avx512(size_t rows, size_t H, float* g, const float* bias,
                               const float* c_prev, float* c, float* h, float* out) {
  for (size_t r = 0; r < rows; ++r) {
    float* gr = g + r * 4 * H;
    const size_t o = r * H;
    float* outr = out ? out + o : nullptr;
    for (size_t j = 0; j < H; j += 16) {
      lstm_fwd16(gr, bias, H, j, c_prev + o, c + o, h + o, outr, tail_mask16(H - j));
    }
  }
}

void lstm_bwd_rows_f32__avx512(size_t rows, size_t H, const float* g, const float* c,
                               const float* c_prev, const float* dh, const float* go, float clip,
                               float* dc, float* dg) {
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * H;
    const float* gor = go ? go + o : nullptr;
    const float s = row_clip_scale(H, dh + o, gor, clip);
    const __m512 scale = _mm512_set1_ps(s);
    for (size_t j = 0; j < H; j += 16) {
      lstm_bwd16(g + r * 4 * H, H, j, c + o, c_prev + o, dh + o, gor, scale, s != 1.f, dc + o,
                 dg + r * 4 * H, tail_mask16(H - j));
    }
  }
}

void rnn_fwd_rows_f32__avx512(bool relu, size_t rows, size_t H, float* h, const float* bias,
                              float* out) {
  for (size_t r = 0; r < rows; ++r) {
    float* hr = h + r * H;
    float* outr = out ? out + r * H : nullptr;
    for (size_t j = 0; j < H; j += 16) {
      const __mmask16 m = tail_mask16(H - j);
      __m512 v = ld(hr + j, m);
      if (bias) v = _mm512_add_ps(v, ld(bias + j, m));
      // relu: zero where v <= 0 (NaN compares false, so it stays)
      v = relu ? _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LE_OQ),
                                    _mm512_setzero_ps())
               : th16(v);
      st(hr + j, v, m);
      if (outr) st(outr + j, v, m);
    }
  }
}

void rnn_bwd_rows_f32__avx512(bool relu, size_t rows, size_t H, const float* h, const float* dh,
                              const float* go, float clip, float* dg) {
  const __m512 one = _mm512_set1_ps(1.f);
  for (size_t r = 0; r < rows; ++r) {
    const size_t o = r * H;
    const float* gor = go ? go + o : nullptr;
    const float s = row_clip_scale(H, dh + o, gor, clip);
    const __m512 scale = _mm512_set1_ps(s);
    for (size_t j = 0; j < H; j += 16) {
      const __mmask16 m = tail_mask16(H - j);
      __m512 d = dh_t16(dh + o, gor, j, m);
      if (s != 1.f) d = _mm512_mul_ps(d, scale);
      const __m512 hv = ld(h + o + j, m);
      const __m512 v =
          relu ? _mm512_mask_mov_ps(d, _mm512_cmp_ps_mask(hv, _mm512_setzero_ps(), _CMP_LE_OQ),
                                    _mm512_setzero_ps())
               : _mm512_mul_ps(d, _mm512_fnmadd_ps(hv, hv, one));
      st(dg + o + j, v, m);
    }
  }
}

}  // namespace avx512
}  // namespace kernels
}  // namespace gradguard
#endif
