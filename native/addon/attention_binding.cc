// Scaled dot-product attention bindings: forward and backward, sync and *Async (libuv worker
// thread), on [batch, heads, L, d] tensors and on self-attention's packed [L, batch, 3·E]
// projections. The dimensions arrive as integers; every array length is re-checked against them
// (products checked for overflow), causal needs lq == lk, the mask is null or [lq, lk], the scale a
// finite number.
#include <napi.h>

#include <cmath>
#include <cstdint>

#include "addon/args.h"
#include "addon/bindings.h"
#include "addon/job.h"
#include "core/dispatch.h"
#include "kernels/attention/attention.h"

namespace gradguard {
namespace addon {
namespace {

size_t mul(const Napi::CallbackInfo& info, size_t a, size_t b) {
  if (b != 0 && a > SIZE_MAX / b) throw_range(info.Env(), "shape is too large");
  return a * b;
}

// (batch, heads, lq, lk, d, dv, causal, mask|null, scale) from argument `i` on.
kernels::AttentionShape shape_args(const Napi::CallbackInfo& info, size_t i) {
  kernels::AttentionShape s{};
  s.batch = arg_dim(info, i, "batch");
  s.heads = arg_dim(info, i + 1, "heads");
  s.lq = arg_dim(info, i + 2, "lq");
  s.lk = arg_dim(info, i + 3, "lk");
  s.d = arg_dim(info, i + 4, "d");
  s.dv = arg_dim(info, i + 5, "dv");
  s.causal = arg_bool(info, i + 6, "causal");
  if (s.causal && s.lq != s.lk) throw_range(info.Env(), "causal needs lq == lk");
  s.mask = float32_exact(info, i + 7, "mask", mul(info, s.lq, s.lk), true);
  const double scale = arg_number(info, i + 8, "scale");
  if (!std::isfinite(scale)) throw_range(info.Env(), "scale must be finite");
  s.scale = static_cast<float>(scale);
  return s;
}

struct Sizes {
  size_t q, k, v, out, lse;
};

Sizes sizes(const Napi::CallbackInfo& info, const kernels::AttentionShape& s) {
  const size_t bh = mul(info, s.batch, s.heads);
  const size_t rows_q = mul(info, bh, s.lq), rows_k = mul(info, bh, s.lk);
  return {mul(info, rows_q, s.d), mul(info, rows_k, s.d), mul(info, rows_k, s.dv),
          mul(info, rows_q, s.dv), rows_q};
}

// (q, k, v, out, lse, batch, heads, lq, lk, d, dv, causal, mask|null, scale) -> undefined
Job attention_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 14);
  const kernels::AttentionShape s = shape_args(info, 5);
  const Sizes z = sizes(info, s);
  const float* q = float32_exact(info, 0, "q", z.q);
  const float* k = float32_exact(info, 1, "k", z.k);
  const float* v = float32_exact(info, 2, "v", z.v);
  float* out = float32_exact(info, 3, "out", z.out);
  float* lse = float32_exact(info, 4, "lse", z.lse);
  const Isa isa = active_isa();
  return [=] { return kernels::attention_forward_f32(isa, s, q, k, v, out, lse); };
}

Napi::Value AttentionForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, attention_forward_job(info), "attentionForward");
}
Napi::Value AttentionForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, attention_forward_job(info), "attentionForwardAsync");
}

// (q, k, v, out, lse, gradOut, gradQ|null, gradK|null, gradV|null, batch, heads, lq, lk, d, dv,
//  causal, mask|null, scale) -> undefined
Job attention_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 18);
  const kernels::AttentionShape s = shape_args(info, 9);
  const Sizes z = sizes(info, s);
  const float* q = float32_exact(info, 0, "q", z.q);
  const float* k = float32_exact(info, 1, "k", z.k);
  const float* v = float32_exact(info, 2, "v", z.v);
  const float* out = float32_exact(info, 3, "out", z.out);
  const float* lse = float32_exact(info, 4, "lse", z.lse);
  const float* go = float32_exact(info, 5, "gradOut", z.out);
  float* gq = float32_exact(info, 6, "gradQ", z.q, true);
  float* gk = float32_exact(info, 7, "gradK", z.k, true);
  float* gv = float32_exact(info, 8, "gradV", z.v, true);
  const Isa isa = active_isa();
  return [=] { return kernels::attention_backward_f32(isa, s, q, k, v, out, lse, go, gq, gk, gv); };
}

Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, attention_backward_job(info), "attentionBackward");
}
Napi::Value AttentionBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, attention_backward_job(info), "attentionBackwardAsync");
}

