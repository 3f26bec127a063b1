// Node-API glue of the optional gradguard_mpi addon (gradguard.dist): unpack and re-check the
// arguments the TS layer validated, call mpi_runtime, map failures to errors with a stable `code`.
// Built by scripts/build-mpi.mjs, never by binding.gyp: the main addon does not link MPI.
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "mpi/mpi_runtime.h"

namespace gradguard {
namespace mpi {
namespace {

[[noreturn]] void throw_code(Napi::Env env, const std::string& msg, const char* code) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  throw e;
}

[[noreturn]] void throw_type(Napi::Env env, const std::string& msg) {
  Napi::Error e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  throw e;
}

const char* code_of(const Result& r) {
  return r.mismatch ? "ERR_GRADGUARD_DIST_MISMATCH" : "ERR_GRADGUARD_DIST";
}

void check(Napi::Env env, const Result& r) {
  if (!r.ok) throw_code(env, r.message, code_of(r));
}

double number_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw_type(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

template <typename T, napi_typedarray_type Type>
T* typed_arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* n) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != Type) {
    throw_type(info.Env(),
               std::string(name) + (Type == napi_float32_array ? " must be a Float32Array"
                                                               : " must be a Float64Array"));
  }
  auto a = info[i].As<Napi::TypedArrayOf<T>>();
  *n = a.ElementLength();
  return a.Data();
}

Op op_arg(const Napi::CallbackInfo& info, size_t i) {
  const double v = number_arg(info, i, "op");
  if (v != 0 && v != 1 && v != 2) throw_type(info.Env(), "op must be 0 (sum), 1 (mean) or 2 (max)");
  return static_cast<Op>(static_cast<int>(v));
}

size_t chunk_arg(const Napi::CallbackInfo& info, size_t i) {
  const double v = number_arg(info, i, "chunk");
  if (!(v >= 1) || v != std::floor(v)) throw_type(info.Env(), "chunk must be an integer >= 1");
  return static_cast<size_t>(v);
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  const double level = number_arg(info, 0, "threadLevel");
  if (level != 0 && level != 1 && level != 2 && level != 3)
    throw_type(info.Env(), "threadLevel must be 0..3");
  const double timeout = number_arg(info, 1, "timeoutMs");
  if (!(timeout >= 0)) throw_type(info.Env(), "timeoutMs must be >= 0 (0 or Infinity: off)");
  int provided = -1;
  check(info.Env(), init(static_cast<int>(level), timeout, &provided));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("provided", provided);
  o.Set("rank", rank());
  o.Set("size", size());
  o.Set("libmpiGlobalBeforeInit", global_before_init());
  return o;
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  check(info.Env(), finalize());
  return info.Env().Undefined();
}

Napi::Value State(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("initialized", initialized());
  o.Set("finalized", finalized());
  o.Set("rank", rank());
  o.Set("size", size());
  o.Set("threadLevel", thread_level());
  o.Set("libmpiGlobal", libmpi_symbols_global());
  return o;
}

Napi::Value LibraryVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), library_version());
}

Napi::Value AllReduce(const Napi::CallbackInfo& info) {
  size_t n = 0;
  float* data = typed_arg<float, napi_float32_array>(info, 0, "data", &n);
  check(info.Env(), all_reduce(data, n, op_arg(info, 1), chunk_arg(info, 2), "allReduce"));
  return info.Env().Undefined();
}

