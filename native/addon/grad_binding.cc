// Gradient toolkit bindings: total norm, fused norm + clip, scale, value clamp, statistics, AGC.
// Sync and async (a Promise, work on a libuv thread) forms share one compute path each.
#include <napi.h>

#include <memory>
#include <vector>

#include "addon/args.h"
#include "addon/bindings.h"
#include "addon/promise_worker.h"
#include "kernels/norm/agc.h"
#include "kernels/norm/multi_tensor.h"

namespace gradguard {
namespace addon {
namespace {

using kernels::Span;
using SpanList = std::shared_ptr<std::vector<Span>>;

// Unpacks (tensors, segments) at argument i into a fresh span list (async calls keep it).
SpanList spans_at(const Napi::CallbackInfo& info, size_t i, const char* name) {
  auto spans = std::make_shared<std::vector<Span>>();
  tensor_list(info, i, name, spans.get());
  return spans;
}

// For sync calls: a span vector reused across calls on this thread (no allocation in steady state).
std::vector<Span>& sync_spans(const Napi::CallbackInfo& info, size_t i, const char* name) {
  thread_local std::vector<Span> spans;
  tensor_list(info, i, name, &spans);
  return spans;
}

double checked_norm_type(const Napi::CallbackInfo& info, size_t i) {
  const double p = arg_number(info, i, "normType");
  if (!(p > 0.0)) throw_range(info.Env(), "normType must be > 0 or Infinity");
  return p;
}

// The fused clip. On kNonFinite (errorIfNonfinite and a NaN/Inf total) nothing was scaled and the
// non-finite total is returned all the same: the TS layer raises NonFiniteGradientError, naming
// the first offending tensor from perTensorOut.
double clip_by_norm(Isa isa, const std::vector<Span>& spans, double max_norm, double p,
                    bool error_if_nonfinite, double* per_tensor) {
  double total = 0.0;
  kernels::multi_tensor_clip_by_norm(isa, spans.data(), spans.size(), max_norm, p,
                                     error_if_nonfinite, &total, per_tensor);
  return total;
}

Napi::Value stats_object(Napi::Env env, const kernels::GradStats& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("totalNorm", s.total_norm);
  o.Set("maxAbs", static_cast<double>(s.max_abs));
  o.Set("nonFiniteCount", static_cast<double>(s.nonfinite));
  o.Set("firstNonFiniteIndex", static_cast<double>(s.first_nonfinite));
  return o;
}

// (tensors, segments, normType, perTensorOut?) -> number
Napi::Value GradNorm(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 3);
  std::vector<Span>& spans = sync_spans(info, 0, "tensors");
  const double p = checked_norm_type(info, 2);
  double* per = optional_float64_out(info, 3, "perTensorOut", spans.size());
  return Napi::Number::New(
      info.Env(), kernels::multi_tensor_norm(active_isa(), spans.data(), spans.size(), p, per));
}

Napi::Value GradNormAsync(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 3);
  SpanList spans = spans_at(info, 0, "tensors");
  const double p = checked_norm_type(info, 2);
  double* per = optional_float64_out(info, 3, "perTensorOut", spans->size());
  const Isa isa = active_isa();
  auto total = std::make_shared<double>(0.0);
  return queue_async(
      info, "getTotalNormAsync", {0, 1, 3},
      [=] {
        *total = kernels::multi_tensor_norm(isa, spans->data(), spans->size(), p, per);
        return Status::kOk;
      },
      [=](Napi::Env env) { return Napi::Number::New(env, *total); });
}

// (tensors, segments, maxNorm, normType, errorIfNonfinite, perTensorOut?) -> total norm
Napi::Value ClipGradNorm(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 5);
  std::vector<Span>& spans = sync_spans(info, 0, "tensors");
  const double max_norm = arg_number(info, 2, "maxNorm");
  const double p = checked_norm_type(info, 3);
  const bool err = arg_bool(info, 4, "errorIfNonfinite");
  double* per = optional_float64_out(info, 5, "perTensorOut", spans.size());
  return Napi::Number::New(info.Env(), clip_by_norm(active_isa(), spans, max_norm, p, err, per));
}

Napi::Value ClipGradNormAsync(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 5);
  SpanList spans = spans_at(info, 0, "tensors");
  const double max_norm = arg_number(info, 2, "maxNorm");
  const double p = checked_norm_type(info, 3);
  const bool err = arg_bool(info, 4, "errorIfNonfinite");
  double* per = optional_float64_out(info, 5, "perTensorOut", spans->size());
  const Isa isa = active_isa();
  auto total = std::make_shared<double>(0.0);
  return queue_async(
      info, "clipGradNormAsync", {0, 1, 5},
      [=] {
        *total = clip_by_norm(isa, *spans, max_norm, p, err, per);
        return Status::kOk;
      },
      [=](Napi::Env env) { return Napi::Number::New(env, *total); });
}

// (tensors, segments, scale) -> undefined
Napi::Value ScaleGrads(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 3);
  std::vector<Span>& spans = sync_spans(info, 0, "tensors");
  const float s = static_cast<float>(arg_number(info, 2, "scale"));
  kernels::multi_tensor_scale(active_isa(), spans.data(), spans.size(), s);
  return info.Env().Undefined();
}

