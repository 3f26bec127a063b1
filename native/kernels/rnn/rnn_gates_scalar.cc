// The reference RNN/LSTM/GRU step kernels (rnn_gates.h): one element at a time with std::exp and
// std::tanh, float32 arithmetic, -ffp-contract=off so the expressions mean what they say.
#include <cmath>

#include "kernels/rnn/rnn_gates.h"

namespace gradguard {
namespace kernels {
namespace scalar {
namespace {

inline float sigmoid(float v) { return 1.f / (1.f + std::exp(-v)); }

// The clipping factor for one row of dh_t = dh + go: min(1, clip / (norm + 1e-6)), 1 when off.
float row_clip_scale(size_t H, const float* dh, const float* go, float clip) {
  if (!(clip > 0.f)) return 1.f;
  double ss = 0.0;
  for (size_t j = 0; j < H; ++j) {
    const double v = static_cast<double>(dh[j] + (go ? go[j] : 0.f));
    ss += v * v;
  }
  const double coef = static_cast<double>(clip) / (std::sqrt(ss) + 1e-6);
  return coef < 1.0 ? static_cast<float>(coef) : 1.f;
}

}  // namespace

void lstm_fwd_rows_f32__scalar(size_t rows, size_t H, float* g, const float* bias,
                               const float* c_prev, float* c, float* h, float* out) {
  for (size_t r = 0; r < rows; ++r) {
    float* gr = g + r * 4 * H;
    if (bias) {
      for (size_t j = 0; j < 4 * H; ++j) gr[j] += bias[j];
    }
    for (size_t j = 0; j < H; ++j) {
      const float ig = sigmoid(gr[j]), fg = sigmoid(gr[H + j]);
      const float gg = std::tanh(gr[2 * H + j]), og = sigmoid(gr[3 * H + j]);
      gr[j] = ig;
      gr[H + j] = fg;
      gr[2 * H + j] = gg;
      gr[3 * H + j] = og;
      const size_t k = r * H + j;
      const float cv = fg * c_prev[k] + ig * gg;
      c[k] = cv;
      h[k] = og * std::tanh(cv);
      if (out) out[k] = h[k];
    }
  }
}

void lstm_bwd_rows_f32__scalar(size_t rows, size_t H, const float* g, const float* c,
                               const float* c_prev, const float* dh, const float* go, float clip,
                               float* dc, float* dg) {
  for (size_t r = 0; r < rows; ++r) {
    const float* gr = g + r * 4 * H;
    float* dgr = dg + r * 4 * H;
    const float* dhr = dh + r * H;
    const float* gor = go ? go + r * H : nullptr;
    const float scale = row_clip_scale(H, dhr, gor, clip);
    for (size_t j = 0; j < H; ++j) {
      const size_t k = r * H + j;
      const float ig = gr[j], fg = gr[H + j], gg = gr[2 * H + j], og = gr[3 * H + j];
      const float tc = std::tanh(c[k]);
      float dht = dhr[j] + (gor ? gor[j] : 0.f);
      if (scale != 1.f) dht *= scale;
      const float dct = dc[k] + dht * og * (1.f - tc * tc);
      dgr[j] = dct * gg * ig * (1.f - ig);
      dgr[H + j] = dct * c_prev[k] * fg * (1.f - fg);
      dgr[2 * H + j] = dct * ig * (1.f - gg * gg);
      dgr[3 * H + j] = dht * tc * og * (1.f - og);
      dc[k] = dct * fg;
    }
  }
}

void rnn_fwd_rows_f32__scalar(bool relu, size_t rows, size_t H, float* h, const float* bias,
                              float* out) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < H; ++j) {
      const size_t k = r * H + j;
      float v = h[k];
      if (bias) v += bias[j];
      v = relu ? (v < 0.f ? 0.f : v) : std::tanh(v);  // NaN stays NaN
      h[k] = v;
      if (out) out[k] = v;
    }
  }
}

void rnn_bwd_rows_f32__scalar(bool relu, size_t rows, size_t H, const float* h, const float* dh,
                              const float* go, float clip, float* dg) {
  for (size_t r = 0; r < rows; ++r) {
    const float* gor = go ? go + r * H : nullptr;
    const float scale = row_clip_scale(H, dh + r * H, gor, clip);
    for (size_t j = 0; j < H; ++j) {
      const size_t k = r * H + j;
      float d = dh[k] + (gor ? gor[j] : 0.f);
      if (scale != 1.f) d *= scale;
      const float hv = h[k];
      dg[k] = relu ? (hv <= 0.f ? 0.f : d) : d * (1.f - hv * hv);
    }
  }
}

void gru_fwd_rows_f32__scalar(size_t rows, size_t H, float* g, const float* gh, const float* bias,
                              const float* h_prev, float* hn, float* h, float* out) {
  for (size_t r = 0; r < rows; ++r) {
    float* gr = g + r * 3 * H;
    const float* ghr = gh + r * 3 * H;
    for (size_t j = 0; j < H; ++j) {
      float pr = gr[j] + ghr[j], pz = gr[H + j] + ghr[H + j];
      float pn = gr[2 * H + j], hv = ghr[2 * H + j];
      if (bias) {
        pr += bias[j];
        pz += bias[H + j];
        pn += bias[2 * H + j];
        hv += bias[3 * H + j];
      }
      const float rg = sigmoid(pr), zg = sigmoid(pz);
      const float ng = std::tanh(pn + rg * hv);
      const size_t k = r * H + j;
      gr[j] = rg;
      gr[H + j] = zg;
      gr[2 * H + j] = ng;
      hn[k] = hv;
      h[k] = ng + zg * (h_prev[k] - ng);
      if (out) out[k] = h[k];
    }
  }
}

void gru_bwd_rows_f32__scalar(size_t rows, size_t H, const float* g, const float* hn,
                              const float* h_prev, float* dh, const float* go, float clip,
                              float* dgi, float* dgh) {
  for (size_t r = 0; r < rows; ++r) {
    const float* gr = g + r * 3 * H;
    float* dir = dgi + r * 3 * H;
    float* dhr_ = dgh + r * 3 * H;
    float* dhr = dh + r * H;
    const float* gor = go ? go + r * H : nullptr;
    const float scale = row_clip_scale(H, dhr, gor, clip);
    for (size_t j = 0; j < H; ++j) {
      const size_t k = r * H + j;
      const float rg = gr[j], zg = gr[H + j], ng = gr[2 * H + j];
      float dht = dhr[j] + (gor ? gor[j] : 0.f);
      if (scale != 1.f) dht *= scale;
      const float dpn = dht * (1.f - zg) * (1.f - ng * ng);
      const float dpz = dht * (h_prev[k] - ng) * (zg * (1.f - zg));
      const float dpr = dpn * hn[k] * (rg * (1.f - rg));
      dir[j] = dpr;
      dir[H + j] = dpz;
      dir[2 * H + j] = dpn;
      dhr_[j] = dpr;
      dhr_[H + j] = dpz;
      dhr_[2 * H + j] = dpn * rg;
      dhr[j] = dht * zg;
    }
  }
}

}  // namespace scalar
}  // namespace kernels
}  // namespace gradguard
