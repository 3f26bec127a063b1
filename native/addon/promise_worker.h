// Base class of every *Async call: owns a Promise, keeps its JS inputs referenced until it settles,
// and runs compute() on a libuv worker thread.
// RULE: compute() touches no JS value (no napi_env, no Napi:: object): it runs off the main thread.
// A reference keeps a typed array alive, not its memory: N-API cannot pin a backing store. So every
// *Async export goes through async_staging.h first, which pins addon-exported memory and copies
// JS-owned memory into scratch: compute() never sees a pointer a transfer could free. The worker
// takes that staging (if any) and, in OnOK, rejects with ERR_GRADGUARD_DETACHED when a kept typed
// array or a staged original lost its length or memory meanwhile (a detached array has length 0;
// the memory of a live one cannot move), writing nothing back; otherwise it copies the staged
// results back before resolving. A lost result is never reported as a success.
#pragma once

#include <napi.h>

#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "addon/args.h"
#include "addon/async_staging.h"
#include "core/status.h"

namespace gradguard {
namespace addon {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env, const char* name)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        name_(name),
        staging_(AsyncStaging::take()) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  // Keeps argument `arg` alive while the work runs (a typed array, an Array of them, a prepared
  // list, any other object) and records the length of each typed array in it for OnOK to re-check.
  void keep(Napi::Value v, size_t arg) {
    if (!v.IsObject()) return;
    napi_env env = Env();
    if (v.IsTypedArray()) {
      watch(env, v, arg, kNoElement);
      return;
    }
    refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    if (v.IsArray()) {
      Napi::Array a = v.As<Napi::Array>();
      for (uint32_t k = 0; k < a.Length(); ++k) {
        Napi::Value el = a.Get(k);
        if (el.IsTypedArray()) watch(env, el, arg, k);
      }
    } else if (const PreparedList* p = prepared_list(env, v)) {
      lists_.push_back({p, arg});
    }
  }

 protected:
  // Runs on a worker thread: plain C++ only. Return a non-OK status to reject.
  virtual Status compute() = 0;
  // Runs on the main thread after compute() succeeded: the resolved value.
  virtual Napi::Value result(Napi::Env env) = 0;

 private:
  void Execute() override {
    try {
      status_ = compute();
    } catch (const std::bad_alloc&) {
      status_ = Status::kOutOfMemory;
    } catch (...) {
      status_ = Status::kInternal;
    }
  }

  void OnOK() override {
    settle([this] {
      Napi::Env env = Env();
      std::string moved = first_moved(env);
      if (moved.empty() && staging_) moved = staging_->first_moved(env);
      if (!moved.empty()) {
        Napi::Error e = Napi::Error::New(
            env, std::string(Name()) + ": " + moved +
                     " was detached (transferred) or resized while the call ran, so the result is "
                     "lost; an *Async call's buffers belong to it until its Promise settles");
        e.Set("code", Napi::String::New(env, "ERR_GRADGUARD_DETACHED"));
        deferred_.Reject(e.Value());
        return;
      }
      if (status_ != Status::kOk) {
        Napi::Error e = Napi::Error::New(env, std::string(Name()) + ": " + status_message(status_));
        e.Set("code", Napi::String::New(env, status_code(status_)));
        deferred_.Reject(e.Value());
        return;
      }
      if (staging_) staging_->write_back(env);
      try {
        deferred_.Resolve(result(env));
      } catch (const Napi::Error& e) {
        deferred_.Reject(e.Value());
      }
    });
  }

  void OnError(const Napi::Error& e) override {
    settle([&] { deferred_.Reject(e.Value()); });
  }

  // Settling fails only while the environment shuts down (a worker_thread terminated, or the
  // process exiting, with this call in flight): every N-API call then returns
  // napi_pending_exception, which node-addon-api turns into a Napi::Error. Nobody can observe the
  // Promise any more, and an exception escaping the completion callback would std::terminate the
  // whole process, so it is dropped.
  template <typename F>
  static void settle(F&& f) {
    try {
      f();
    } catch (const Napi::Error&) {
    }
  }

