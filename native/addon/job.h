// One prepared kernel call shared by a binding's sync and *Async forms: the argument checks run on
// the main thread and produce a Job (plain C++: pointers, sizes, the ISA), which either runs now or
// on a libuv worker thread with every JS argument kept alive until its Promise settles.
#pragma once

#include <napi.h>

#include <functional>
#include <utility>

#include "addon/args.h"
#include "addon/promise_worker.h"
#include "core/status.h"

namespace gradguard {
namespace addon {

using Job = std::function<Status()>;

// Runs the job on this thread; a failure throws (named after the binding).
inline Napi::Value run_job_now(const Napi::CallbackInfo& info, const Job& job, const char* name) {
  const Status s = job();
  if (s != Status::kOk) throw_status(info.Env(), s, name);
  return info.Env().Undefined();
}

// Queues the job on a worker thread; the Promise resolves to undefined or rejects with its status.
inline Napi::Value run_job_async(const Napi::CallbackInfo& info, Job job, const char* name) {
  auto undefined = [](Napi::Env env) { return env.Undefined(); };
  auto* w = new FnWorker<Job, decltype(undefined)>(info.Env(), name, std::move(job), undefined);
  for (size_t i = 0; i < info.Length(); ++i) w->keep(info[i], i);
  Napi::Promise p = w->promise();
  w->Queue();  // deletes itself after settling
  return p;
}

}  // namespace addon
}  // namespace gradguard
