// Pooling bindings: MaxPool2d, AvgPool2d and AdaptiveAvgPool2d forward/backward, sync and *Async
// (libuv worker thread) from one Job builder each. The geometry arrives as 14 integers (batch,
// channels, height, width, outHeight, outWidth, kh, kw, sh, sw, ph, pw, dh, dw); every array length
// is re-checked against it, products are checked for overflow, and each dimension is bounded so
// the kernels' index arithmetic (h*w in int32, i*s + a*d in long) cannot wrap. The TS layer checks
// the semantics (PyTorch's output size, padding <= half the kernel, no window of padding only).
#include <napi.h>

#include <cstdint>
#include <limits>
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "addon/job.h"
#include "core/dispatch.h"
#include "kernels/pool/pool.h"

namespace gradguard {
namespace addon {
namespace {

constexpr double kMaxIndex = 2147483647.0;  // int32 indices

size_t checked_mul(const Napi::CallbackInfo& info, size_t a, size_t b) {
  if (b != 0 && a > SIZE_MAX / b) throw_range(info.Env(), "shape is too large");
  return a * b;
}

struct Geometry {
  kernels::PoolGeometry g;
  size_t in_len, out_len;
};

Geometry geometry(const Napi::CallbackInfo& info, size_t at) {
  static const char* const kNames[14] = {"batch",    "channels", "height", "width", "outHeight",
                                         "outWidth", "kh",       "kw",     "sh",    "sw",
                                         "ph",       "pw",       "dh",     "dw"};
  size_t v[14];
  for (size_t i = 0; i < 14; ++i) {
    v[i] = arg_dim(info, at + i, kNames[i], i < 2 ? kMaxSafeInteger : kMaxIndex);
  }
  for (size_t i = 6; i < 14; ++i) {
    if ((i < 10 || i >= 12) && v[i] == 0)
      throw_range(info.Env(), std::string(kNames[i]) + " must be >= 1");
  }
  Geometry r{};
  r.g = {checked_mul(info, v[0], v[1]),
         v[2],
         v[3],
         v[4],
         v[5],
         v[6],
         v[7],
         v[8],
         v[9],
         v[10],
         v[11],
         v[12],
         v[13]};
  if (checked_mul(info, v[2], v[3]) > static_cast<size_t>(std::numeric_limits<int32_t>::max()) ||
      checked_mul(info, v[4], v[5]) > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw_range(info.Env(), "height*width and outHeight*outWidth must fit int32");
  }
  r.in_len = checked_mul(info, r.g.planes, v[2] * v[3]);
  r.out_len = checked_mul(info, r.g.planes, v[4] * v[5]);
  return r;
}

int32_t* int32_exact(const Napi::CallbackInfo& info, size_t i, const char* name, size_t len,
                     bool optional) {
  if (optional && info[i].IsNull()) return nullptr;
  if (!info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw_type(info.Env(), std::string(name) + " must be an Int32Array");
  }
  Napi::Int32Array a = info[i].As<Napi::Int32Array>();
  if (a.ElementLength() != len) {
    throw_range(info.Env(), std::string(name) + " must have " + std::to_string(len) + " elements");
  }
  return len == 0 ? nullptr : a.Data();
}

// (x, y, indices|null, ...geometry) -> undefined
Job max_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 17);
  const Geometry g = geometry(info, 3);
  const float* x = float32_exact(info, 0, "x", g.in_len);
  float* y = float32_exact(info, 1, "y", g.out_len);
  int32_t* idx = int32_exact(info, 2, "indices", g.out_len, true);
  const Isa isa = active_isa();
  return [=] { return kernels::maxpool2d_forward_f32(isa, x, g.g, y, idx); };
}

// (gradY, indices, gradX, ...geometry) -> undefined; an index outside its plane is an error.
Job max_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 17);
  const Geometry g = geometry(info, 3);
  const float* dy = float32_exact(info, 0, "gradY", g.out_len);
  const int32_t* idx = int32_exact(info, 1, "indices", g.out_len, false);
  float* dx = float32_exact(info, 2, "gradX", g.in_len);
  return [=] { return kernels::maxpool2d_backward_f32(dy, idx, g.g, dx); };
}

