// Functional kernel bindings (ops): matmul, linear forward/backward, activations, losses.
// The TS layer has validated shapes and aliasing; every length is re-checked here so that no call
// can read or write outside its buffers. matmul and linear also come as *Async (libuv thread).
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "addon/args.h"
#include "addon/bindings.h"
#include "addon/promise_worker.h"
#include "core/thread_pool.h"
#include "kernels/activation/activation.h"
#include "kernels/gemm/gemm.h"
#include "kernels/loss/loss.h"

namespace gradguard {
namespace addon {
namespace {

using kernels::Span;

Span f32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return float32_span(info.Env(), info[i], name);
}

// A Float32Array or null/undefined (-> {nullptr, 0}, `present` false).
Span optional_f32(const Napi::CallbackInfo& info, size_t i, const char* name, bool* present) {
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) {
    *present = false;
    return Span{nullptr, 0};
  }
  *present = true;
  return f32(info, i, name);
}

// Throws a RangeError unless rows*cols <= span.size (with overflow checks).
void need(const Napi::CallbackInfo& info, const Span& s, size_t rows, size_t cols,
          const char* name) {
  if (cols != 0 && rows > SIZE_MAX / cols)
    throw_range(info.Env(), std::string(name) + ": size overflows");
  if (rows * cols > s.size) {
    throw_range(info.Env(), std::string(name) + " must hold at least " +
                                std::to_string(rows * cols) + " elements, it has " +
                                std::to_string(s.size));
  }
}

// ---- matmul -------------------------------------------------------------------------------------

struct MatmulArgs {
  Span a, b, c;
  size_t m, n, k;
  bool ta, tb;
  float alpha, beta;
};

// (a, b, c, m, n, k, transA, transB, alpha, beta)
MatmulArgs matmul_args(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 10);
  MatmulArgs r;
  r.a = f32(info, 0, "a");
  r.b = f32(info, 1, "b");
  r.c = f32(info, 2, "c");
  r.m = arg_dim(info, 3, "m");
  r.n = arg_dim(info, 4, "n");
  r.k = arg_dim(info, 5, "k");
  r.ta = arg_bool(info, 6, "transA");
  r.tb = arg_bool(info, 7, "transB");
  r.alpha = static_cast<float>(arg_number(info, 8, "alpha"));
  r.beta = static_cast<float>(arg_number(info, 9, "beta"));
  need(info, r.a, r.m, r.k, "a");
  need(info, r.b, r.k, r.n, "b");
  need(info, r.c, r.m, r.n, "c");
  return r;
}

Status run_matmul(Isa isa, const MatmulArgs& r) {
  if (r.m == 0 || r.n == 0) return Status::kOk;
  return kernels::sgemm(isa, r.ta, r.tb, r.m, r.n, r.k, r.alpha, r.a.data, r.ta ? r.m : r.k,
                        r.b.data, r.tb ? r.k : r.n, r.beta, r.c.data, r.n);
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  const MatmulArgs r = matmul_args(info);
  const Status s = run_matmul(active_isa(), r);
  if (s != Status::kOk) throw_status(info.Env(), s, "matmul");
  return info.Env().Undefined();
}

Napi::Value MatmulAsync(const Napi::CallbackInfo& info) {
  const MatmulArgs r = matmul_args(info);
  const Isa isa = active_isa();
  return queue_async(
      info, "matmulAsync", {0, 1, 2}, [=] { return run_matmul(isa, r); },
      [](Napi::Env env) { return env.Undefined(); });
}

// ---- linear -------------------------------------------------------------------------------------

struct LinearFwdArgs {
  Span x, w, bias, y;
  bool has_bias;
  size_t batch, in, out;
};

// (x, weight, bias|null, y, batch, inFeatures, outFeatures)
LinearFwdArgs linear_fwd_args(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 7);
  LinearFwdArgs r;
  r.x = f32(info, 0, "x");
  r.w = f32(info, 1, "weight");
  r.bias = optional_f32(info, 2, "bias", &r.has_bias);
  r.y = f32(info, 3, "y");
  r.batch = arg_dim(info, 4, "batch");
  r.in = arg_dim(info, 5, "inFeatures");
  r.out = arg_dim(info, 6, "outFeatures");
  need(info, r.x, r.batch, r.in, "x");
  need(info, r.w, r.out, r.in, "weight");
  if (r.has_bias) need(info, r.bias, 1, r.out, "bias");
  need(info, r.y, r.batch, r.out, "y");
  return r;
}

