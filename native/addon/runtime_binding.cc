// Runtime bindings: which ISA runs, forcing a lower one, what was wrong with GRADGUARD_ISA, the
// thread pool's size.
#include <napi.h>

#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "core/dispatch.h"
#include "core/thread_pool.h"

namespace gradguard {
namespace addon {
namespace {

Napi::Value ActiveIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), isa_name(active_isa()));
}

Napi::Value BestIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), isa_name(best_isa()));
}

// Every ISA this CPU can run, best first.
Napi::Value SupportedIsas(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t n = 0;
  for (int i = kIsaCount - 1; i >= 0; --i) {
    const Isa isa = static_cast<Isa>(i);
    if (isa_supported(isa)) out.Set(n++, Napi::String::New(info.Env(), isa_name(isa)));
  }
  return out;
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 1);
  if (!info[0].IsString()) throw_type(info.Env(), "isa must be a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  Isa isa;
  if (!parse_isa(name.c_str(), &isa)) {
    std::string names;
    for (int i = 0; i < kIsaCount; ++i) {
      names += std::string(i > 0 ? ", " : "") + isa_name(static_cast<Isa>(i));
    }
    throw_range(info.Env(), "isa must be one of " + names + "; got \"" + name + "\"");
  }
  if (!set_active_isa(isa)) {
    throw_range(info.Env(), "isa \"" + name + "\" is not supported by this CPU");
  }
  return info.Env().Undefined();
}

// Why GRADGUARD_ISA was not honoured (an unknown name, or an ISA this CPU lacks), or null: the
// addon still loads (on the best ISA) and the TS layer decides how loudly to report it.
Napi::Value IsaEnvError(const Napi::CallbackInfo& info) {
  const char* error = isa_env_error();
  if (error == nullptr) return info.Env().Null();
  return Napi::String::New(info.Env(), error);
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), num_threads());
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 1);
  const double n = arg_number(info, 0, "n");
  if (!(n >= 1 && n <= 1024) || n != static_cast<int>(n)) {
    throw_range(info.Env(), "n must be an integer from 1 to 1024");
  }
  set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value UsableCores(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), usable_cores());
}

}  // namespace

void init_runtime(Napi::Env env, Napi::Object exports) {
  exports.Set("activeIsa", Napi::Function::New(env, ActiveIsa, "activeIsa"));
  exports.Set("bestIsa", Napi::Function::New(env, BestIsa, "bestIsa"));
  exports.Set("supportedIsas", Napi::Function::New(env, SupportedIsas, "supportedIsas"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("isaEnvError", Napi::Function::New(env, IsaEnvError, "isaEnvError"));
  exports.Set("numThreads", Napi::Function::New(env, NumThreads, "numThreads"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("usableCores", Napi::Function::New(env, UsableCores, "usableCores"));
}

}  // namespace addon
}  // namespace gradguard
