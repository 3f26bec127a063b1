// Base class of every *Async call: owns a Promise, keeps its JS inputs referenced until it settles,
// and runs compute() on a libuv worker thread.
// RULE: compute() touches no JS value (no napi_env, no Napi:: object): it runs off the main thread.
#pragma once

#include <napi.h>

#include <exception>
#include <initializer_list>
#include <utility>
#include <string>
#include <vector>

#include "core/status.h"

namespace gradguard {
namespace addon {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env, const char* name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), name_(name) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  // Keeps a JS value (a tensor list, a buffer) alive while the work runs.
  void keep(Napi::Value v) {
    if (v.IsObject()) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
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
    Napi::Env env = Env();
    if (status_ != Status::kOk) {
      Napi::Error e = Napi::Error::New(env, std::string(Name()) + ": " + status_message(status_));
      e.Set("code", Napi::String::New(env, status_code(status_)));
      deferred_.Reject(e.Value());
      return;
    }
    try {
      deferred_.Resolve(result(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

  const char* Name() const { return name_; }

  Napi::Promise::Deferred deferred_;
  const char* name_;
  std::vector<Napi::ObjectReference> refs_;
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

// Queues the work and returns its Promise; `keep` lists the JS values the work reads or writes.
template <typename Compute, typename Result>
Napi::Promise queue_async(Napi::Env env, const char* name, std::initializer_list<Napi::Value> keep,
                          Compute c, Result r) {
  auto* w = new FnWorker<Compute, Result>(env, name, std::move(c), std::move(r));
  for (const Napi::Value& v : keep) w->keep(v);
  Napi::Promise p = w->promise();
  w->Queue();  // the worker deletes itself after OnOK/OnError
  return p;
}

}  // namespace addon
}  // namespace gradguard