// y = x W^T + b: y is filled with the broadcast bias, then the GEMM adds x W^T (beta = 1).
Status run_linear_fwd(Isa isa, const LinearFwdArgs& r) {
  if (r.batch == 0 || r.out == 0) return Status::kOk;
  if (r.has_bias) {
    for (size_t b = 0; b < r.batch; ++b) {
      float* row = r.y.data + b * r.out;
      for (size_t j = 0; j < r.out; ++j) row[j] = r.bias.data[j];
    }
  }
  return kernels::sgemm(isa, false, true, r.batch, r.out, r.in, 1.0f, r.x.data, r.in, r.w.data,
                        r.in, r.has_bias ? 1.0f : 0.0f, r.y.data, r.out);
}

struct LinearBwdArgs {
  Span x, w, gy, gx, gw, gb;
  bool has_gx, has_gw, has_gb;
  size_t batch, in, out;
  bool accumulate;
  double* sumsq;  // optional [2]: Σ gradWeight², Σ gradBias² of what was written (0 if skipped)
};

// (x, weight, gradY, gradX|null, gradWeight|null, gradBias|null, batch, inFeatures, outFeatures,
//  accumulate[, sumSquares: Float64Array(>= 2)|null])
LinearBwdArgs linear_bwd_args(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 10);
  LinearBwdArgs r;
  r.x = f32(info, 0, "x");
  r.w = f32(info, 1, "weight");
  r.gy = f32(info, 2, "gradY");
  r.gx = optional_f32(info, 3, "gradX", &r.has_gx);
  r.gw = optional_f32(info, 4, "gradWeight", &r.has_gw);
  r.gb = optional_f32(info, 5, "gradBias", &r.has_gb);
  r.batch = arg_dim(info, 6, "batch");
  r.in = arg_dim(info, 7, "inFeatures");
  r.out = arg_dim(info, 8, "outFeatures");
  r.accumulate = arg_bool(info, 9, "accumulate");
  r.sumsq = optional_float64_out(info, 10, "sumSquares", 2);
  need(info, r.gy, r.batch, r.out, "gradY");
  if (r.has_gx) {
    need(info, r.w, r.out, r.in, "weight");
    need(info, r.gx, r.batch, r.in, "gradX");
  }
  if (r.has_gw) {
    need(info, r.x, r.batch, r.in, "x");
    need(info, r.gw, r.out, r.in, "gradWeight");
  }
  if (r.has_gb) need(info, r.gb, 1, r.out, "gradBias");
  return r;
}

Status run_linear_bwd(Isa isa, const LinearBwdArgs& r) {
  double ss_w = 0.0, ss_b = 0.0;
  if (r.has_gx && r.batch != 0 && r.in != 0) {
    // dx [batch, in] = dy [batch, out] . W [out, in]
    const Status s = kernels::sgemm(isa, false, false, r.batch, r.in, r.out, 1.0f, r.gy.data, r.out,
                                    r.w.data, r.in, 0.0f, r.gx.data, r.in);
    if (s != Status::kOk) return s;
  }
  if (r.has_gw && r.out != 0 && r.in != 0) {
    // dW [out, in] (+)= dy^T . x, dy stored [batch, out]
    // With sumSquares, Σ dW² comes from the GEMM's tile epilogue (no pass of its own).
    const float beta = r.accumulate ? 1.0f : 0.0f;
    const Status s =
        r.sumsq != nullptr
            ? kernels::sgemm_sumsq(isa, true, false, r.out, r.in, r.batch, 1.0f, r.gy.data, r.out,
                                   r.x.data, r.in, beta, r.gw.data, r.in, &ss_w)
            : kernels::sgemm(isa, true, false, r.out, r.in, r.batch, 1.0f, r.gy.data, r.out,
                             r.x.data, r.in, beta, r.gw.data, r.in);
    if (s != Status::kOk) return s;
  }
  if (r.has_gb) {
    // Row by row (contiguous reads) into float64 sums: a reused per-thread buffer, no steady-state
    // allocation. The order of additions per column is the batch order, whatever the thread.
    thread_local std::vector<double> acc;
    acc.assign(r.out, 0.0);
    if (r.accumulate) {
      for (size_t j = 0; j < r.out; ++j) acc[j] = r.gb.data[j];
    }
    for (size_t b = 0; b < r.batch; ++b) {
      const float* row = r.gy.data + b * r.out;
      for (size_t j = 0; j < r.out; ++j) acc[j] += row[j];
    }
    for (size_t j = 0; j < r.out; ++j) {
      const float v = static_cast<float>(acc[j]);
      r.gb.data[j] = v;
      ss_b += static_cast<double>(v) * v;  // of the stored float32, in column order
    }
  }
  if (r.sumsq != nullptr) {
    r.sumsq[0] = ss_w;
    r.sumsq[1] = ss_b;
  }
  return Status::kOk;
}

