// One init function per binding area; addon.cc calls each to fill the exports object.
#pragma once

#include <napi.h>

namespace gradguard {
namespace addon {

void init_runtime(Napi::Env env, Napi::Object exports);
void init_grad(Napi::Env env, Napi::Object exports);
void init_memory(Napi::Env env, Napi::Object exports);
void init_tensor_list(Napi::Env env, Napi::Object exports);
void init_optim(Napi::Env env, Napi::Object exports);
void init_ops(Napi::Env env, Napi::Object exports);
void init_normalization(Napi::Env env, Napi::Object exports);
void init_rnn(Napi::Env env, Napi::Object exports);
void init_conv(Napi::Env env, Napi::Object exports);
void init_embedding(Napi::Env env, Napi::Object exports);
void init_softmax(Napi::Env env, Napi::Object exports);
void init_attention(Napi::Env env, Napi::Object exports);
void init_pool(Napi::Env env, Napi::Object exports);
void init_dropout(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace gradguard
