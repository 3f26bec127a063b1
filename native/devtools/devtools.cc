// The devtools addon (build/Release/gradguard_devtools.node): probes `npm run bench` uses to
// measure the machine's own limits in the same run (streaming read and copy bandwidth, the peak FMA
// rate) and a hook for the tests of native fault handling. Built only for development (binding.gyp
// builds it when GRADGUARD_DEVTOOLS=1, as `npm run build:native` sets); never shipped, so the
// production addon exports the library's functions only. It links the same kernel libraries and has
// its own thread pool, so every probe takes its thread count (and fmaPeak its ISA) explicitly.
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "addon/args.h"
#include "core/cache_info.h"
#include "core/dispatch.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/gemm_blocking.h"
#include "kernels/stream/peak.h"
#include "kernels/stream/stream.h"

namespace gradguard {
namespace addon {
namespace {

// Sizes this addon's own pool for one probe.
void use_threads(const Napi::CallbackInfo& info, size_t i) {
  const double threads = arg_number(info, i, "threads");
  if (!(threads >= 1 && threads <= 1024) || threads != static_cast<int>(threads)) {
    throw_range(info.Env(), "threads must be an integer in [1, 1024]");
  }
  set_num_threads(static_cast<int>(threads));
}

// (data: Float32Array, threads) -> number (XOR of the data, to keep the reads alive)
Napi::Value StreamRead(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 2);
  const kernels::Span s = float32_span(info.Env(), info[0], "data");
  use_threads(info, 1);
  return Napi::Number::New(info.Env(),
                           static_cast<double>(kernels::stream_read(s.data, s.size * 4) & 0xffff));
}

// (dst: Float32Array, src: Float32Array, threads) -> undefined
Napi::Value StreamCopy(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 3);
  const kernels::Span d = float32_span(info.Env(), info[0], "dst");
  const kernels::Span s = float32_span(info.Env(), info[1], "src");
  if (d.size != s.size) throw_range(info.Env(), "dst and src must have the same length");
  use_threads(info, 2);
  kernels::stream_copy(d.data, s.data, s.size * 4);
  return info.Env().Undefined();
}

// (data: Float32Array, threads) -> number: the float64 sum of squares (plain C++ loop)
Napi::Value StreamSumSquares(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 2);
  const kernels::Span s = float32_span(info.Env(), info[0], "data");
  use_threads(info, 1);
  return Napi::Number::New(info.Env(), kernels::stream_sum_squares(s.data, s.size));
}

// (a: Float32Array, b: Float32Array, c: Float32Array, s, threads) -> undefined: a = b + s * c
Napi::Value StreamTriad(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 5);
  const kernels::Span a = float32_span(info.Env(), info[0], "a");
  const kernels::Span b = float32_span(info.Env(), info[1], "b");
  const kernels::Span c = float32_span(info.Env(), info[2], "c");
  if (a.size != b.size || a.size != c.size) {
    throw_range(info.Env(), "a, b and c must have the same length");
  }
  const double s = arg_number(info, 3, "s");
  use_threads(info, 4);
  kernels::stream_triad(a.data, b.data, c.data, static_cast<float>(s), a.size);
  return info.Env().Undefined();
}

// (iterations, threads, isa) -> float32 flops performed by `threads` copies of the register-only
// FMA loop of `isa` (the library's active ISA, as backendInfo().isa names it), run at once on the
// pool (time it from JS: flops / seconds = peak).
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 3);
  const double iters = arg_number(info, 0, "iterations");
  if (!(iters >= 1 && iters <= 1e12)) throw_range(info.Env(), "iterations must be in [1, 1e12]");
  use_threads(info, 1);
  const std::string isa_name = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
  Isa isa;
  if (!parse_isa(isa_name.c_str(), &isa) || !isa_supported(isa)) {
    throw_range(info.Env(), "isa must name an ISA this CPU runs, got '" + isa_name + "'");
  }
  const size_t n = static_cast<size_t>(num_threads());
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

// (isa) -> { isa, mr, nr, kc, mc, nc, mo, l1d, l2, l3, l2Sharing, l3Sharing }: the SGEMM blocking
// the library derived from the caches this CPU reports (sizes in bytes, 0 where nothing was
// reported and the documented fallback applies), for the bench to print what it ran with. The
// production addon derives the same values from the same pure function and the same reports.
Napi::Value GemmBlockingInfo(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 1);
  const std::string isa_name = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  Isa isa;
  if (!parse_isa(isa_name.c_str(), &isa) || !isa_supported(isa)) {
    throw_range(info.Env(), "isa must name an ISA this CPU runs, got '" + isa_name + "'");
  }
  const kernels::GemmBlocking& b = kernels::gemm_blocking(isa);
  const CacheSizes& c = cache_sizes();
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  const auto set = [&](const char* key, size_t v) {
    out.Set(key, Napi::Number::New(env, static_cast<double>(v)));
  };
  out.Set("isa", Napi::String::New(env, isa_name));
  set("mr", b.mr);
  set("nr", b.nr);
  set("kc", b.kc);
  set("mc", b.mc);
  set("nc", b.nc);
  set("mo", b.mo);
  set("l1d", c.l1d);
  set("l2", c.l2);
  set("l3", c.l3);
  set("l2Sharing", c.l2_sharing);
  set("l3Sharing", c.l3_sharing);
  return out;
}

