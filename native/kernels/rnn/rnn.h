// One-layer unidirectional RNN (tanh/relu), LSTM (gates i, f, g, o) and GRU (gates r, z, n; b_hn
// inside the reset product, PyTorch's form), PyTorch 1.13 layouts:
// x [T, B, I], weight_ih [G*H, I], weight_hh [G*H, H], biases [G*H] (optional), h0/c0 [B, H].
// float32 storage and sgemm (float32 accumulation); gate math in float32. Forward keeps in `ws`
// what the backward needs; backward runs through time and forms weight gradients as large sgemms.
#pragma once

#include <cstddef>

#include "core/dispatch.h"
#include "core/status.h"

namespace gradguard {
namespace kernels {

enum class RecurrentMode : int { kRnnTanh = 0, kRnnRelu = 1, kLstm = 2, kGru = 3 };

struct RecurrentDims {
  size_t seq_len, batch, input_size, hidden_size;
};

// Gates per step: 1 (RNN), 4 (LSTM) or 3 (GRU).
inline size_t recurrent_gates(RecurrentMode m) {
  return m == RecurrentMode::kLstm ? 4 : m == RecurrentMode::kGru ? 3 : 1;
}

// Scratch beyond the workspace (weight_hh packed for the step GEMMs, the backward's gate gradients)
// lives in grow-only per-thread buffers: after the first call of a given size nothing is allocated.
// Workspace floats: RNN T*B*H (the hidden states); LSTM T*B*6H: activated gates [T, B, 4H], then
// cells [T, B, H], then hidden states [T, B, H]; GRU T*B*5H: activated gates r, z, n [T, B, 3H],
// then W_hn h_{t-1} + b_hn [T, B, H] (the reset product's other factor), then hidden states.
size_t recurrent_workspace_size(RecurrentMode m, const RecurrentDims& d);

// output [T, B, H], h_n [B, H], c_n [B, H] (LSTM only; else ignored, may be null). c0 LSTM only.
Status recurrent_forward_f32(Isa isa, RecurrentMode mode, const RecurrentDims& d, const float* x,
                             const float* h0, const float* c0, const float* w_ih, const float* w_hh,
                             const float* b_ih, const float* b_hh, float* output, float* h_n,
                             float* c_n, float* ws);

// Gradients of L = sum(output*grad_output) + sum(h_n*grad_h_n) + sum(c_n*grad_c_n); null upstream
// gradients are zero. Weight/bias gradients are overwritten, or added to when accumulate is set;
// null bias gradients are skipped. grad_c0 LSTM only. A GRU's grad_b_ih and grad_b_hh differ in the
// n block (sum dn and sum r*dn, dn the gradient of n's pre-activation).
// clip_hidden_grad_norm > 0 turns on per-step clipping: at every step t, before it flows into the
// gates, each sample's hidden-state gradient dh_t[b, :] (from step t+1 plus grad_output[t, b, :])
// is scaled by min(1, clip / (||dh_t[b, :]||_2 + 1e-6)) (clip_grad_norm's rule, per sample: one
// exploding sequence does not shrink the others' gradients). The cell-state path is not clipped.
// 0 (or any value that is not > 0) leaves the backward exactly as without clipping. Non-finite rows
// follow clip_grad_norm: an Inf norm gives factor 0 (Inf entries become NaN), a NaN norm none.
Status recurrent_backward_f32(Isa isa, RecurrentMode mode, const RecurrentDims& d, const float* x,
                              const float* h0, const float* c0, const float* w_ih,
                              const float* w_hh, const float* ws, const float* grad_output,
                              const float* grad_h_n, const float* grad_c_n, float* grad_x,
                              float* grad_h0, float* grad_c0, float* grad_w_ih, float* grad_w_hh,
                              float* grad_b_ih, float* grad_b_hh, bool accumulate,
                              float clip_hidden_grad_norm = 0.f);

}  // namespace kernels
}  // namespace gradguard
