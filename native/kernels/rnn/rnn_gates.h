// The per-time-step elementwise work of the RNN/LSTM kernels (rnn.cc), one function per ISA
// (namespaces scalar, avx2, neon; AVX-512 uses AVX2's; rnn_gates_kernels() picks): the forward
// epilogue after the step's recurrent GEMM (bias, gate nonlinearities, cell update, h written to
// the workspace and the output in the same pass) and the backward gate gradients (optionally
// clipping each sample's hidden-state gradient first). Every function works on `rows` whole batch
// rows, so rnn.cc can split a step's rows across threads with results that do not depend on the
// split.
//
// Layouts per row: LSTM pre-activations / gates [4H] (i, f, g, o), states [H]; GRU [3H] (r, z, n);
// RNN [H].
// The scalar versions are the reference (std::exp / std::tanh, -ffp-contract=off); the SIMD ones
// use the Cephes float32 polynomials of kernels/activation (a few ulp from the reference). NaN in
// any input propagates to every value computed from it.
#pragma once

#include <cstddef>

#include "core/dispatch.h"

namespace gradguard {
namespace kernels {

// LSTM forward. g [rows, 4H]: the summed GEMM pre-activations on entry (bias not yet added), the
// activated gates on return. bias [4H] = b_ih + b_hh, or null. c_prev [rows, H]. Writes the new
// cell c and hidden h [rows, H], and h again to out [rows, H] unless out is null.
using LstmFwdRowsFn = void (*)(size_t rows, size_t H, float* g, const float* bias,
                               const float* c_prev, float* c, float* h, float* out);

// LSTM backward for one step. g [rows, 4H] activated gates, c / c_prev [rows, H] this and the
// previous cell. dh_t = dh [rows, H] (from the step after) + go [rows, H] (the output gradient, or
// null); when clip > 0 each row of dh_t is scaled by min(1, clip / (||row||_2 + 1e-6)) (norm in
// float64). dc [rows, H]: dc_t on entry, dc_{t-1} on return. Writes dg [rows, 4H], the gradient of
// the gate pre-activations.
using LstmBwdRowsFn = void (*)(size_t rows, size_t H, const float* g, const float* c,
                               const float* c_prev, const float* dh, const float* go, float clip,
                               float* dc, float* dg);

// Elman RNN forward: h [rows, H] holds the pre-activations on entry; adds bias [H] (or null),
// applies tanh (relu == false) or relu (NaN stays NaN) in place, copies the result to out unless
// null.
using RnnFwdRowsFn = void (*)(bool relu, size_t rows, size_t H, float* h, const float* bias,
                              float* out);

// Elman RNN backward for one step: dg = dh_t * act'(h) with dh_t as for LSTM (same clipping), h the
// activated hidden state (relu' is 0 where h <= 0, so NaN gradients stay NaN elsewhere).
using RnnBwdRowsFn = void (*)(bool relu, size_t rows, size_t H, const float* h, const float* dh,
                              const float* go, float clip, float* dg);

// GRU forward (PyTorch's form). g [rows, 3H]: x_t W_ih^T on entry (no bias), the activated gates
// r, z, n on return. gh [rows, 3H]: h_{t-1} W_hh^T (no bias). bias [4H] = (b_ir + b_hr, b_iz +
// b_hz, b_in, b_hn), or null. r = sig(g_r + gh_r + bias_r), z likewise, hn = gh_n + b_hn (written
// to hn [rows, H] for the backward), n = tanh(g_n + b_in + r * hn), h = n + z * (h_prev - n),
// written to h and to out unless null.
using GruFwdRowsFn = void (*)(size_t rows, size_t H, float* g, const float* gh, const float* bias,
                              const float* h_prev, float* hn, float* h, float* out);

// GRU backward for one step. g [rows, 3H] activated gates, hn [rows, H] as the forward wrote it,
// h_prev [rows, H]. dh_t = dh + go, clipped as for LSTM. Writes dgi [rows, 3H] (gradient of the
// input-side pre-activations: dr, dz, dn) and dgh [rows, 3H] (the recurrent side: dr, dz, r * dn),
// and replaces dh with dh_t * z, the part of dh_{t-1} that does not pass through W_hh.
using GruBwdRowsFn = void (*)(size_t rows, size_t H, const float* g, const float* hn,
                              const float* h_prev, float* dh, const float* go, float clip,
                              float* dgi, float* dgh);

struct RnnGateKernels {
  LstmFwdRowsFn lstm_forward;
  LstmBwdRowsFn lstm_backward;
  RnnFwdRowsFn rnn_forward;
  RnnBwdRowsFn rnn_backward;
  GruFwdRowsFn gru_forward;
  GruBwdRowsFn gru_backward;
};

// The table for `isa` (which must be supported by this CPU).
const RnnGateKernels& rnn_gates_kernels(Isa isa);

#define GG_RNN_GATES_DECLARE(Enum, ns, ...)                                                        \
  namespace ns {                                                                                   \
  void lstm_fwd_rows_f32__##ns(size_t rows, size_t H, float* g, const float* bias,                 \
                               const float* c_prev, float* c, float* h, float* out);               \
  void lstm_bwd_rows_f32__##ns(size_t rows, size_t H, const float* g, const float* c,              \
                               const float* c_prev, const float* dh, const float* go, float clip,  \
                               float* dc, float* dg);                                              \
  void rnn_fwd_rows_f32__##ns(bool relu, size_t rows, size_t H, float* h, const float* bias,       \
                              float* out);                                                         \
  void rnn_bwd_rows_f32__##ns(bool relu, size_t rows, size_t H, const float* h, const float* dh,   \
                              const float* go, float clip, float* dg);                             \
  void gru_fwd_rows_f32__##ns(size_t rows, size_t H, float* g, const float* gh, const float* bias, \
                              const float* h_prev, float* hn, float* h, float* out);               \
  void gru_bwd_rows_f32__##ns(size_t rows, size_t H, const float* g, const float* hn,              \
                              const float* h_prev, float* dh, const float* go, float clip,         \
                              float* dgi, float* dgh);                                             \
  }

// Declared for every ISA of the list; defined where a file <family>_<isa>.cc exists, and
// named only by the table rows of those ISAs.
GG_ISA_LIST(GG_RNN_GATES_DECLARE)
#undef GG_RNN_GATES_DECLARE

}  // namespace kernels
}  // namespace gradguard
