// RNN/LSTM forward and backward through time over sgemm (native/kernels/gemm): the input
// projection of all steps is one sgemm, each step one sgemm with weight_hh plus fused gate math;
// backward mirrors it and forms the weight gradients as two large sgemms after the time loop.
#include "kernels/rnn/rnn.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/gemm/gemm.h"

namespace gradguard {
namespace kernels {
namespace {

inline float sigmoid(float v) { return 1.f / (1.f + std::exp(-v)); }

}  // namespace

size_t recurrent_workspace_size(RecurrentMode m, const RecurrentDims& d) {
  const size_t tbh = d.seq_len * d.batch * d.hidden_size;
  return m == RecurrentMode::kLstm ? 6 * tbh : tbh;
}

Status recurrent_forward_f32(Isa isa, RecurrentMode mode, const RecurrentDims& d, const float* x,
                             const float* h0, const float* c0, const float* w_ih,
                             const float* w_hh, const float* b_ih, const float* b_hh,
                             float* output, float* h_n, float* c_n, float* ws) {
  const size_t T = d.seq_len, B = d.batch, I = d.input_size, H = d.hidden_size;
  const size_t G = recurrent_gates(mode), GH = G * H;
  const bool lstm = mode == RecurrentMode::kLstm;
  float* gates = ws;                                  // [T, B, GH]
  float* cells = lstm ? ws + T * B * GH : nullptr;    // [T, B, H]
  float* hidden = lstm ? cells + T * B * H : ws;      // [T, B, H] (RNN: the gates themselves)
  // Input projection for every step at once: gates = x * w_ih^T.
  Status s = sgemm(isa, false, true, T * B, GH, I, 1.f, x, I, w_ih, I, 0.f, gates, GH);
  if (s != Status::kOk) return s;
  if (b_ih || b_hh) {
    for (size_t r = 0; r < T * B; ++r) {
      float* row = gates + r * GH;
      for (size_t j = 0; j < GH; ++j) row[j] += (b_ih ? b_ih[j] : 0.f) + (b_hh ? b_hh[j] : 0.f);
    }
  }
  const float* h_prev = h0;
  const float* c_prev = c0;
  for (size_t t = 0; t < T; ++t) {
    float* gt = gates + t * B * GH;
    s = sgemm(isa, false, true, B, GH, H, 1.f, h_prev, H, w_hh, H, 1.f, gt, GH);
    if (s != Status::kOk) return s;
    float* ht = hidden + t * B * H;
    if (!lstm) {
      for (size_t k = 0; k < B * H; ++k) {
        const float v = gt[k];
        gt[k] = mode == RecurrentMode::kRnnTanh ? std::tanh(v) : (v < 0.f ? 0.f : v);  // NaN stays NaN
      }
    } else {
      float* ct = cells + t * B * H;
      for (size_t b = 0; b < B; ++b) {
        float* g = gt + b * GH;
        for (size_t j = 0; j < H; ++j) {
          const float ig = sigmoid(g[j]), fg = sigmoid(g[H + j]);
          const float gg = std::tanh(g[2 * H + j]), og = sigmoid(g[3 * H + j]);
          g[j] = ig;
          g[H + j] = fg;
          g[2 * H + j] = gg;
          g[3 * H + j] = og;
          const float c = fg * c_prev[b * H + j] + ig * gg;
          ct[b * H + j] = c;
          ht[b * H + j] = og * std::tanh(c);
        }
      }
      c_prev = ct;
    }
    std::memcpy(output + t * B * H, ht, B * H * sizeof(float));
    h_prev = ht;
  }
  if (B * H > 0) {
    std::memcpy(h_n, h_prev, B * H * sizeof(float));
    if (lstm) std::memcpy(c_n, c_prev, B * H * sizeof(float));
  }
  return Status::kOk;
}

Status recurrent_backward_f32(Isa isa, RecurrentMode mode, const RecurrentDims& d,
                              const float* x, const float* h0, const float* c0, const float* w_ih,
                              const float* w_hh, const float* ws, const float* grad_output,
                              const float* grad_h_n, const float* grad_c_n, float* grad_x,
                              float* grad_h0, float* grad_c0, float* grad_w_ih, float* grad_w_hh,
                              float* grad_b_ih, float* grad_b_hh, bool accumulate) {
  const size_t T = d.seq_len, B = d.batch, I = d.input_size, H = d.hidden_size;
  const size_t G = recurrent_gates(mode), GH = G * H;
  const bool lstm = mode == RecurrentMode::kLstm;
  const float* gates = ws;
  const float* cells = lstm ? ws + T * B * GH : nullptr;
  const float* hidden = lstm ? cells + T * B * H : ws;
  std::vector<float> dgates(T * B * GH);
  std::vector<float> dh(B * H, 0.f), dc(lstm ? B * H : 0, 0.f);
  if (grad_h_n) std::memcpy(dh.data(), grad_h_n, B * H * sizeof(float));
  if (lstm && grad_c_n) std::memcpy(dc.data(), grad_c_n, B * H * sizeof(float));
  for (size_t t = T; t-- > 0;) {
    const float* gt = gates + t * B * GH;
    float* dg = dgates.data() + t * B * GH;
    const float* go = grad_output ? grad_output + t * B * H : nullptr;
    if (!lstm) {
      for (size_t k = 0; k < B * H; ++k) {
        const float g = dh[k] + (go ? go[k] : 0.f), h = gt[k];
        dg[k] = mode == RecurrentMode::kRnnTanh ? g * (1.f - h * h) : (h <= 0.f ? 0.f : g);
      }
    } else {
      const float* ct = cells + t * B * H;
      const float* cp = t > 0 ? cells + (t - 1) * B * H : c0;
      for (size_t b = 0; b < B; ++b) {
        const float* g = gt + b * GH;
        float* dgb = dg + b * GH;
        for (size_t j = 0; j < H; ++j) {
          const size_t k = b * H + j;
          const float ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
          const float tc = std::tanh(ct[k]);
          const float dht = dh[k] + (go ? go[k] : 0.f);
          const float dct = dc[k] + dht * og * (1.f - tc * tc);
          dgb[j] = dct * gg * ig * (1.f - ig);
          dgb[H + j] = dct * cp[k] * fg * (1.f - fg);
          dgb[2 * H + j] = dct * ig * (1.f - gg * gg);
          dgb[3 * H + j] = dht * tc * og * (1.f - og);
          dc[k] = dct * fg;
        }
      }
    }
    // dh_{t-1} = dgates_t * w_hh
    Status s = sgemm(isa, false, false, B, H, GH, 1.f, dg, GH, w_hh, H, 0.f, dh.data(), H);
    if (s != Status::kOk) return s;
  }
  if (B * H > 0) {
    std::memcpy(grad_h0, dh.data(), B * H * sizeof(float));
    if (lstm) std::memcpy(grad_c0, dc.data(), B * H * sizeof(float));
  }
  const float beta = accumulate ? 1.f : 0.f;
  Status s = sgemm(isa, false, false, T * B, I, GH, 1.f, dgates.data(), GH, w_ih, I, 0.f, grad_x, I);
  if (s != Status::kOk) return s;
  s = sgemm(isa, true, false, GH, I, T * B, 1.f, dgates.data(), GH, x, I, beta, grad_w_ih, I);
  if (s != Status::kOk) return s;
  // grad_w_hh = sum_t dgates_t^T * h_{t-1}: step 0 against h0, steps 1..T-1 against hidden[0..T-2].
  if (T == 0) {
    if (!accumulate) std::memset(grad_w_hh, 0, GH * H * sizeof(float));
  } else {
    s = sgemm(isa, true, false, GH, H, B, 1.f, dgates.data(), GH, h0, H, beta, grad_w_hh, H);
    if (s != Status::kOk) return s;
    s = sgemm(isa, true, false, GH, H, (T - 1) * B, 1.f, dgates.data() + B * GH, GH, hidden, H,
              1.f, grad_w_hh, H);
    if (s != Status::kOk) return s;
  }
  if (grad_b_ih || grad_b_hh) {
    std::vector<double> sum(GH, 0.0);
    for (size_t r = 0; r < T * B; ++r) {
      for (size_t j = 0; j < GH; ++j) sum[j] += dgates[r * GH + j];
    }
    for (size_t j = 0; j < GH; ++j) {
      if (grad_b_ih) grad_b_ih[j] = static_cast<float>((accumulate ? grad_b_ih[j] : 0.0) + sum[j]);
      if (grad_b_hh) grad_b_hh[j] = static_cast<float>((accumulate ? grad_b_hh[j] : 0.0) + sum[j]);
    }
  }
  return Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