// allReduce on a libuv worker thread: the caller's thread keeps computing meanwhile. The worker
// holds a reference to the array until it settles; Execute() touches no JS value.
//
// A reference keeps the array alive but cannot pin its memory (N-API has no such call): a
// transfer (postMessage, structuredClone) detaches it and hands the memory, which MPI is writing,
// to another owner. That cannot be stopped, only noticed: OnOK/OnError (main thread) check that the
// array still has its memory and length, and otherwise reject instead of reporting a result that
// never reached it. (Resizable and growable buffers are refused in TS before the call.)
class AllReduceWorker final : public Napi::AsyncWorker {
 public:
  AllReduceWorker(Napi::Env env, Napi::Float32Array a, Op op, size_t chunk)
      : Napi::AsyncWorker(env, "allReduceAsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        ref_(Napi::Persistent(a.As<Napi::Object>())),
        data_(a.Data()),
        n_(a.ElementLength()),
        bytes_(a.ByteLength()),
        op_(op),
        chunk_(chunk) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 private:
  void Execute() override {
    try {
      result_ = all_reduce(data_, n_, op_, chunk_, "allReduceAsync");
    } catch (...) {
      result_ = Result::fail("allReduceAsync: internal error");
    }
  }
  bool still_attached() {
    Napi::Float32Array a = ref_.Value().As<Napi::Float32Array>();
    return !a.ArrayBuffer().IsDetached() && a.ByteLength() == bytes_ && a.Data() == data_;
  }
  void reject(const std::string& message, const char* code) {
    Napi::Error e = Napi::Error::New(Env(), message);
    e.Set("code", Napi::String::New(Env(), code));
    deferred_.Reject(e.Value());
  }
  void reject_lost(const std::string& also) {
    reject(
        "dist.allReduceAsync: tensors was detached or resized while the call ran (transferred, "
        "e.g. by postMessage or structuredClone): the result was lost, as N-API cannot pin a "
        "buffer; keep the tensors' buffers in place until the call settles" +
            also,
        "ERR_GRADGUARD_DIST");
  }
  void OnOK() override {
    settle([this] {
      if (!still_attached())
        return reject_lost(result_.ok ? "" : "; the call failed too: " + result_.message);
      if (result_.ok) return deferred_.Resolve(Env().Undefined());
      reject(result_.message, code_of(result_));
    });
  }
  void OnError(const Napi::Error& e) override {
    settle([&] {
      if (!still_attached()) return reject_lost("; the call failed too: " + e.Message());
      deferred_.Reject(e.Value());
    });
  }
  // As PromiseWorker::settle (native/addon/promise_worker.h): settling fails only while the
  // environment shuts down, and an exception escaping here would std::terminate the process.
  template <typename F>
  static void settle(F&& f) {
    try {
      f();
    } catch (const Napi::Error&) {
    }
  }

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference ref_;
  float* data_;
  size_t n_;
  size_t bytes_;
  Op op_;
  size_t chunk_;
  Result result_;
};

Napi::Value AllReduceAsync(const Napi::CallbackInfo& info) {
  size_t n = 0;
  typed_arg<float, napi_float32_array>(info, 0, "data", &n);
  auto* w = new AllReduceWorker(info.Env(), info[0].As<Napi::Float32Array>(), op_arg(info, 1),
                                chunk_arg(info, 2));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  size_t n = 0;
  float* data = typed_arg<float, napi_float32_array>(info, 0, "data", &n);
  const double root = number_arg(info, 1, "root");
  if (!(root >= 0) || root >= size() || root != std::floor(root))
    throw_type(info.Env(), "root must be a rank");
  check(info.Env(), broadcast(data, n, static_cast<int>(root), chunk_arg(info, 2), "broadcast"));
  return info.Env().Undefined();
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  check(info.Env(), barrier());
  return info.Env().Undefined();
}

// The JS functions that gather norms, as string literals (the watchdog keeps the pointer).
const char* gather_caller(const Napi::CallbackInfo& info, size_t i) {
  static const char* const kCallers[] = {"dist.getTotalNorm", "dist.clipGradNorm",
                                         "dist.DataParallel.step"};
  if (info.Length() > i && info[i].IsString()) {
    const std::string s = info[i].As<Napi::String>().Utf8Value();
    for (const char* c : kCallers)
      if (s == c) return c;
  }
  throw_type(info.Env(),
             "what must name dist.getTotalNorm, dist.clipGradNorm or dist.DataParallel.step");
}

Napi::Value AllGather(const Napi::CallbackInfo& info) {
  size_t k = 0;
  const double* local = typed_arg<double, napi_float64_array>(info, 0, "local", &k);
  const double norm_type = number_arg(info, 1, "normType");
  if (!(norm_type > 0)) throw_type(info.Env(), "normType must be > 0 or Infinity");
  const char* what = gather_caller(info, 2);
  std::vector<double> out(k * static_cast<size_t>(size()));
  check(info.Env(), all_gather(local, k, norm_type, out.data(), what));
  Napi::Float64Array a = Napi::Float64Array::New(info.Env(), out.size());
  for (size_t i = 0; i < out.size(); i++) a[i] = out[i];
  return a;
}

Napi::Value Abort(const Napi::CallbackInfo& info) {
  const double code = number_arg(info, 0, "code");
  if (info.Length() < 2 || !info[1].IsString()) throw_type(info.Env(), "message must be a string");
  abort_job(static_cast<int>(code), info[1].As<Napi::String>().Utf8Value());
  return info.Env().Undefined();
}

Napi::Value RawAllReduceSum(const Napi::CallbackInfo& info) {
  size_t n = 0;
  float* data = typed_arg<float, napi_float32_array>(info, 0, "data", &n);
  check(info.Env(), raw_all_reduce_sum(data, n));
  return info.Env().Undefined();
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("finalize", Napi::Function::New(env, Finalize, "finalize"));
  exports.Set("state", Napi::Function::New(env, State, "state"));
  exports.Set("libraryVersion", Napi::Function::New(env, LibraryVersion, "libraryVersion"));
  exports.Set("allReduce", Napi::Function::New(env, AllReduce, "allReduce"));
  exports.Set("allReduceAsync", Napi::Function::New(env, AllReduceAsync, "allReduceAsync"));
  exports.Set("broadcast", Napi::Function::New(env, Broadcast, "broadcast"));
  exports.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  exports.Set("allGather", Napi::Function::New(env, AllGather, "allGather"));
  exports.Set("abort", Napi::Function::New(env, Abort, "abort"));
  exports.Set("rawAllReduceSum", Napi::Function::New(env, RawAllReduceSum, "rawAllReduceSum"));
  return exports;
}

}  // namespace
}  // namespace mpi
}  // namespace gradguard

static Napi::Object InitGradguardMpi(Napi::Env env, Napi::Object exports) {
  return gradguard::mpi::InitModule(env, exports);
}

NODE_API_MODULE(gradguard_mpi, InitGradguardMpi)