Napi::Value LinearForward(const Napi::CallbackInfo& info) {
  const LinearFwdArgs r = linear_fwd_args(info);
  const Status s = run_linear_fwd(active_isa(), r);
  if (s != Status::kOk) throw_status(info.Env(), s, "linearForward");
  return info.Env().Undefined();
}

Napi::Value LinearForwardAsync(const Napi::CallbackInfo& info) {
  const LinearFwdArgs r = linear_fwd_args(info);
  const Isa isa = active_isa();
  return queue_async(
      info, "linearForwardAsync", {0, 1, 2, 3}, [=] { return run_linear_fwd(isa, r); },
      [](Napi::Env env) { return env.Undefined(); });
}

Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
  const LinearBwdArgs r = linear_bwd_args(info);
  const Status s = run_linear_bwd(active_isa(), r);
  if (s != Status::kOk) throw_status(info.Env(), s, "linearBackward");
  return info.Env().Undefined();
}

Napi::Value LinearBackwardAsync(const Napi::CallbackInfo& info) {
  const LinearBwdArgs r = linear_bwd_args(info);
  const Isa isa = active_isa();
  return queue_async(
      info, "linearBackwardAsync", {0, 1, 2, 3, 4, 5, 10}, [=] { return run_linear_bwd(isa, r); },
      [](Napi::Env env) { return env.Undefined(); });
}

// ---- activations --------------------------------------------------------------------------------

int arg_act(const Napi::CallbackInfo& info, size_t i) {
  const double v = arg_number(info, i, "fn");
  if (!(v >= 0 && v < kernels::kActCount) || v != std::floor(v)) {
    throw_range(info.Env(), "fn must be an activation id from 0 to 7");
  }
  return static_cast<int>(v);
}

// Elements per parallel block: a multiple of 64 (blocks start SIMD-aligned relative to the array,
// so the result never depends on the partition); relu/leaky are memory-bound and need larger blocks
// to be worth a wake-up than the transcendental functions.
size_t act_grain(int fn) { return fn <= 1 ? (size_t{1} << 17) : (size_t{1} << 14); }

// (fn, x, y, p0, p1)
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 5);
  const int fn = arg_act(info, 0);
  const Span x = f32(info, 1, "x");
  const Span y = f32(info, 2, "y");
  const float p0 = static_cast<float>(arg_number(info, 3, "p0"));
  const float p1 = static_cast<float>(arg_number(info, 4, "p1"));
  need(info, y, 1, x.size, "y");
  const kernels::ActForwardFn f = kernels::activation_kernels(active_isa()).forward[fn];
  float* const xd = x.data;
  float* const yd = y.data;
  parallel_for(0, x.size, act_grain(fn),
               [=](size_t lo, size_t hi) { f(fn, xd + lo, yd + lo, hi - lo, p0, p1); });
  return info.Env().Undefined();
}

// (fn, x, gradY, gradX, p0, p1)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 6);
  const int fn = arg_act(info, 0);
  const Span x = f32(info, 1, "x");
  const Span gy = f32(info, 2, "gradY");
  const Span gx = f32(info, 3, "gradX");
  const float p0 = static_cast<float>(arg_number(info, 4, "p0"));
  const float p1 = static_cast<float>(arg_number(info, 5, "p1"));
  need(info, gy, 1, x.size, "gradY");
  need(info, gx, 1, x.size, "gradX");
  const kernels::ActBackwardFn f = kernels::activation_kernels(active_isa()).backward[fn];
  float* const xd = x.data;
  float* const gyd = gy.data;
  float* const gxd = gx.data;
  parallel_for(0, x.size, act_grain(fn),
               [=](size_t lo, size_t hi) { f(fn, xd + lo, gyd + lo, gxd + lo, hi - lo, p0, p1); });
  return info.Env().Undefined();
}

