// Bindings used by `npm run bench` to measure the machine's own limits in the same run: streaming
// read and copy bandwidth, and the peak FMA rate; and one for the tests of native fault handling.
#include <napi.h>

#include <atomic>
#include <new>
#include <string>
#include <vector>

#include "addon/args.h"
#include "addon/bindings.h"
#include "core/dispatch.h"
#include "core/thread_pool.h"
#include "kernels/stream/peak.h"
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

// (iterations, threads) -> float32 flops performed by `threads` copies of the register-only FMA
// loop of the active ISA, run at once on the pool (time it from JS: flops / seconds = peak).
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 2);
  const double iters = arg_number(info, 0, "iterations");
  const double threads = arg_number(info, 1, "threads");
  if (!(iters >= 1 && iters <= 1e12) || !(threads >= 1 && threads <= 1024)) {
    throw_range(info.Env(), "iterations must be in [1, 1e12] and threads in [1, 1024]");
  }
  const Isa isa = active_isa();
  const size_t n = static_cast<size_t>(threads);
  std::vector<double> flops(n, 0.0);
  std::vector<float> sinks(n, 0.0f);
  parallel_for(0, n, 1, [&](size_t lo, size_t hi) {
    for (size_t t = lo; t < hi; ++t) {
      flops[t] = kernels::fma_peak_loop(isa, static_cast<size_t>(iters), &sinks[t]);
    }
  });
  double total = 0;
  for (double f : flops) total += f;
  return Napi::Number::New(info.Env(), total + (sinks[0] == 12345.f ? 1 : 0));
}

// ('caller' | 'pool') -> never returns: throws std::bad_alloc on the calling thread or inside a
// thread-pool task, for the test that a native exception becomes a JS Error, not an abort.
Napi::Value TestThrowBadAlloc(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 1);
  const std::string where = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (where == "caller") throw std::bad_alloc();
  if (where != "pool") throw_range(info.Env(), "where must be 'caller' or 'pool'");
  parallel_for(0, 64, 1, [](size_t lo, size_t) {
    if (lo == 37) throw std::bad_alloc();
  });
  return info.Env().Undefined();
}

}  // namespace

void init_bench(Napi::Env env, Napi::Object exports) {
  exports.Set("streamRead", Napi::Function::New(env, StreamRead, "streamRead"));
  exports.Set("streamCopy", Napi::Function::New(env, StreamCopy, "streamCopy"));
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak, "fmaPeak"));
  exports.Set("testThrowBadAlloc",
              Napi::Function::New(env, TestThrowBadAlloc, "testThrowBadAlloc"));
}

}  // namespace addon
}  // namespace gradguard
