// Embedding bindings: forward and backward, sync and *Async (libuv worker thread). Every length is
// re-checked against the dimensions (products checked for overflow) and every index against
// [0, numEmbeddings) on the calling thread (a RangeError naming the position); the kernel checks
// the indices again when it runs, so an async call whose indices changed meanwhile fails with
// ERR_GRADGUARD_INVALID_ARG instead of reading outside the table.
#include <napi.h>

#include <cstdint>
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "addon/job.h"
#include "core/dispatch.h"
#include "kernels/embedding/embedding.h"

namespace gradguard {
namespace addon {
namespace {

size_t mul(const Napi::CallbackInfo& info, size_t a, size_t b) {
  if (b != 0 && a > SIZE_MAX / b) throw_range(info.Env(), "shape is too large");
  return a * b;
}

// The indices (an Int32Array), each checked against [0, num).
const int32_t* indices_arg(const Napi::CallbackInfo& info, size_t i, size_t num, size_t* n) {
  if (!info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw_type(info.Env(), "indices must be an Int32Array");
  }
  Napi::Int32Array a = info[i].As<Napi::Int32Array>();
  *n = a.ElementLength();
  const int32_t* p = *n == 0 ? nullptr : a.Data();
  const size_t bad = kernels::embedding_first_bad_index(p, *n, num);
  if (bad != *n) {
    throw_range(info.Env(), "indices[" + std::to_string(bad) + "] = " + std::to_string(p[bad]) +
                                " is outside [0, " + std::to_string(num) + ")");
  }
  return p;
}

// (indices, weight, y, num, dim) -> undefined
Job embedding_forward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 5);
  const size_t num = arg_dim(info, 3, "numEmbeddings"), dim = arg_dim(info, 4, "embeddingDim");
  size_t n = 0;
  const int32_t* idx = indices_arg(info, 0, num, &n);
  const float* w = float32_exact(info, 1, "weight", mul(info, num, dim));
  float* y = float32_exact(info, 2, "y", mul(info, n, dim));
  const Isa isa = active_isa();
  return [=] { return kernels::embedding_forward_f32(isa, idx, n, w, num, dim, y); };
}

Napi::Value EmbeddingForward(const Napi::CallbackInfo& info) {
  return run_job_now(info, embedding_forward_job(info), "embeddingForward");
}
Napi::Value EmbeddingForwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, embedding_forward_job(info), "embeddingForwardAsync");
}

// (indices, gradY, gradWeight, num, dim, paddingIdx (-1: none), accumulate) -> undefined
Job embedding_backward_job(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 7);
  const size_t num = arg_dim(info, 3, "numEmbeddings"), dim = arg_dim(info, 4, "embeddingDim");
  size_t n = 0;
  const int32_t* idx = indices_arg(info, 0, num, &n);
  const float* gy = float32_exact(info, 1, "gradY", mul(info, n, dim));
  float* gw = float32_exact(info, 2, "gradWeight", mul(info, num, dim));
  const double pad = arg_number(info, 5, "paddingIdx");
  if (!(pad >= -1 && pad < static_cast<double>(num)) ||
      pad != static_cast<double>(static_cast<long>(pad))) {
    throw_range(info.Env(), "paddingIdx must be -1 (none) or an integer in [0, numEmbeddings)");
  }
  const long padding = static_cast<long>(pad);
  const bool accumulate = arg_bool(info, 6, "accumulate");
  const Isa isa = active_isa();
  return [=] {
    return kernels::embedding_backward_f32(isa, idx, n, gy, num, dim, padding, accumulate, gw);
  };
}

Napi::Value EmbeddingBackward(const Napi::CallbackInfo& info) {
  return run_job_now(info, embedding_backward_job(info), "embeddingBackward");
}
Napi::Value EmbeddingBackwardAsync(const Napi::CallbackInfo& info) {
  return run_job_async(info, embedding_backward_job(info), "embeddingBackwardAsync");
}

}  // namespace

void init_embedding(Napi::Env env, Napi::Object exports) {
  exports.Set("embeddingForward", Napi::Function::New(env, EmbeddingForward, "embeddingForward"));
  exports.Set("embeddingForwardAsync",
              Napi::Function::New(env, EmbeddingForwardAsync, "embeddingForwardAsync"));
  exports.Set("embeddingBackward",
              Napi::Function::New(env, EmbeddingBackward, "embeddingBackward"));
  exports.Set("embeddingBackwardAsync",
              Napi::Function::New(env, EmbeddingBackwardAsync, "embeddingBackwardAsync"));
}

}  // namespace addon
}  // namespace gradguard
