// Closes the async transfer gap: an *Async call's kernel runs on a libuv thread with raw pointers,
// and Node-API cannot pin an ArrayBuffer's backing store, so a buffer transferred to another thread
// (postMessage, structuredClone with a transfer list) that frees it while the call runs would be
// written after free. Every *Async export is therefore wrapped (stage_async_exports) so that,
// before the binding sees its arguments, each typed array among them (direct, in an Array, or in a
// prepared list) is made safe to use off the main thread:
//  - memory this addon exported (allocate(), createParamStore) is pinned: its finalizer frees it
//    only after the call (core/exported_memory.h), so it runs zero-copy;
//  - a SharedArrayBuffer's memory is kept alive by the reference the worker holds (it cannot be
//    detached), so it runs zero-copy too;
//  - any other (JS-owned) memory is copied into addon-owned scratch (core/scratch_pool.h), one
//    block per call with a region per ArrayBuffer so views that overlap keep overlapping, and the
//    binding gets views of the scratch instead. When the call settles, on the main thread, the
//    originals are re-checked: if one was detached or resized the Promise rejects with
//    ERR_GRADGUARD_DETACHED and nothing is written; otherwise the scratch is copied back (except
//    arguments the export only reads).
// The binding then builds its worker as before; the worker takes the staging (take()) and calls
// first_moved()/write_back() when it settles. The cost is two copies of the JS-owned bytes per call
// (bench/async-transfer.bench.ts measures it).
#pragma once

#include <napi.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace gradguard {
namespace addon {

class AsyncStaging {
 public:
  using Range = std::pair<size_t, size_t>;  // [begin, end) in bytes

  // read_only: bit i set when the export never writes argument i (its copy is not written back).
  AsyncStaging(napi_env env, uint64_t read_only) : env_(env), read_only_(read_only) {}
  AsyncStaging(const AsyncStaging&) = delete;
  AsyncStaging& operator=(const AsyncStaging&) = delete;
  // Unpins, and detaches the scratch buffers so their blocks go back to the pool now, not at a GC.
  ~AsyncStaging();

  // The arguments the binding should see: info's, with JS-owned typed arrays replaced by scratch
  // views. Throws (a JS error) only when scratch memory cannot be had.
  std::vector<napi_value> stage(const Napi::CallbackInfo& info);

  // "" when every copied original still has the length and memory it had at the call, else which
  // argument lost them ("argument 2", "argument 0 element 5").
  std::string first_moved(napi_env env) const;
  // Copies the results back into the originals (after first_moved() returned "").
  void write_back(napi_env env) const;

  // The staging of the *Async call now being set up on this thread, handed to the worker the
  // binding creates (null for a call that does not come through the wrapper).
  static std::unique_ptr<AsyncStaging> take();

 private:
  friend class StagingScope;

  struct View {
    napi_ref orig;
    size_t arg;
    uint32_t element;
    napi_typedarray_type type;
    size_t length;  // elements
    uint8_t* data;  // at the call
    uint8_t* base;  // the ArrayBuffer's memory at the call
    size_t offset;  // bytes into it
    size_t bytes;
    bool read_only;  // every argument position it came in is one the export only reads
    napi_value sub;  // the scratch view (valid during stage() only)
  };

  struct Group {
    uint8_t* base;  // the original ArrayBuffer's memory
    size_t lo;      // its bytes from lo on sit at scratch_ + pos
    size_t pos;
    std::vector<Range> write;  // to copy back, relative to base
  };

  napi_value substitute(napi_value v, size_t arg, uint32_t element);
  void collect(napi_value v, size_t arg, uint32_t element);
  void build_groups();

  napi_env env_;
  uint64_t read_only_;
  std::vector<View> views_;
  // (data, type, length) -> index in views_: one copy per distinct view, found in O(log n).
  std::map<std::tuple<const void*, int, size_t>, size_t> index_;
  std::vector<Group> groups_;
  std::vector<const void*> pins_;
  void* scratch_ = nullptr;    // one block for every group
  size_t capacity_ = 0;        // 0: a plain ArrayBuffer (no pool block)
  napi_ref buffer_ = nullptr;  // the scratch ArrayBuffer
};

// Replaces every function export whose name ends in "Async" with a wrapper that stages its
// arguments (see above) and then calls the original binding.
void stage_async_exports(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace gradguard
