// Recurrent bindings: one-layer RNN (tanh/relu), LSTM and GRU forward/backward, sync and *Async
// (libuv worker thread). Every array length is re-checked against (mode, seqLen, batch, inputSize,
// hiddenSize) before a kernel runs; optional arrays are null.
#include <napi.h>

#include <cmath>
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "addon/job.h"
#include "kernels/rnn/rnn.h"

namespace gradguard {
namespace addon {
namespace {

using kernels::RecurrentDims;
using kernels::RecurrentMode;

// Arguments 0..4: mode, seqLen, batch, inputSize, hiddenSize.
RecurrentMode mode_and_dims(const Napi::CallbackInfo& info, RecurrentDims* d) {
  const double m = arg_number(info, 0, "mode");
  if (m != 0 && m != 1 && m != 2 && m != 3) throw_range(info.Env(), "mode must be 0, 1, 2 or 3");
  // 2^53 - 1 like every dimension (it was 2^32 - 1 here, tighter than the TS layer for no reason
  // of the kernel's, which indexes with size_t): the product check below is what keeps the lengths
  // computed from these from wrapping around.
  d->seq_len = arg_dim(info, 1, "seqLen");
  d->batch = arg_dim(info, 2, "batch");
  d->input_size = arg_dim(info, 3, "inputSize");
  d->hidden_size = arg_dim(info, 4, "hiddenSize");
  if (d->input_size == 0 || d->hidden_size == 0) {
    throw_range(info.Env(), "inputSize and hiddenSize must be >= 1");
  }
  // Every length below is a product of these; reject dimensions whose products could wrap around
  // (6 T B H for the LSTM workspace, T B I, 4 H I, 4 H H): in double (relative error ~1e-16),
  // a product below 2^62 is far below 2^64.
  const double lim = 4611686018427387904.0;  // 2^62
  const double T = static_cast<double>(d->seq_len), B = static_cast<double>(d->batch);
  const double I = static_cast<double>(d->input_size), H = static_cast<double>(d->hidden_size);
  if (6 * T * B * H >= lim || T * B * I >= lim || 4 * H * I >= lim || 4 * H * H >= lim) {
    throw_range(info.Env(), "shape is too large");
  }
  return static_cast<RecurrentMode>(static_cast<int>(m));
}

// (mode, T, B, I, H, x, h0, c0|null, wIh, wHh, bIh|null, bHh|null, output, hN, cN|null, ws)
Job recurrent_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 16);
  RecurrentDims d;
  const RecurrentMode mode = mode_and_dims(info, &d);
  const bool lstm = mode == RecurrentMode::kLstm;
  const size_t T = d.seq_len, B = d.batch, I = d.input_size, H = d.hidden_size;
  const size_t GH = kernels::recurrent_gates(mode) * H;
  const float* x = float32_exact(info, 5, "input", T * B * I);
  const float* h0 = float32_exact(info, 6, "h0", B * H);
  const float* c0 = lstm ? float32_exact(info, 7, "c0", B * H) : nullptr;
  const float* w_ih = float32_exact(info, 8, "weightIh", GH * I);
  const float* w_hh = float32_exact(info, 9, "weightHh", GH * H);
  const float* b_ih = float32_exact(info, 10, "biasIh", GH, true);
  const float* b_hh = float32_exact(info, 11, "biasHh", GH, true);
  float* out = float32_exact(info, 12, "output", T * B * H);
  float* h_n = float32_exact(info, 13, "hN", B * H);
  float* c_n = lstm ? float32_exact(info, 14, "cN", B * H) : nullptr;
  float* ws = float32_exact(info, 15, "workspace", kernels::recurrent_workspace_size(mode, d));
  const Isa isa = active_isa();
  return [=] {
    return kernels::recurrent_forward_f32(isa, mode, d, x, h0, c0, w_ih, w_hh, b_ih, b_hh, out, h_n,
                                          c_n, ws);
  };
}

// (mode, T, B, I, H, x, h0, c0|null, wIh, wHh, ws, gradOutput|null, gradHN|null, gradCN|null,
//  gradInput, gradH0, gradC0|null, gradWIh, gradWHh, gradBIh|null, gradBHh|null, accumulate
//  [, clipHiddenGradNorm: 0 = off])
Job recurrent_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 22);
  RecurrentDims d;
  const RecurrentMode mode = mode_and_dims(info, &d);
  const bool lstm = mode == RecurrentMode::kLstm;
  const size_t T = d.seq_len, B = d.batch, I = d.input_size, H = d.hidden_size;
  const size_t GH = kernels::recurrent_gates(mode) * H;
  const float* x = float32_exact(info, 5, "input", T * B * I);
  const float* h0 = float32_exact(info, 6, "h0", B * H);
  const float* c0 = lstm ? float32_exact(info, 7, "c0", B * H) : nullptr;
  const float* w_ih = float32_exact(info, 8, "weightIh", GH * I);
  const float* w_hh = float32_exact(info, 9, "weightHh", GH * H);
  const float* ws =
      float32_exact(info, 10, "workspace", kernels::recurrent_workspace_size(mode, d));
  const float* go = float32_exact(info, 11, "gradOutput", T * B * H, true);
  const float* ghn = float32_exact(info, 12, "gradHN", B * H, true);
  const float* gcn = lstm ? float32_exact(info, 13, "gradCN", B * H, true) : nullptr;
  float* gx = float32_exact(info, 14, "gradInput", T * B * I);
  float* gh0 = float32_exact(info, 15, "gradH0", B * H);
  float* gc0 = lstm ? float32_exact(info, 16, "gradC0", B * H) : nullptr;
  float* gwih = float32_exact(info, 17, "gradWeightIh", GH * I);
  float* gwhh = float32_exact(info, 18, "gradWeightHh", GH * H);
  float* gbih = float32_exact(info, 19, "gradBiasIh", GH, true);
  float* gbhh = float32_exact(info, 20, "gradBiasHh", GH, true);
  const bool accumulate = arg_bool(info, 21, "accumulate");
  const double clip = info.Length() > 22 ? arg_number(info, 22, "clipHiddenGradNorm") : 0.0;
  const float clip_f = static_cast<float>(clip);
  // A positive threshold that is 0 in float32 would switch clipping off (the JS backend clips).
  if (!(clip >= 0) || (clip > 0 && !(clip_f > 0.f)) || std::isinf(clip_f)) {
    throw_range(info.Env(), "clipHiddenGradNorm must be 0 (off) or positive and finite in float32");
  }
  const Isa isa = active_isa();
  return [=] {
    return kernels::recurrent_backward_f32(isa, mode, d, x, h0, c0, w_ih, w_hh, ws, go, ghn, gcn,
                                           gx, gh0, gc0, gwih, gwhh, gbih, gbhh, accumulate,
                                           clip_f);
  };
}

Napi::Value RecurrentForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, recurrent_forward_job(info), "recurrentForward");
}
Napi::Value RecurrentForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, recurrent_forward_job(info), "recurrentForwardAsync");
}
Napi::Value RecurrentBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, recurrent_backward_job(info), "recurrentBackward");
}
Napi::Value RecurrentBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, recurrent_backward_job(info), "recurrentBackwardAsync");
}

}  // namespace

void init_rnn(Napi::Env env, Napi::Object exports) {
  exports.Set("recurrentForward", Napi::Function::New(env, RecurrentForward, "recurrentForward"));
  exports.Set("recurrentBackward",
              Napi::Function::New(env, RecurrentBackward, "recurrentBackward"));
  exports.Set("recurrentForwardAsync",
              Napi::Function::New(env, RecurrentForwardAsync, "recurrentForwardAsync"));
  exports.Set("recurrentBackwardAsync",
              Napi::Function::New(env, RecurrentBackwardAsync, "recurrentBackwardAsync"));
}

}  // namespace addon
}  // namespace gradguard
