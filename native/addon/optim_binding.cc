// Optimiser bindings: fused multi-tensor SGD and Adam/AdamW steps, synchronous (a step is one
// memory pass; the caller wants the parameters updated before its next forward pass). Every tensor
// list uses the (tensors, segments) convention of args.h; lengths are re-checked before any write.
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "addon/args.h"
#include "addon/bindings.h"
#include "kernels/optim/multi_tensor_optim.h"

namespace gradguard {
namespace addon {
namespace {

using kernels::Span;

// One reusable span vector per list slot and calling thread: a steady-state step allocates nothing.
std::vector<Span>& slot(int k) {
  thread_local std::vector<Span> slots[5];
  return slots[k];
}

bool absent(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() <= i || info[i].IsNull() || info[i].IsUndefined();
}

// Unpacks list `name` at argument i into slot k and checks it has one span per parameter, each of
// the parameter's length.
const Span* matching_list(const Napi::CallbackInfo& info, size_t i, const char* name, int k,
                          const std::vector<Span>& params) {
  std::vector<Span>& spans = slot(k);
  tensor_list(info, i, name, &spans);
  if (spans.size() != params.size()) {
    throw_range(info.Env(), std::string(name) + " must hold " + std::to_string(params.size()) +
                                " tensors, got " + std::to_string(spans.size()));
  }
  for (size_t t = 0; t < spans.size(); ++t) {
    if (spans[t].size != params[t].size) {
      throw_range(info.Env(), std::string(name) + "[" + std::to_string(t) + "] must have " +
                                  std::to_string(params[t].size) + " elements, got " +
                                  std::to_string(spans[t].size));
    }
  }
  return spans.data();
}

double finite_number(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const double v = arg_number(info, i, name);
  if (!std::isfinite(v)) throw_range(info.Env(), std::string(name) + " must be finite");
  return v;
}

// (params, ps, grads, gs, bufs|null, bs, lr, momentum, dampening, weightDecay, nesterov, maximize,
//  firstStep, gradScale) -> undefined
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 14);
  std::vector<Span>& params = slot(0);
  tensor_list(info, 0, "params", &params);
  const Span* grads = matching_list(info, 2, "grads", 1, params);
  kernels::SgdConsts c;
  c.lr = static_cast<float>(finite_number(info, 6, "lr"));
  c.momentum = static_cast<float>(finite_number(info, 7, "momentum"));
  c.one_minus_dampening = static_cast<float>(1.0 - finite_number(info, 8, "dampening"));
  c.weight_decay = static_cast<float>(finite_number(info, 9, "weightDecay"));
  c.nesterov = arg_bool(info, 10, "nesterov");
  c.maximize = arg_bool(info, 11, "maximize");
  c.first_step = arg_bool(info, 12, "firstStep");
  c.grad_scale = static_cast<float>(arg_number(info, 13, "gradScale"));
  const Span* bufs = nullptr;
  if (!absent(info, 4)) bufs = matching_list(info, 4, "momentumBuffers", 2, params);
  if (c.momentum != 0.f && bufs == nullptr) {
    throw_type(info.Env(), "momentumBuffers are required when momentum != 0");
  }
  const Status s =
      kernels::multi_tensor_sgd(active_isa(), params.data(), grads, bufs, params.size(), c);
  if (s != Status::kOk) throw_status(info.Env(), s, "sgdStep");
  return info.Env().Undefined();
}

// (params, ps, grads, gs, expAvg, ms, expAvgSq, vs, maxExpAvgSq|null, vms, lr, beta1, beta2, eps,
//  weightDecay, decoupled, amsgrad, maximize, step, gradScale) -> undefined
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 20);
  std::vector<Span>& params = slot(0);
  tensor_list(info, 0, "params", &params);
  const Span* grads = matching_list(info, 2, "grads", 1, params);
  const Span* m = matching_list(info, 4, "expAvg", 2, params);
  const Span* v = matching_list(info, 6, "expAvgSq", 3, params);
  const double lr = finite_number(info, 10, "lr");
  const double beta1 = finite_number(info, 11, "beta1");
  const double beta2 = finite_number(info, 12, "beta2");
  const double eps = finite_number(info, 13, "eps");
  const double wd = finite_number(info, 14, "weightDecay");
  const bool decoupled = arg_bool(info, 15, "decoupled");
  const bool amsgrad = arg_bool(info, 16, "amsgrad");
  const bool maximize = arg_bool(info, 17, "maximize");
  const double step = finite_number(info, 18, "step");
  const double grad_scale = arg_number(info, 19, "gradScale");
  if (!(step >= 1.0)) throw_range(info.Env(), "step must be >= 1");
  if (!(beta1 >= 0.0 && beta1 < 1.0) || !(beta2 >= 0.0 && beta2 < 1.0)) {
    throw_range(info.Env(), "betas must lie in [0, 1)");
  }
  const Span* vmax = nullptr;
  if (amsgrad) {
    if (absent(info, 8)) throw_type(info.Env(), "maxExpAvgSq is required with amsgrad");
    vmax = matching_list(info, 8, "maxExpAvgSq", 4, params);
  }
  const kernels::AdamConsts c = kernels::adam_consts(lr, beta1, beta2, eps, wd, decoupled, amsgrad,
                                                     maximize, step, grad_scale);
  const Status s =
      kernels::multi_tensor_adam(active_isa(), params.data(), grads, m, v, vmax, params.size(), c);
  if (s != Status::kOk) throw_status(info.Env(), s, "adamStep");
  return info.Env().Undefined();
}

}  // namespace

void init_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdStep", Napi::Function::New(env, SgdStep, "sgdStep"));
  exports.Set("adamStep", Napi::Function::New(env, AdamStep, "adamStep"));
}

}  // namespace addon
}  // namespace gradguard
