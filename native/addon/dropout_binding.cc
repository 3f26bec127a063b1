// Dropout binding: the multiply out = mask[i / groupSize] ? x * scale : 0 (the mask is drawn in
// TypeScript). Lengths re-checked: x and out equal, mask x.length / groupSize bytes.
#include <napi.h>

#include <cstdint>
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "core/dispatch.h"
#include "kernels/dropout/dropout.h"

namespace gradguard {
namespace addon {
namespace {

// (x, mask: Uint8Array, groupSize, scale, out) -> undefined; out may be x.
Napi::Value DropoutApply(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 5);
  const kernels::Span x = float32_span(info.Env(), info[0], "x");
  if (!info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_type(info.Env(), "mask must be a Uint8Array");
  }
  Napi::Uint8Array mask = info[1].As<Napi::Uint8Array>();
  const size_t group = arg_dim(info, 2, "groupSize");
  if (group == 0 || x.size % group != 0) {
    throw_range(info.Env(), "groupSize must be >= 1 and divide x's length");
  }
  if (mask.ElementLength() != x.size / group) {
    throw_range(info.Env(), "mask must have " + std::to_string(x.size / group) + " elements");
  }
  const float scale = static_cast<float>(arg_number(info, 3, "scale"));
  float* out = float32_exact(info, 4, "out", x.size);
  if (x.size > 0) {
    kernels::dropout_apply_f32(active_isa(), x.data, mask.Data(), x.size, group, scale, out);
  }
  return info.Env().Undefined();
}

}  // namespace

void init_dropout(Napi::Env env, Napi::Object exports) {
  exports.Set("dropoutApply", Napi::Function::New(env, DropoutApply, "dropoutApply"));
}

}  // namespace addon
}  // namespace gradguard
