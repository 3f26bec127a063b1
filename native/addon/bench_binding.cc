// Bindings used by `npm run bench` to measure the machine's own limits in the same run: streaming
// read and copy bandwidth.
#include <napi.h>

#include "addon/args.h"
#include "addon/bindings.h"
#include "kernels/stream/stream.h"

namespace gradguard {
namespace addon {
namespace {

// (Float32Array) -> number (XOR of the data, to keep the reads alive)
Napi::Value StreamRead(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 1);
  const kernels::Span s = float32_span(info.Env(), info[0], "data");
  return Napi::Number::New(info.Env(),
                           static_cast<double>(kernels::stream_read(s.data, s.size * 4) & 0xffff));
}

// (dst: Float32Array, src: Float32Array) -> undefined
Napi::Value StreamCopy(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 2);
  const kernels::Span d = float32_span(info.Env(), info[0], "dst");
  const kernels::Span s = float32_span(info.Env(), info[1], "src");
  if (d.size != s.size) throw_range(info.Env(), "dst and src must have the same length");
  kernels::stream_copy(d.data, s.data, s.size * 4);
  return info.Env().Undefined();
}

}  // namespace

void init_bench(Napi::Env env, Napi::Object exports) {
  exports.Set("streamRead", Napi::Function::New(env, StreamRead, "streamRead"));
  exports.Set("streamCopy", Napi::Function::New(env, StreamCopy, "streamCopy"));
}

}  // namespace addon
}  // namespace gradguard
