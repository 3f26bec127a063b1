// Normalisation bindings: BatchNorm1d and LayerNorm forward/backward, sync and *Async (libuv worker
// thread). Shapes arrive as
// integers and every array length is re-checked against them before the kernel runs; optional
// arrays are null.
#include <napi.h>

#include <cstdint>
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "addon/job.h"
#include "core/dispatch.h"
#include "kernels/normalization/normalization.h"

namespace gradguard {
namespace addon {
namespace {

// a * b, or a RangeError when the product does not fit (JS could pass dimensions whose product
// wraps around to the length of a small array).
size_t checked_mul(const Napi::CallbackInfo& info, size_t a, size_t b) {
  if (b != 0 && a > SIZE_MAX / b) throw_range(info.Env(), "shape is too large");
  return a * b;
}

double* f64(const Napi::CallbackInfo& info, size_t i, const char* name, size_t len) {
  if (!info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw_type(info.Env(), std::string(name) + " must be a Float64Array");
  }
  Napi::Float64Array a = info[i].As<Napi::Float64Array>();
  if (a.ElementLength() != len) {
    throw_range(info.Env(), std::string(name) + " must have " + std::to_string(len) + " elements");
  }
  return len == 0 ? nullptr : a.Data();
}

// (x, n, c, weight|null, bias|null, runningMean|null, runningVar|null, training, momentum, eps,
//  y, saveMean, saveInvstd) -> undefined
Job batch_norm_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 13);
  const size_t n = arg_dim(info, 1, "batch"), c = arg_dim(info, 2, "features");
  checked_mul(info, n, c);
  const float* x = float32_exact(info, 0, "x", n * c);
  const float* w = float32_exact(info, 3, "weight", c, true);
  const float* b = float32_exact(info, 4, "bias", c, true);
  float* rm = float32_exact(info, 5, "runningMean", c, true);
  float* rv = float32_exact(info, 6, "runningVar", c, true);
  const bool training = arg_bool(info, 7, "training");
  const double momentum = arg_number(info, 8, "momentum");
  const double eps = arg_number(info, 9, "eps");
  float* y = float32_exact(info, 10, "y", n * c);
  double* sm = f64(info, 11, "saveMean", c);
  double* si = f64(info, 12, "saveInvstd", c);
  if (training && n < 2) throw_range(info.Env(), "batch must be >= 2 in training");
  // Presence is judged by the arguments: an empty (features 0) array has a null data pointer.
  const bool has_rm = !info[5].IsNull() && !info[5].IsUndefined();
  const bool has_rv = !info[6].IsNull() && !info[6].IsUndefined();
  if (!training && (!has_rm || !has_rv)) {
    throw_type(info.Env(), "runningMean and runningVar are required in eval mode");
  }
  if (has_rm != has_rv) {
    throw_type(info.Env(), "runningMean and runningVar must both be given or both be null");
  }
  const Isa isa = active_isa();
  return [=] {
    kernels::batchnorm1d_forward_f32(isa, x, n, c, w, b, rm, rv, training, momentum, eps, y, sm,
                                     si);
    return Status::kOk;
  };
}

Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, batch_norm_forward_job(info), "batchNormForward");
}
Napi::Value BatchNormForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, batch_norm_forward_job(info), "batchNormForwardAsync");
}

// (dy, x, n, c, weight|null, saveMean, saveInvstd, training, dx|null, dw|null, db|null, accumulate)
Job batch_norm_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 12);
  const size_t n = arg_dim(info, 2, "batch"), c = arg_dim(info, 3, "features");
  checked_mul(info, n, c);
  const float* dy = float32_exact(info, 0, "gradY", n * c);
  const float* x = float32_exact(info, 1, "x", n * c);
  const float* w = float32_exact(info, 4, "weight", c, true);
  const double* sm = f64(info, 5, "saveMean", c);
  const double* si = f64(info, 6, "saveInvstd", c);
  const bool training = arg_bool(info, 7, "training");
  float* dx = float32_exact(info, 8, "gradX", n * c, true);
  float* dw = float32_exact(info, 9, "gradWeight", c, true);
  float* db = float32_exact(info, 10, "gradBias", c, true);
  const bool accumulate = arg_bool(info, 11, "accumulate");
  const Isa isa = active_isa();
  return [=] {
    kernels::batchnorm1d_backward_f32(isa, dy, x, n, c, w, sm, si, training, dx, dw, db,
                                      accumulate);
    return Status::kOk;
  };
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, batch_norm_backward_job(info), "batchNormBackward");
}
Napi::Value BatchNormBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, batch_norm_backward_job(info), "batchNormBackwardAsync");
}

