// Convolution bindings (conv2d; the TS layer maps conv1d onto height 1), sync and *Async (libuv
// worker thread) from one Job builder. The 14 geometry numbers are re-checked (conv_prepare) and
// every array length is compared with the sizes they imply before the kernel runs.
#include <napi.h>

#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "addon/job.h"
#include "core/dispatch.h"
#include "kernels/conv/conv.h"

namespace gradguard {
namespace addon {
namespace {

constexpr size_t kGeometryArgs = 14;

// (batch, inChannels, outChannels, height, width, kernelH, kernelW, strideH, strideW, padH, padW,
//  dilationH, dilationW, groups) starting at argument i.
kernels::ConvGeometry geometry(const Napi::CallbackInfo& info, size_t i) {
  kernels::ConvGeometry g;
  g.batch = arg_dim(info, i, "batch");
  g.in_channels = arg_dim(info, i + 1, "inChannels");
  g.out_channels = arg_dim(info, i + 2, "outChannels");
  g.height = arg_dim(info, i + 3, "height");
  g.width = arg_dim(info, i + 4, "width");
  g.kernel_h = arg_dim(info, i + 5, "kernelH");
  g.kernel_w = arg_dim(info, i + 6, "kernelW");
  g.stride_h = arg_dim(info, i + 7, "strideH");
  g.stride_w = arg_dim(info, i + 8, "strideW");
  g.pad_h = arg_dim(info, i + 9, "padH");
  g.pad_w = arg_dim(info, i + 10, "padW");
  g.dilation_h = arg_dim(info, i + 11, "dilationH");
  g.dilation_w = arg_dim(info, i + 12, "dilationW");
  g.groups = arg_dim(info, i + 13, "groups");
  if (kernels::conv_prepare(&g) != Status::kOk) {
    throw_range(info.Env(),
                "convolution geometry is invalid (zero kernel, stride, dilation or groups, groups "
                "not dividing the channels, a kernel larger than the padded input, or sizes that "
                "overflow)");
  }
  return g;
}

// (x, weight, bias|null, y, ...geometry)
Job conv_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 4 + kGeometryArgs);
  const kernels::ConvGeometry g = geometry(info, 4);
  const float* x = float32_exact(info, 0, "x", g.x_size());
  const float* w = float32_exact(info, 1, "weight", g.w_size());
  const float* b = float32_exact(info, 2, "bias", g.out_channels, true);
  float* y = float32_exact(info, 3, "y", g.y_size());
  const Isa isa = active_isa();
  return [=] { return kernels::conv2d_forward(isa, g, x, w, b, y); };
}

// (x, weight, gradY, gradX|null, gradWeight|null, gradBias|null, ...geometry, accumulate)
Job conv_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 7 + kGeometryArgs);
  const kernels::ConvGeometry g = geometry(info, 6);
  const float* x = float32_exact(info, 0, "x", g.x_size());
  const float* w = float32_exact(info, 1, "weight", g.w_size());
  const float* gy = float32_exact(info, 2, "gradY", g.y_size());
  float* gx = float32_exact(info, 3, "gradX", g.x_size(), true);
  float* gw = float32_exact(info, 4, "gradWeight", g.w_size(), true);
  float* gb = float32_exact(info, 5, "gradBias", g.out_channels, true);
  const bool accumulate = arg_bool(info, 6 + kGeometryArgs, "accumulate");
  // An empty array has a null data pointer: presence is judged by the arguments.
  auto present = [&](size_t i) { return !info[i].IsNull() && !info[i].IsUndefined(); };
  static float empty = 0.f;
  if (present(3) && gx == nullptr) gx = &empty;
  if (present(4) && gw == nullptr) gw = &empty;
  if (present(5) && gb == nullptr) gb = &empty;
  const Isa isa = active_isa();
  return [=] { return kernels::conv2d_backward(isa, g, x, w, gy, gx, gw, gb, accumulate); };
}

Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, conv_forward_job(info), "convForward");
}
Napi::Value ConvForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, conv_forward_job(info), "convForwardAsync");
}
Napi::Value ConvBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, conv_backward_job(info), "convBackward");
}
Napi::Value ConvBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, conv_backward_job(info), "convBackwardAsync");
}

}  // namespace

void init_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, ConvForward, "convForward"));
  exports.Set("convForwardAsync", Napi::Function::New(env, ConvForwardAsync, "convForwardAsync"));
  exports.Set("convBackward", Napi::Function::New(env, ConvBackward, "convBackward"));
  exports.Set("convBackwardAsync",
              Napi::Function::New(env, ConvBackwardAsync, "convBackwardAsync"));
}

}  // namespace addon
}  // namespace gradguard