// (isa, where: 'l1' | 'sweep', calls) -> float32 flops done by `calls` full-tile calls of `isa`'s
// SGEMM micro-kernel on one thread, without packing or threads (time it from JS: flops / seconds).
// 'l1': the same packed A panel (mr x kc) and B panel (kc x nr) every call, C one tile (ldc = nr),
// all L1-resident: the kernel's own ceiling. 'sweep': the driver's compute loop nest for one depth
// slice of a 1024 x 1024 C (ldc 1024, beta 1): row blocks of the blocking's mc rows, each swept
// over every B panel, A panels from a packed 1024-row block (L2), B panels of a packed 1024-column
// block. Against the peak and the full sgemm these split the gap into kernel, cache/TLB (C tiles,
// A from L2) and packing plus threading. The panels hold arbitrary finite values (timing only).
Napi::Value GemmKernelProbe(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 3);
  const std::string isa_name = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  Isa isa;
  if (!parse_isa(isa_name.c_str(), &isa) || !isa_supported(isa)) {
    throw_range(info.Env(), "isa must name an ISA this CPU runs, got '" + isa_name + "'");
  }
  const std::string where = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  if (where != "l1" && where != "sweep") throw_range(info.Env(), "where must be 'l1' or 'sweep'");
  const double calls_d = arg_number(info, 2, "calls");
  if (!(calls_d >= 1 && calls_d <= 1e9)) throw_range(info.Env(), "calls must be in [1, 1e9]");
  const size_t calls = static_cast<size_t>(calls_d);
  const kernels::GemmKernels& k = kernels::gemm_kernels(isa);
  const kernels::GemmBlocking& blk = kernels::gemm_blocking(isa);
  const size_t mr = k.mr, nr = k.nr, kc = blk.kc, dim = 1024;
  const size_t a_panels = where == "l1" ? 1 : (dim + mr - 1) / mr;
  const size_t b_panels = where == "l1" ? 1 : dim / nr;
  const size_t ldc = where == "l1" ? nr : dim;
  // Over-allocated by a cache line and aligned below: the kernels read packed panels with aligned
  // loads. 0.25 * 0.25 * kc per call keeps C finite for any call count allowed.
  std::vector<float> a(a_panels * mr * kc + 16, 0.25f), b(b_panels * nr * kc + 16, 0.25f);
  std::vector<float> c(a_panels * mr * ldc + 16, 0.f);
  const auto aligned = [](std::vector<float>& v) {
    const uintptr_t p = reinterpret_cast<uintptr_t>(v.data());
    return reinterpret_cast<float*>((p + 63) & ~uintptr_t{63});
  };
  float* ap = aligned(a);
  float* bp = aligned(b);
  float* cp = aligned(c);
  size_t done = 0;
  if (where == "l1") {
    for (; done < calls; ++done) k.micro(kc, ap, bp, cp, ldc, mr, nr, 1.f, 1.f);
  } else {
    // Row block by row block, as the driver walks one depth slice; stops after exactly `calls`.
    const size_t block_panels = blk.mc / mr;
    while (done < calls) {
      for (size_t ib = 0; ib < a_panels; ib += block_panels) {
        const size_t ie = ib + block_panels < a_panels ? ib + block_panels : a_panels;
        for (size_t jp = 0; jp < b_panels; ++jp) {
          for (size_t ip = ib; ip < ie && done < calls; ++ip, ++done) {
            k.micro(kc, ap + ip * mr * kc, bp + jp * nr * kc, cp + ip * mr * ldc + jp * nr, ldc, mr,
                    nr, 1.f, 1.f);
          }
        }
      }
    }
  }
  return Napi::Number::New(info.Env(),
                           2.0 * static_cast<double>(mr * nr * kc) * static_cast<double>(done));
}

// ('caller' | 'pool', threads) -> never returns: throws std::bad_alloc on the calling thread or
// inside a thread-pool task, for the test that a native exception becomes a JS Error, not an abort
// (this addon is built with the production addon's exception flags and links the same pool).
Napi::Value TestThrowBadAlloc(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 2);
  const std::string where = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (where != "caller" && where != "pool") {
    throw_range(info.Env(), "where must be 'caller' or 'pool'");
  }
  use_threads(info, 1);
  if (where == "caller") throw std::bad_alloc();
  parallel_for(0, 64, 1, [](size_t lo, size_t) {
    if (lo == 37) throw std::bad_alloc();
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace addon
}  // namespace gradguard

namespace {

using gradguard::addon::FmaPeak;
using gradguard::addon::GemmBlockingInfo;
using gradguard::addon::GemmKernelProbe;
using gradguard::addon::StreamCopy;
using gradguard::addon::StreamRead;
using gradguard::addon::StreamSumSquares;
using gradguard::addon::StreamTriad;
using gradguard::addon::TestThrowBadAlloc;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("streamRead", Napi::Function::New(env, StreamRead, "streamRead"));
  exports.Set("streamCopy", Napi::Function::New(env, StreamCopy, "streamCopy"));
  exports.Set("streamSumSquares", Napi::Function::New(env, StreamSumSquares, "streamSumSquares"));
  exports.Set("streamTriad", Napi::Function::New(env, StreamTriad, "streamTriad"));
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak, "fmaPeak"));
  exports.Set("gemmBlocking", Napi::Function::New(env, GemmBlockingInfo, "gemmBlocking"));
  exports.Set("gemmKernelProbe", Napi::Function::New(env, GemmKernelProbe, "gemmKernelProbe"));
  exports.Set("testThrowBadAlloc",
              Napi::Function::New(env, TestThrowBadAlloc, "testThrowBadAlloc"));
  return exports;
}

}  // namespace

NODE_API_MODULE(gradguard_devtools, Init)