// (x, m, d, weight|null, bias|null, eps, y, saveMean, saveInvstd) -> undefined
Job layer_norm_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 9);
  const size_t m = arg_dim(info, 1, "rows"), d = arg_dim(info, 2, "normalizedSize");
  checked_mul(info, m, d);
  if (d == 0) throw_range(info.Env(), "normalizedSize must be >= 1");
  const float* x = float32_exact(info, 0, "x", m * d);
  const float* w = float32_exact(info, 3, "weight", d, true);
  const float* b = float32_exact(info, 4, "bias", d, true);
  const double eps = arg_number(info, 5, "eps");
  float* y = float32_exact(info, 6, "y", m * d);
  double* sm = f64(info, 7, "saveMean", m);
  double* si = f64(info, 8, "saveInvstd", m);
  const Isa isa = active_isa();
  return [=] {
    kernels::layernorm_forward_f32(isa, x, m, d, w, b, eps, y, sm, si);
    return Status::kOk;
  };
}

Napi::Value LayerNormForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, layer_norm_forward_job(info), "layerNormForward");
}
Napi::Value LayerNormForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, layer_norm_forward_job(info), "layerNormForwardAsync");
}

// (dy, x, m, d, weight|null, saveMean, saveInvstd, dx|null, dw|null, db|null, accumulate)
Job layer_norm_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 11);
  const size_t m = arg_dim(info, 2, "rows"), d = arg_dim(info, 3, "normalizedSize");
  checked_mul(info, m, d);
  if (d == 0) throw_range(info.Env(), "normalizedSize must be >= 1");
  const float* dy = float32_exact(info, 0, "gradY", m * d);
  const float* x = float32_exact(info, 1, "x", m * d);
  const float* w = float32_exact(info, 4, "weight", d, true);
  const double* sm = f64(info, 5, "saveMean", m);
  const double* si = f64(info, 6, "saveInvstd", m);
  float* dx = float32_exact(info, 7, "gradX", m * d, true);
  float* dw = float32_exact(info, 8, "gradWeight", d, true);
  float* db = float32_exact(info, 9, "gradBias", d, true);
  const bool accumulate = arg_bool(info, 10, "accumulate");
  const Isa isa = active_isa();
  return [=] {
    kernels::layernorm_backward_f32(isa, dy, x, m, d, w, sm, si, dx, dw, db, accumulate);
    return Status::kOk;
  };
}

Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, layer_norm_backward_job(info), "layerNormBackward");
}
Napi::Value LayerNormBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, layer_norm_backward_job(info), "layerNormBackwardAsync");
}

// (x, n, c, plane, weight|null, bias|null, runningMean|null, runningVar|null, training, momentum,
//  eps, y, saveMean, saveInvstd) -> undefined; BatchNorm2d over [n, c, plane = H*W].
Job batch_norm2d_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 14);
  const size_t n = arg_dim(info, 1, "batch"), c = arg_dim(info, 2, "channels");
  const size_t plane = arg_dim(info, 3, "plane");
  const size_t len = checked_mul(info, checked_mul(info, n, c), plane);
  const float* x = float32_exact(info, 0, "x", len);
  const float* w = float32_exact(info, 4, "weight", c, true);
  const float* b = float32_exact(info, 5, "bias", c, true);
  float* rm = float32_exact(info, 6, "runningMean", c, true);
  float* rv = float32_exact(info, 7, "runningVar", c, true);
  const bool training = arg_bool(info, 8, "training");
  const double momentum = arg_number(info, 9, "momentum");
  const double eps = arg_number(info, 10, "eps");
  float* y = float32_exact(info, 11, "y", len);
  double* sm = f64(info, 12, "saveMean", c);
  double* si = f64(info, 13, "saveInvstd", c);
  if (training && n * plane < 2) throw_range(info.Env(), "batch*plane must be >= 2 in training");
  const bool has_rm = !info[6].IsNull() && !info[6].IsUndefined();
  const bool has_rv = !info[7].IsNull() && !info[7].IsUndefined();
  if (!training && (!has_rm || !has_rv)) {
    throw_type(info.Env(), "runningMean and runningVar are required in eval mode");
  }
  if (has_rm != has_rv) {
    throw_type(info.Env(), "runningMean and runningVar must both be given or both be null");
  }
  const Isa isa = active_isa();
  return [=] {
    kernels::batchnorm2d_forward_f32(isa, x, n, c, plane, w, b, rm, rv, training, momentum, eps, y,
                                     sm, si);
    return Status::kOk;
  };
}

