// Softmax / log-softmax bindings: forward and backward over the last dimension, sync and *Async
// (libuv worker thread). Lengths re-checked against rows x cols (overflow-checked). y may be x and
// gradX may be gradY or y (the TS layer allows exactly those overlaps; the kernel reads each
// element before writing it).
#include <napi.h>

#include <cstdint>

#include "addon/args.h"
#include "addon/bindings.h"
#include "addon/job.h"
#include "core/dispatch.h"
#include "kernels/softmax/softmax.h"

namespace gradguard {
namespace addon {
namespace {

size_t mul(const Napi::CallbackInfo& info, size_t a, size_t b) {
  if (b != 0 && a > SIZE_MAX / b) throw_range(info.Env(), "shape is too large");
  return a * b;
}

// (x, y, rows, cols, log) -> undefined
Job softmax_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 5);
  const size_t rows = arg_dim(info, 2, "rows"), cols = arg_dim(info, 3, "cols");
  const size_t len = mul(info, rows, cols);
  const float* x = float32_exact(info, 0, "x", len);
  float* y = float32_exact(info, 1, "y", len);
  const bool log = arg_bool(info, 4, "log");
  const Isa isa = active_isa();
  return [=] {
    kernels::softmax_forward_f32(isa, x, rows, cols, log, y);
    return Status::kOk;
  };
}

Napi::Value SoftmaxForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, softmax_forward_job(info), "softmaxForward");
}
Napi::Value SoftmaxForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, softmax_forward_job(info), "softmaxForwardAsync");
}

// (y, gradY, gradX, rows, cols, log) -> undefined
Job softmax_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 6);
  const size_t rows = arg_dim(info, 3, "rows"), cols = arg_dim(info, 4, "cols");
  const size_t len = mul(info, rows, cols);
  const float* y = float32_exact(info, 0, "y", len);
  const float* gy = float32_exact(info, 1, "gradY", len);
  float* gx = float32_exact(info, 2, "gradX", len);
  const bool log = arg_bool(info, 5, "log");
  const Isa isa = active_isa();
  return [=] {
    kernels::softmax_backward_f32(isa, y, gy, rows, cols, log, gx);
    return Status::kOk;
  };
}

Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, softmax_backward_job(info), "softmaxBackward");
}
Napi::Value SoftmaxBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, softmax_backward_job(info), "softmaxBackwardAsync");
}

}  // namespace

void init_softmax(Napi::Env env, Napi::Object exports) {
  exports.Set("softmaxForward", Napi::Function::New(env, SoftmaxForward, "softmaxForward"));
  exports.Set("softmaxForwardAsync",
              Napi::Function::New(env, SoftmaxForwardAsync, "softmaxForwardAsync"));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward, "softmaxBackward"));
  exports.Set("softmaxBackwardAsync",
              Napi::Function::New(env, SoftmaxBackwardAsync, "softmaxBackwardAsync"));
}

}  // namespace addon
}  // namespace gradguard