  const char* Name() const { return name_; }

  static constexpr uint32_t kNoElement = UINT32_MAX;

  // A kept typed array and its length when the call started.
  struct Watched {
    Napi::ObjectReference ref;
    size_t length;  // elements
    size_t arg;
    uint32_t element;  // index in an Array argument, or kNoElement
  };

  struct WatchedList {
    const PreparedList* list;  // alive: refs_ holds its handle
    size_t arg;
  };

  void watch(napi_env env, Napi::Value v, size_t arg, uint32_t element) {
    const size_t length = typed_array_length(env, v);
    if (length == 0) {
      // Empty: nothing is read or written through it; only keep it alive.
      refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
      return;
    }
    watched_.push_back({Napi::Persistent(v.As<Napi::Object>()), length, arg, element});
  }

  // Asks for the length only: fetching the data pointer would create an ArrayBuffer handle, and a
  // live array's memory does not move (a detach leaves length 0; a shrink into it changes it).
  static size_t typed_array_length(napi_env env, napi_value v) {
    napi_typedarray_type type;
    size_t length = 0;
    if (napi_get_typedarray_info(env, v, &type, &length, nullptr, nullptr, nullptr) != napi_ok) {
      return 0;
    }
    return length;
  }

  static std::string describe(size_t arg, uint32_t element) {
    std::string s = "argument " + std::to_string(arg);
    if (element != kNoElement) s += " element " + std::to_string(element);
    return s;
  }

  // "" when every kept typed array still has its length, else which one lost it.
  std::string first_moved(napi_env env) const {
    for (const Watched& w : watched_) {
      if (typed_array_length(env, w.ref.Value()) != w.length) return describe(w.arg, w.element);
    }
    for (const WatchedList& l : lists_) {
      for (size_t k = 0; k < l.list->spans.size(); ++k) {
        const kernels::Span& s = l.list->spans[k];
        if (s.size != 0 && typed_array_length(env, l.list->refs[k].Value()) != s.size) {
          return describe(l.arg, static_cast<uint32_t>(k));
        }
      }
    }
    return "";
  }

  Napi::Promise::Deferred deferred_;
  const char* name_;
  std::vector<Napi::ObjectReference> refs_;
  std::vector<Watched> watched_;
  std::vector<WatchedList> lists_;
  // The copies and pins made for this call (null when it did not come through the wrapper):
  // released with the worker, after it settled.
  std::unique_ptr<AsyncStaging> staging_;
  Status status_ = Status::kOk;
};

}  // namespace addon
}  // namespace gradguard

namespace gradguard {
namespace addon {

// A PromiseWorker from two callables: compute() -> Status (worker thread, no JS) and
// result(Napi::Env) -> Napi::Value (main thread).
template <typename Compute, typename Result>
class FnWorker final : public PromiseWorker {
 public:
  FnWorker(Napi::Env env, const char* name, Compute c, Result r)
      : PromiseWorker(env, name), compute_(std::move(c)), result_(std::move(r)) {}

 protected:
  Status compute() override { return compute_(); }
  Napi::Value result(Napi::Env env) override { return result_(env); }

 private:
  Compute compute_;
  Result result_;
};

// Queues the work and returns its Promise; `keep` lists the arguments (indices into `info`; absent
// ones are skipped) the work reads or writes.
template <typename Compute, typename Result>
Napi::Promise queue_async(const Napi::CallbackInfo& info, const char* name,
                          std::initializer_list<size_t> keep, Compute c, Result r) {
  auto* w = new FnWorker<Compute, Result>(info.Env(), name, std::move(c), std::move(r));
  for (size_t i : keep) {
    if (i < info.Length()) w->keep(info[i], i);
  }
  Napi::Promise p = w->promise();
  w->Queue();  // the worker deletes itself after OnOK/OnError
  return p;
}

}  // namespace addon
}  // namespace gradguard
