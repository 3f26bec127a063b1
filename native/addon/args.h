// Cheap re-checks of arguments the TypeScript layer has already validated (never trust JS), and the
// unpacking of tensor lists into spans. A failed check throws a JS TypeError/RangeError naming the
// argument; nothing here may write out of bounds whatever JS passes.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "kernels/norm/multi_tensor.h"

namespace gradguard {
namespace addon {

[[noreturn]] inline void throw_type(Napi::Env env, const std::string& msg) {
  Napi::Error e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  throw e;
}

[[noreturn]] inline void throw_range(Napi::Env env, const std::string& msg) {
  Napi::Error e = Napi::RangeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
  throw e;
}

// A GradGuardError-shaped error (the TS layer re-creates its own class from `code`).
[[noreturn]] inline void throw_status(Napi::Env env, Status s, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, what + ": " + status_message(s));
  e.Set("code", Napi::String::New(env, status_code(s)));
  throw e;
}

#define GG_REQUIRE_ARGS(info, n)                                                 \
  do {                                                                           \
    if ((info).Length() < (n)) {                                                 \
      ::gradguard::addon::throw_type((info).Env(), "expected " #n " arguments"); \
    }                                                                            \
  } while (0)

inline double arg_number(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw_type(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

// Number.MAX_SAFE_INTEGER: the largest integer a JS number holds exactly.
constexpr double kMaxSafeInteger = 9007199254740991.0;

// A dimension, count or size: a non-negative integer up to `max`; a RangeError naming the argument
// otherwise. Every dimension takes the default, 2^53 - 1: the TS layer accepts any safe integer, a
// double up to it converts to size_t exactly, and what keeps a large dimension harmless is not this
// limit but the bindings' re-check of every array length computed from dimensions (products checked
// for overflow) before a kernel runs. A binding with a tighter bound passes it as `max`.
inline size_t arg_dim(const Napi::CallbackInfo& info, size_t i, const char* name,
                      double max = kMaxSafeInteger) {
  const double v = arg_number(info, i, name);
  if (!(v >= 0 && v <= max) || v != std::floor(v)) {
    throw_range(info.Env(), std::string(name) + " must be a non-negative integer");
  }
  return static_cast<size_t>(v);
}

inline bool arg_bool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean()) throw_type(info.Env(), std::string(name) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

// A Float32Array's memory, or false if `v` is not one or its buffer is detached (no JS error yet:
// the caller names the argument, so the hot path builds no strings).
inline bool try_float32_span(napi_env env, napi_value v, kernels::Span* out, bool* detached) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  *detached = false;
  // napi_get_typedarray_info fails on anything that is not a typed array.
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_float32_array) {
    return false;
  }
  if (length == 0) {
    napi_is_detached_arraybuffer(env, buffer, detached);
    *out = kernels::Span{nullptr, 0};
    return !*detached;
  }
  *out = kernels::Span{static_cast<float*>(data), length};
  return true;
}

// A Float32Array's memory; throws a TypeError naming `name` on any other type or a detached buffer.
inline kernels::Span float32_span(napi_env env, napi_value v, const std::string& name) {
  kernels::Span s;
  bool detached = false;
  if (!try_float32_span(env, v, &s, &detached)) {
    throw_type(Napi::Env(env), name + (detached ? " is backed by a detached ArrayBuffer"
                                                : " must be a Float32Array"));
  }
  return s;
}

// The data of a Float32Array of exactly `len` elements (null allowed when `optional`); throws a
// TypeError/RangeError naming the argument otherwise.
inline float* float32_exact(const Napi::CallbackInfo& info, size_t i, const char* name, size_t len,
                            bool optional = false) {
  if (optional && (info[i].IsNull() || info[i].IsUndefined())) return nullptr;
  const kernels::Span s = float32_span(info.Env(), info[i], name);
  if (s.size != len) {
    throw_range(info.Env(), std::string(name) + " must have " + std::to_string(len) +
                                " elements, got " + std::to_string(s.size));
  }
  return s.data;
}

// Optional Float64Array output of at least `min_length` elements; nullptr when undefined/null.
inline double* optional_float64_out(const Napi::CallbackInfo& info, size_t i, const char* name,
                                    size_t min_length) {
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return nullptr;
  if (!info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw_type(info.Env(), std::string(name) + " must be a Float64Array");
  }
  Napi::Float64Array a = info[i].As<Napi::Float64Array>();
  if (a.ElementLength() < min_length) {
    throw_range(info.Env(), std::string(name) + " must hold at least " +
                                std::to_string(min_length) + " elements");
  }
  return a.Data();
}

// A prepared tensor list (see tensor_list_binding.cc): the spans of an Array of Float32Array,
// unpacked once and kept with references to every array, so a list of thousands of tensors crosses
// into native code without reading each element again. JS checks it still matches before use.
struct PreparedList {
  std::vector<kernels::Span> spans;
  std::vector<Napi::ObjectReference> refs;
};

// Non-null when `v` is a prepared-list handle.
PreparedList* prepared_list(napi_env env, napi_value v);

// Unpacks a tensor list given as (tensors, segments):
//  - tensors a prepared-list handle (segments undefined/null);
//  - segments undefined/null: tensors is an Array of Float32Array;
//  - segments a Uint32Array of [offset, length] pairs: tensors is one Float32Array (a flat store)
//    and each pair is a view into it, checked against its bounds.
inline void tensor_list(const Napi::CallbackInfo& info, size_t i, const char* name,
                        std::vector<kernels::Span>* out) {
  napi_env env = info.Env();
  out->clear();
  const bool flat = info.Length() > i + 1 && info[i + 1].IsTypedArray();
  if (!flat && !info[i].IsArray()) {
    if (PreparedList* p = prepared_list(env, info[i])) {
      *out = p->spans;
      return;
    }
  }
  if (!flat) {
    if (!info[i].IsArray())
      throw_type(info.Env(), std::string(name) + " must be an Array of Float32Array");
    napi_value arr = info[i];
    uint32_t n = 0;
    napi_get_array_length(env, arr, &n);
    out->reserve(n);
    for (uint32_t k = 0; k < n; ++k) {
      napi_value el;
      kernels::Span span;
      bool detached = false;
      if (napi_get_element(env, arr, k, &el) != napi_ok ||
          !try_float32_span(env, el, &span, &detached)) {
        const std::string what = std::string(name) + "[" + std::to_string(k) + "]";
        throw_type(info.Env(), what + (detached ? " is backed by a detached ArrayBuffer"
                                                : " must be a Float32Array"));
      }
      out->push_back(span);
    }
    return;
  }
  const kernels::Span base = float32_span(env, info[i], name);
  Napi::TypedArray seg_ta = info[i + 1].As<Napi::TypedArray>();
  if (seg_ta.TypedArrayType() != napi_uint32_array || seg_ta.ElementLength() % 2 != 0) {
    throw_type(info.Env(), "segments must be a Uint32Array of [offset, length] pairs");
  }
  const uint32_t* seg = info[i + 1].As<Napi::Uint32Array>().Data();
  const size_t pairs = seg_ta.ElementLength() / 2;
  out->reserve(pairs);
  for (size_t k = 0; k < pairs; ++k) {
    const uint64_t off = seg[2 * k], len = seg[2 * k + 1];
    if (off + len > base.size) {
      throw_range(info.Env(), "segment " + std::to_string(k) + " lies outside " + name);
    }
    out->push_back(kernels::Span{len == 0 ? nullptr : base.data + off, static_cast<size_t>(len)});
  }
}

}  // namespace addon
}  // namespace gradguard
