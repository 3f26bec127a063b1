// The addon's exports table; each area's bindings live in <area>_binding.cc. Context-aware: it
// keeps no per-environment state in globals, so several worker_threads may load it at once.
#include <napi.h>

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

}  // namespace

NODE_API_MODULE(gradguard, Init)