// Self-attention on PyTorch's packed projections: (seqLen, batch, heads, headDim, causal,
// mask|null, scale) from argument `i` on; lq = lk = seqLen, d = dv = headDim.
struct Packed {
  kernels::AttentionShape s;
  kernels::AttentionLayout lay;
  size_t qkv, out, lse;  // lengths
  size_t e;              // heads·headDim: k starts e floats into qkv, v 2e
};

Packed packed_args(const Napi::CallbackInfo& info, size_t i) {
  Packed p{};
  const size_t L = arg_dim(info, i, "seqLen");
  kernels::AttentionShape& s = p.s;
  s.batch = arg_dim(info, i + 1, "batch");
  s.heads = arg_dim(info, i + 2, "heads");
  s.d = s.dv = arg_dim(info, i + 3, "headDim");
  s.lq = s.lk = L;
  s.causal = arg_bool(info, i + 4, "causal");
  s.mask = float32_exact(info, i + 5, "mask", mul(info, L, L), true);
  const double scale = arg_number(info, i + 6, "scale");
  if (!std::isfinite(scale)) throw_range(info.Env(), "scale must be finite");
  s.scale = static_cast<float>(scale);
  p.e = mul(info, s.heads, s.d);
  const size_t rows = mul(info, L, s.batch);
  p.qkv = mul(info, mul(info, rows, p.e), 3);
  p.out = mul(info, rows, p.e);
  p.lse = mul(info, mul(info, s.batch, s.heads), L);
  const kernels::AttentionStrides in{3 * p.e, s.d, s.batch * 3 * p.e};
  p.lay = {in, in, in, {p.e, s.d, s.batch * p.e}};
  return p;
}

// (qkv, out, lse, seqLen, batch, heads, headDim, causal, mask|null, scale) -> undefined
Job self_attention_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 10);
  const Packed p = packed_args(info, 3);
  const float* qkv = float32_exact(info, 0, "qkv", p.qkv);
  float* out = float32_exact(info, 1, "out", p.out);
  float* lse = float32_exact(info, 2, "lse", p.lse);
  const Isa isa = active_isa();
  return [=] {
    return kernels::attention_forward_strided_f32(isa, p.s, p.lay, qkv, qkv + p.e, qkv + 2 * p.e,
                                                  out, lse);
  };
}

Napi::Value SelfAttentionForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, self_attention_forward_job(info), "selfAttentionForward");
}
Napi::Value SelfAttentionForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, self_attention_forward_job(info), "selfAttentionForwardAsync");
}

// (qkv, out, lse, gradOut, gradQkv, seqLen, batch, heads, headDim, causal, mask|null, scale)
Job self_attention_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 12);
  const Packed p = packed_args(info, 5);
  const float* qkv = float32_exact(info, 0, "qkv", p.qkv);
  const float* out = float32_exact(info, 1, "out", p.out);
  const float* lse = float32_exact(info, 2, "lse", p.lse);
  const float* go = float32_exact(info, 3, "gradOut", p.out);
  float* g = float32_exact(info, 4, "gradQkv", p.qkv);
  const Isa isa = active_isa();
  return [=] {
    return kernels::attention_backward_strided_f32(isa, p.s, p.lay, qkv, qkv + p.e, qkv + 2 * p.e,
                                                   out, lse, go, g, g + p.e, g + 2 * p.e);
  };
}

Napi::Value SelfAttentionBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, self_attention_backward_job(info), "selfAttentionBackward");
}
Napi::Value SelfAttentionBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, self_attention_backward_job(info), "selfAttentionBackwardAsync");
}

}  // namespace

void init_attention(Napi::Env env, Napi::Object exports) {
  exports.Set("attentionForward", Napi::Function::New(env, AttentionForward, "attentionForward"));
  exports.Set("attentionForwardAsync",
              Napi::Function::New(env, AttentionForwardAsync, "attentionForwardAsync"));
  exports.Set("attentionBackward",
              Napi::Function::New(env, AttentionBackward, "attentionBackward"));
  exports.Set("attentionBackwardAsync",
              Napi::Function::New(env, AttentionBackwardAsync, "attentionBackwardAsync"));
  exports.Set("selfAttentionForward",
              Napi::Function::New(env, SelfAttentionForward, "selfAttentionForward"));
  exports.Set("selfAttentionForwardAsync",
              Napi::Function::New(env, SelfAttentionForwardAsync, "selfAttentionForwardAsync"));
  exports.Set("selfAttentionBackward",
              Napi::Function::New(env, SelfAttentionBackward, "selfAttentionBackward"));
  exports.Set("selfAttentionBackwardAsync",
              Napi::Function::New(env, SelfAttentionBackwardAsync, "selfAttentionBackwardAsync"));
}

}  // namespace addon
}  // namespace gradguard