Napi::Value ScaleGradsAsync(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 3);
  SpanList spans = spans_at(info, 0, "tensors");
  const float s = static_cast<float>(arg_number(info, 2, "scale"));
  const Isa isa = active_isa();
  return queue_async(
      info, "clipGradsWithNormAsync", {0, 1},
      [=] {
        kernels::multi_tensor_scale(isa, spans->data(), spans->size(), s);
        return Status::kOk;
      },
      [](Napi::Env env) { return env.Undefined(); });
}

// (tensors, segments, lo, hi) -> undefined
Napi::Value ClampGrads(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 4);
  std::vector<Span>& spans = sync_spans(info, 0, "tensors");
  const float lo = static_cast<float>(arg_number(info, 2, "lo"));
  const float hi = static_cast<float>(arg_number(info, 3, "hi"));
  if (!(lo <= hi)) throw_range(info.Env(), "clip bounds must satisfy lo <= hi");
  kernels::multi_tensor_clamp(active_isa(), spans.data(), spans.size(), lo, hi);
  return info.Env().Undefined();
}

Napi::Value ClampGradsAsync(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 4);
  SpanList spans = spans_at(info, 0, "tensors");
  const float lo = static_cast<float>(arg_number(info, 2, "lo"));
  const float hi = static_cast<float>(arg_number(info, 3, "hi"));
  if (!(lo <= hi)) throw_range(info.Env(), "clip bounds must satisfy lo <= hi");
  const Isa isa = active_isa();
  return queue_async(
      info, "clipGradValueAsync", {0, 1},
      [=] {
        kernels::multi_tensor_clamp(isa, spans->data(), spans->size(), lo, hi);
        return Status::kOk;
      },
      [](Napi::Env env) { return env.Undefined(); });
}

// (tensors, segments, perTensorOut?) -> { totalNorm, maxAbs, nonFiniteCount, firstNonFiniteIndex }
Napi::Value GradStats(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 2);
  std::vector<Span>& spans = sync_spans(info, 0, "tensors");
  double* per = optional_float64_out(info, 2, "perTensorOut", spans.size());
  return stats_object(info.Env(),
                      kernels::multi_tensor_stats(active_isa(), spans.data(), spans.size(), per));
}

Napi::Value GradStatsAsync(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 2);
  SpanList spans = spans_at(info, 0, "tensors");
  double* per = optional_float64_out(info, 2, "perTensorOut", spans->size());
  const Isa isa = active_isa();
  auto stats = std::make_shared<kernels::GradStats>();
  return queue_async(
      info, "gradStatsAsync", {0, 1, 2},
      [=] {
        *stats = kernels::multi_tensor_stats(isa, spans->data(), spans->size(), per);
        return Status::kOk;
      },
      [=](Napi::Env env) { return stats_object(env, *stats); });
}

// (params, paramSegments, grads, gradSegments, units: Uint32Array, clipping, eps) -> undefined
Napi::Value AgcClip(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 7);
  std::vector<Span> params;
  std::vector<Span> grads;
  tensor_list(info, 0, "params", &params);
  tensor_list(info, 2, "grads", &grads);
  if (params.size() != grads.size()) throw_range(info.Env(), "params and grads differ in count");
  if (!info[4].IsTypedArray() ||
      info[4].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
      info[4].As<Napi::Uint32Array>().ElementLength() != params.size()) {
    throw_type(info.Env(), "units must be a Uint32Array with one entry per tensor");
  }
  const uint32_t* units = info[4].As<Napi::Uint32Array>().Data();
  for (size_t t = 0; t < params.size(); ++t) {
    if (params[t].size != grads[t].size) {
      throw_range(info.Env(), "params[" + std::to_string(t) + "] and grads[" + std::to_string(t) +
                                  "] differ in length");
    }
    if (params[t].size > 0 && (units[t] == 0 || params[t].size % units[t] != 0)) {
      throw_range(info.Env(), "units[" + std::to_string(t) + "] does not divide the tensor");
    }
  }
  const double clipping = arg_number(info, 5, "clipping");
  const double eps = arg_number(info, 6, "eps");
  kernels::agc_clip(active_isa(), params.data(), grads.data(), units, params.size(), clipping, eps);
  return info.Env().Undefined();
}

}  // namespace

void init_grad(Napi::Env env, Napi::Object exports) {
  exports.Set("gradNorm", Napi::Function::New(env, GradNorm, "gradNorm"));
  exports.Set("gradNormAsync", Napi::Function::New(env, GradNormAsync, "gradNormAsync"));
  exports.Set("clipGradNorm", Napi::Function::New(env, ClipGradNorm, "clipGradNorm"));
  exports.Set("clipGradNormAsync",
              Napi::Function::New(env, ClipGradNormAsync, "clipGradNormAsync"));
  exports.Set("scaleGrads", Napi::Function::New(env, ScaleGrads, "scaleGrads"));
  exports.Set("scaleGradsAsync", Napi::Function::New(env, ScaleGradsAsync, "scaleGradsAsync"));
  exports.Set("clampGrads", Napi::Function::New(env, ClampGrads, "clampGrads"));
  exports.Set("clampGradsAsync", Napi::Function::New(env, ClampGradsAsync, "clampGradsAsync"));
  exports.Set("gradStats", Napi::Function::New(env, GradStats, "gradStats"));
  exports.Set("gradStatsAsync", Napi::Function::New(env, GradStatsAsync, "gradStatsAsync"));
  exports.Set("agcClip", Napi::Function::New(env, AgcClip, "agcClip"));
}

}  // namespace addon
}  // namespace gradguard
