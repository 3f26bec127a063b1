// The addon's exports table; each area's bindings live in <area>_binding.cc. Context-aware: it
// keeps no per-environment state in globals, so several worker_threads may load it at once.
#include <napi.h>

#include "addon/async_staging.h"
#include "addon/bindings.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  gradguard::addon::init_runtime(env, exports);
  gradguard::addon::init_grad(env, exports);
  gradguard::addon::init_memory(env, exports);
  gradguard::addon::init_tensor_list(env, exports);
  gradguard::addon::init_optim(env, exports);
  gradguard::addon::init_ops(env, exports);
  gradguard::addon::init_normalization(env, exports);
  gradguard::addon::init_rnn(env, exports);
  gradguard::addon::init_conv(env, exports);
  gradguard::addon::init_embedding(env, exports);
  gradguard::addon::init_softmax(env, exports);
  gradguard::addon::init_attention(env, exports);
  gradguard::addon::init_pool(env, exports);
  gradguard::addon::init_dropout(env, exports);
  return exports;
}

// Init's exports with every *Async one wrapped so its buffers are pinned or copied
// (async_staging.h); apart from Init so that any export added there is covered.
Napi::Object InitStaged(Napi::Env env, Napi::Object exports) {
  Init(env, exports);
  gradguard::addon::stage_async_exports(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(gradguard, InitStaged)