// ---- losses -------------------------------------------------------------------------------------

// (input, target, grad|null, mean) -> loss
Napi::Value MseLoss(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 4);
  const Span x = f32(info, 0, "input");
  const Span t = f32(info, 1, "target");
  bool has_grad = false;
  const Span g = optional_f32(info, 2, "gradInput", &has_grad);
  const bool mean = arg_bool(info, 3, "mean");
  need(info, t, 1, x.size, "target");
  if (has_grad) need(info, g, 1, x.size, "gradInput");
  return Napi::Number::New(
      info.Env(), kernels::mse_loss(x.data, t.data, x.size, mean, has_grad ? g.data : nullptr));
}

// (logits, labels Int32Array, grad|null, batch, classes) -> loss
Napi::Value CrossEntropyLoss(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 5);
  const Span x = f32(info, 0, "logits");
  if (!info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw_type(info.Env(), "labels must be an Int32Array");
  }
  Napi::Int32Array labels = info[1].As<Napi::Int32Array>();
  bool has_grad = false;
  const Span g = optional_f32(info, 2, "gradInput", &has_grad);
  const size_t batch = arg_dim(info, 3, "batch");
  const size_t classes = arg_dim(info, 4, "classes");
  need(info, x, batch, classes, "logits");
  if (labels.ElementLength() < batch)
    throw_range(info.Env(), "labels must hold at least batch elements");
  if (has_grad) need(info, g, batch, classes, "gradInput");
  double loss = 0.0;
  size_t bad = 0;
  const Status s = kernels::cross_entropy_loss(x.data, labels.Data(), batch, classes,
                                               has_grad ? g.data : nullptr, &loss, &bad);
  if (s != Status::kOk) {
    throw_range(info.Env(), "labels[" + std::to_string(bad) +
                                "] = " + std::to_string(labels.Data()[bad]) + " is outside [0, " +
                                std::to_string(classes) + ")");
  }
  return Napi::Number::New(info.Env(), loss);
}

// (input, target, grad|null) -> loss
Napi::Value BceWithLogitsLoss(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 3);
  const Span x = f32(info, 0, "input");
  const Span t = f32(info, 1, "target");
  bool has_grad = false;
  const Span g = optional_f32(info, 2, "gradInput", &has_grad);
  need(info, t, 1, x.size, "target");
  if (has_grad) need(info, g, 1, x.size, "gradInput");
  return Napi::Number::New(info.Env(), kernels::bce_with_logits_loss(x.data, t.data, x.size,
                                                                     has_grad ? g.data : nullptr));
}

}  // namespace

void init_ops(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("matmulAsync", Napi::Function::New(env, MatmulAsync, "matmulAsync"));
  exports.Set("linearForward", Napi::Function::New(env, LinearForward, "linearForward"));
  exports.Set("linearForwardAsync",
              Napi::Function::New(env, LinearForwardAsync, "linearForwardAsync"));
  exports.Set("linearBackward", Napi::Function::New(env, LinearBackward, "linearBackward"));
  exports.Set("linearBackwardAsync",
              Napi::Function::New(env, LinearBackwardAsync, "linearBackwardAsync"));
  exports.Set("activationForward",
              Napi::Function::New(env, ActivationForward, "activationForward"));
  exports.Set("activationBackward",
              Napi::Function::New(env, ActivationBackward, "activationBackward"));
  exports.Set("mseLoss", Napi::Function::New(env, MseLoss, "mseLoss"));
  exports.Set("crossEntropyLoss", Napi::Function::New(env, CrossEntropyLoss, "crossEntropyLoss"));
  exports.Set("bceWithLogitsLoss",
              Napi::Function::New(env, BceWithLogitsLoss, "bceWithLogitsLoss"));
}

}  // namespace addon
}  // namespace gradguard