Napi::Value BatchNorm2dForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, batch_norm2d_forward_job(info), "batchNorm2dForward");
}
Napi::Value BatchNorm2dForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, batch_norm2d_forward_job(info), "batchNorm2dForwardAsync");
}

// (dy, x, n, c, plane, weight|null, saveMean, saveInvstd, training, dx|null, dw|null, db|null,
//  accumulate) -> undefined
Job batch_norm2d_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 13);
  const size_t n = arg_dim(info, 2, "batch"), c = arg_dim(info, 3, "channels");
  const size_t plane = arg_dim(info, 4, "plane");
  const size_t len = checked_mul(info, checked_mul(info, n, c), plane);
  const float* dy = float32_exact(info, 0, "gradY", len);
  const float* x = float32_exact(info, 1, "x", len);
  const float* w = float32_exact(info, 5, "weight", c, true);
  const double* sm = f64(info, 6, "saveMean", c);
  const double* si = f64(info, 7, "saveInvstd", c);
  const bool training = arg_bool(info, 8, "training");
  float* dx = float32_exact(info, 9, "gradX", len, true);
  float* dw = float32_exact(info, 10, "gradWeight", c, true);
  float* db = float32_exact(info, 11, "gradBias", c, true);
  const bool accumulate = arg_bool(info, 12, "accumulate");
  const Isa isa = active_isa();
  return [=] {
    kernels::batchnorm2d_backward_f32(isa, dy, x, n, c, plane, w, sm, si, training, dx, dw, db,
                                      accumulate);
    return Status::kOk;
  };
}

Napi::Value BatchNorm2dBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, batch_norm2d_backward_job(info), "batchNorm2dBackward");
}
Napi::Value BatchNorm2dBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, batch_norm2d_backward_job(info), "batchNorm2dBackwardAsync");
}

}  // namespace

void init_normalization(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormForward", Napi::Function::New(env, BatchNormForward, "batchNormForward"));
  exports.Set("batchNormForwardAsync",
              Napi::Function::New(env, BatchNormForwardAsync, "batchNormForwardAsync"));
  exports.Set("batchNormBackward",
              Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
  exports.Set("batchNormBackwardAsync",
              Napi::Function::New(env, BatchNormBackwardAsync, "batchNormBackwardAsync"));
  exports.Set("layerNormForward", Napi::Function::New(env, LayerNormForward, "layerNormForward"));
  exports.Set("layerNormForwardAsync",
              Napi::Function::New(env, LayerNormForwardAsync, "layerNormForwardAsync"));
  exports.Set("layerNormBackward",
              Napi::Function::New(env, LayerNormBackward, "layerNormBackward"));
  exports.Set("layerNormBackwardAsync",
              Napi::Function::New(env, LayerNormBackwardAsync, "layerNormBackwardAsync"));
  exports.Set("batchNorm2dForward",
              Napi::Function::New(env, BatchNorm2dForward, "batchNorm2dForward"));
  exports.Set("batchNorm2dForwardAsync",
              Napi::Function::New(env, BatchNorm2dForwardAsync, "batchNorm2dForwardAsync"));
  exports.Set("batchNorm2dBackward",
              Napi::Function::New(env, BatchNorm2dBackward, "batchNorm2dBackward"));
  exports.Set("batchNorm2dBackwardAsync",
              Napi::Function::New(env, BatchNorm2dBackwardAsync, "batchNorm2dBackwardAsync"));
}

}  // namespace addon
}  // namespace gradguard