// (x, y, countIncludePad, adaptive, ...geometry) -> undefined
Job avg_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 18);
  const Geometry g = geometry(info, 4);
  const float* x = float32_exact(info, 0, "x", g.in_len);
  float* y = float32_exact(info, 1, "y", g.out_len);
  const bool include_pad = arg_bool(info, 2, "countIncludePad");
  const bool adaptive = arg_bool(info, 3, "adaptive");
  if (adaptive && (g.g.h == 0 || g.g.w == 0 || g.g.oh == 0 || g.g.ow == 0)) {
    throw_range(info.Env(), "adaptive pooling needs height, width, outHeight, outWidth >= 1");
  }
  const Isa isa = active_isa();
  return [=] {
    if (adaptive) {
      kernels::adaptive_avgpool2d_forward_f32(x, g.g, y);
    } else {
      kernels::avgpool2d_forward_f32(isa, x, g.g, include_pad, y);
    }
    return Status::kOk;
  };
}

// (gradY, gradX, countIncludePad, adaptive, ...geometry) -> undefined
Job avg_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 18);
  const Geometry g = geometry(info, 4);
  const float* dy = float32_exact(info, 0, "gradY", g.out_len);
  float* dx = float32_exact(info, 1, "gradX", g.in_len);
  const bool include_pad = arg_bool(info, 2, "countIncludePad");
  const bool adaptive = arg_bool(info, 3, "adaptive");
  if (adaptive && (g.g.h == 0 || g.g.w == 0 || g.g.oh == 0 || g.g.ow == 0)) {
    throw_range(info.Env(), "adaptive pooling needs height, width, outHeight, outWidth >= 1");
  }
  return [=] {
    if (adaptive) {
      kernels::adaptive_avgpool2d_backward_f32(dy, g.g, dx);
    } else {
      kernels::avgpool2d_backward_f32(dy, g.g, include_pad, dx);
    }
    return Status::kOk;
  };
}

Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, max_forward_job(info), "maxPool2dForward");
}
Napi::Value MaxPool2dForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, max_forward_job(info), "maxPool2dForwardAsync");
}
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, max_backward_job(info), "maxPool2dBackward");
}
Napi::Value MaxPool2dBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, max_backward_job(info), "maxPool2dBackwardAsync");
}
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, avg_forward_job(info), "avgPool2dForward");
}
Napi::Value AvgPool2dForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, avg_forward_job(info), "avgPool2dForwardAsync");
}
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, avg_backward_job(info), "avgPool2dBackward");
}
Napi::Value AvgPool2dBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, avg_backward_job(info), "avgPool2dBackwardAsync");
}

}  // namespace

void init_pool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool2dForward", Napi::Function::New(env, MaxPool2dForward, "maxPool2dForward"));
  exports.Set("maxPool2dForwardAsync",
              Napi::Function::New(env, MaxPool2dForwardAsync, "maxPool2dForwardAsync"));
  exports.Set("maxPool2dBackward",
              Napi::Function::New(env, MaxPool2dBackward, "maxPool2dBackward"));
  exports.Set("maxPool2dBackwardAsync",
              Napi::Function::New(env, MaxPool2dBackwardAsync, "maxPool2dBackwardAsync"));
  exports.Set("avgPool2dForward", Napi::Function::New(env, AvgPool2dForward, "avgPool2dForward"));
  exports.Set("avgPool2dForwardAsync",
              Napi::Function::New(env, AvgPool2dForwardAsync, "avgPool2dForwardAsync"));
  exports.Set("avgPool2dBackward",
              Napi::Function::New(env, AvgPool2dBackward, "avgPool2dBackward"));
  exports.Set("avgPool2dBackwardAsync",
              Napi::Function::New(env, AvgPool2dBackwardAsync, "avgPool2dBackwardAsync"));
}

}  // namespace addon
}  // namespace gradguard
