// Aligned buffers for flat parameter stores: native memory handed to JS as an external ArrayBuffer
// (freed by its finalizer, or after the last *Async call that pinned it: core/exported_memory.h).
// Where a runtime forbids external buffers, a plain ArrayBuffer is used.
#include <napi.h>

#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "core/exported_memory.h"
#include "core/memory.h"
#include "core/status.h"

namespace gradguard {
namespace addon {
namespace {

// (bytes) -> ArrayBuffer, zero-filled, 64-byte aligned (2 MiB and huge-page advised when large).
Napi::Value AllocateBuffer(const Napi::CallbackInfo& info) {
  GG_REQUIRE_ARGS(info, 1);
  Napi::Env env = info.Env();
  const size_t bytes = arg_dim(info, 0, "bytes");
  void* p = allocate_buffer(bytes);
  if (p == nullptr)
    throw_status(env, Status::kOutOfMemory, "allocateBuffer(" + std::to_string(bytes) + ")");
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(
      env, p, bytes,
      [](napi_env fin_env, void* data, void* hint) {
        const size_t n = reinterpret_cast<size_t>(hint);
        int64_t unused = 0;
        napi_adjust_external_memory(fin_env, -static_cast<int64_t>(n), &unused);
        release_exported(data);  // frees now, or after the last *Async call using it
      },
      reinterpret_cast<void*>(bytes), &ab);
  if (st != napi_ok) {
    free_buffer(p, bytes);
    return env.Null();  // external buffers not allowed here: the caller falls back to ArrayBuffer
  }
  track_exported(p, bytes);  // before JS can see it: async calls pin it (async_staging.h)
  int64_t adjusted = 0;
  napi_adjust_external_memory(env, static_cast<int64_t>(bytes), &adjusted);
  return Napi::Value(env, ab);
}

}  // namespace

void init_memory(Napi::Env env, Napi::Object exports) {
  exports.Set("allocateBuffer", Napi::Function::New(env, AllocateBuffer, "allocateBuffer"));
}

}  // namespace addon
}  // namespace gradguard
