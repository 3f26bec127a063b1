#include "addon/async_staging.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>
#include <utility>

#include "addon/args.h"
#include "core/exported_memory.h"
#include "core/scratch_pool.h"
#include "core/status.h"

namespace gradguard {
namespace addon {

namespace {

constexpr uint32_t kNoElement = UINT32_MAX;

// Sorts and merges overlapping or touching ranges.
using Range = AsyncStaging::Range;

std::vector<Range> merged(std::vector<Range> r) {
  std::sort(r.begin(), r.end());
  std::vector<Range> out;
  for (const Range& x : r) {
    if (!out.empty() && x.first <= out.back().second) {
      out.back().second = std::max(out.back().second, x.second);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

size_t element_size(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    default: return 8;  // float64, bigint64, biguint64
  }
}

[[noreturn]] void throw_napi(napi_env env, const char* what) {
  throw_status(env, Status::kInternal, std::string("staging an *Async call: ") + what);
}

thread_local std::unique_ptr<AsyncStaging>* t_pending = nullptr;

}  // namespace

// Sets which staging the binding's worker takes, for the duration of one wrapped call.
class StagingScope {
 public:
  explicit StagingScope(std::unique_ptr<AsyncStaging>* s) : prev_(t_pending) { t_pending = s; }
  ~StagingScope() { t_pending = prev_; }
  StagingScope(const StagingScope&) = delete;
  StagingScope& operator=(const StagingScope&) = delete;

 private:
  std::unique_ptr<AsyncStaging>* prev_;
};

std::unique_ptr<AsyncStaging> AsyncStaging::take() {
  if (t_pending == nullptr) return nullptr;
  std::unique_ptr<AsyncStaging> s = std::move(*t_pending);
  t_pending = nullptr;
  return s;
}

AsyncStaging::~AsyncStaging() {
  for (const void* p : pins_) unpin_exported(p);
  napi_handle_scope scope = nullptr;
  const bool scoped = napi_open_handle_scope(env_, &scope) == napi_ok;
  if (buffer_ != nullptr) {
    napi_value ab = nullptr;
    if (capacity_ != 0 && napi_get_reference_value(env_, buffer_, &ab) == napi_ok && ab) {
      napi_detach_arraybuffer(env_, ab);  // any stray scratch view now reads as detached
    }
    napi_delete_reference(env_, buffer_);
  }
  // Back to the pool now, not from the buffer's finalizer: that runs a loop turn later (or at a
  // GC), after the next call of a loop has already taken a fresh block and paid its page faults.
  // Safe: the scratch views never reach user code (the bindings return numbers, plain objects or
  // undefined, and the TS layer returns the caller's own arrays), and the work is done.
  if (capacity_ != 0) scratch_release(scratch_, capacity_);
  for (View& v : views_) napi_delete_reference(env_, v.orig);
  if (scoped) napi_close_handle_scope(env_, scope);
}

// Pass 1: finds the typed arrays in `v` (itself, an Array's elements, a prepared list's arrays)
// that live in JS-owned memory; pins the exported ones.
void AsyncStaging::collect(napi_value v, size_t arg, uint32_t element) {
  bool is_ta = false;
  if (napi_is_typedarray(env_, v, &is_ta) != napi_ok) return;
  if (!is_ta) {
    if (element != kNoElement) return;  // no nesting below one level
    bool is_array = false;
    napi_is_array(env_, v, &is_array);
    if (is_array) {
      uint32_t n = 0;
      napi_get_array_length(env_, v, &n);
      for (uint32_t k = 0; k < n; ++k) {
        napi_value el;
        if (napi_get_element(env_, v, k, &el) == napi_ok) collect(el, arg, k);
      }
    } else if (const PreparedList* p = prepared_list(env_, v)) {
      for (size_t k = 0; k < p->refs.size(); ++k) {
        collect(p->refs[k].Value(), arg, static_cast<uint32_t>(k));
      }
    }
    return;
  }
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(env_, v, &type, &length, &data, &buffer, &offset) != napi_ok) return;
  const size_t bytes = length * element_size(type);
  if (bytes == 0)
    return;  // empty or detached: nothing is touched (the binding rejects a detached one)
  if (const void* start = pin_exported(data, bytes)) {
    pins_.push_back(start);  // exported memory: zero-copy, freed only after the call
    return;
  }
  void* ab_data = nullptr;
  size_t ab_bytes = 0;
  if (napi_get_arraybuffer_info(env_, buffer, &ab_data, &ab_bytes) != napi_ok) {
    return;  // a SharedArrayBuffer: cannot be detached, and the worker's reference keeps it alive
  }
  const bool ro = arg < 64 && ((read_only_ >> arg) & 1) != 0;
  const auto key = std::make_tuple(static_cast<const void*>(data), static_cast<int>(type), length);
  auto seen = index_.find(key);
  if (seen != index_.end()) {
    // The same view again (in place: out === x): one copy, written back if any position writes.
    views_[seen->second].read_only = views_[seen->second].read_only && ro;
    return;
  }
  napi_ref ref;
  if (napi_create_reference(env_, v, 1, &ref) != napi_ok) throw_napi(env_, "reference");
  views_.push_back(View{ref, arg, element, type, length, static_cast<uint8_t*>(data),
                        static_cast<uint8_t*>(ab_data), offset, bytes, ro, nullptr});
  index_.emplace(key, views_.size() - 1);
}

// One scratch block for the whole call (one external ArrayBuffer: creating and finalizing one per
// tensor cost microseconds each, milliseconds for a list of a thousand); in it, one 64-byte-aligned
// region per original ArrayBuffer covering that buffer's views, so views that overlap keep
// overlapping. Copies the views in and makes the scratch views.
void AsyncStaging::build_groups() {
  std::map<uint8_t*, std::vector<size_t>> by_base;
  for (size_t i = 0; i < views_.size(); ++i) by_base[views_[i].base].push_back(i);
  groups_.reserve(by_base.size());
  std::vector<std::vector<Range>> copy_in;
  copy_in.reserve(by_base.size());
  size_t total = 0;
  for (auto& kv : by_base) {
    std::vector<Range> all, write;
    for (size_t i : kv.second) {
      const View& v = views_[i];
      all.push_back({v.offset, v.offset + v.bytes});
      if (!v.read_only) write.push_back({v.offset, v.offset + v.bytes});
    }
    all = merged(std::move(all));
    // An 8-aligned start: every view keeps an offset its element size divides.
    const size_t lo = all.front().first & ~size_t{7};
    groups_.push_back(Group{kv.first, lo, total, merged(std::move(write))});
    total += (all.back().second - lo + 63) & ~size_t{63};
    copy_in.push_back(std::move(all));
  }
  napi_value ab = nullptr;
  scratch_ = scratch_acquire(total, &capacity_);
  if (scratch_ == nullptr) throw_status(env_, Status::kOutOfMemory, "staging an *Async call");
  const napi_status st = napi_create_external_arraybuffer(
      env_, scratch_, total,
      // Nothing to do here: the destructor gives the block back (see there).
      [](napi_env, void*, void*) {}, nullptr, &ab);
  if (st != napi_ok) {
    // A runtime without external buffers: a plain one (never seen by JS, so just as safe).
    scratch_release(scratch_, capacity_);
    capacity_ = 0;
    if (napi_create_arraybuffer(env_, total, &scratch_, &ab) != napi_ok) {
      throw_status(env_, Status::kOutOfMemory, "staging an *Async call");
    }
  }
  if (napi_create_reference(env_, ab, 1, &buffer_) != napi_ok) {
    if (capacity_ != 0) napi_detach_arraybuffer(env_, ab);
    throw_napi(env_, "reference");
  }
  uint8_t* scratch = static_cast<uint8_t*>(scratch_);
  size_t g = 0;
  for (auto& kv : by_base) {
    const Group& gr = groups_[g];
    for (const Range& r : copy_in[g]) {
      std::memcpy(scratch + gr.pos + (r.first - gr.lo), kv.first + r.first, r.second - r.first);
    }
    for (size_t i : kv.second) {
      View& v = views_[i];
      if (napi_create_typedarray(env_, v.type, v.length, ab, gr.pos + (v.offset - gr.lo), &v.sub) !=
          napi_ok) {
        throw_napi(env_, "typed array");
      }
    }
    ++g;
  }
}

// Pass 2: `v` with its JS-owned typed arrays replaced by their scratch views.
napi_value AsyncStaging::substitute(napi_value v, size_t arg, uint32_t element) {
  bool is_ta = false;
  napi_is_typedarray(env_, v, &is_ta);
  if (is_ta) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env_, v, &type, &length, &data, nullptr, nullptr) != napi_ok) {
      return v;
    }
    auto it = index_.find(
        std::make_tuple(static_cast<const void*>(data), static_cast<int>(type), length));
    return it == index_.end() ? v : views_[it->second].sub;
  }
  if (element != kNoElement) return v;
  // An Array or a prepared list with at least one copied element becomes an Array of the
  // substitutes (the bindings take a plain Array wherever they take a prepared list).
  std::vector<napi_value> els;
  bool is_array = false;
  napi_is_array(env_, v, &is_array);
  if (is_array) {
    uint32_t n = 0;
    napi_get_array_length(env_, v, &n);
    els.resize(n);
    for (uint32_t k = 0; k < n; ++k) napi_get_element(env_, v, k, &els[k]);
  } else if (const PreparedList* p = prepared_list(env_, v)) {
    els.resize(p->refs.size());
    for (size_t k = 0; k < els.size(); ++k) els[k] = p->refs[k].Value();
  } else {
    return v;
  }
  bool changed = false;
  for (size_t k = 0; k < els.size(); ++k) {
    napi_value s = substitute(els[k], arg, static_cast<uint32_t>(k));
    changed = changed || s != els[k];
    els[k] = s;
  }
  if (!changed) return v;
  napi_value out;
  if (napi_create_array_with_length(env_, els.size(), &out) != napi_ok) throw_napi(env_, "array");
  for (size_t k = 0; k < els.size(); ++k)
    napi_set_element(env_, out, static_cast<uint32_t>(k), els[k]);
  return out;
}

std::vector<napi_value> AsyncStaging::stage(const Napi::CallbackInfo& info) {
  const size_t n = info.Length();
  for (size_t i = 0; i < n; ++i) collect(info[i], i, kNoElement);
  if (!views_.empty()) build_groups();
  std::vector<napi_value> args(n);
  for (size_t i = 0; i < n; ++i)
    args[i] = views_.empty() ? info[i] : substitute(info[i], i, kNoElement);
  for (View& v : views_) v.sub = nullptr;  // handles of this scope only
  return args;
}

std::string AsyncStaging::first_moved(napi_env env) const {
  for (const View& v : views_) {
    napi_value a;
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_reference_value(env, v.orig, &a) != napi_ok ||
        napi_get_typedarray_info(env, a, &type, &length, &data, nullptr, nullptr) != napi_ok ||
        length != v.length || data != v.data) {
      std::string s = "argument " + std::to_string(v.arg);
      if (v.element != kNoElement) s += " element " + std::to_string(v.element);
      return s;
    }
  }
  return "";
}

void AsyncStaging::write_back(napi_env) const {
  const uint8_t* scratch = static_cast<const uint8_t*>(scratch_);
  for (const Group& g : groups_) {
    for (const Range& r : g.write) {
      std::memcpy(g.base + r.first, scratch + g.pos + (r.first - g.lo), r.second - r.first);
    }
  }
}

namespace {

struct AsyncExport {
  Napi::FunctionReference fn;
  uint64_t read_only;
};

// Arguments an export only reads: their copies need no copy back. Any export not listed here gets
// every argument copied back (correct for any binding, one memory pass dearer).
uint64_t read_only_args(const std::string& name) {
  static const std::pair<const char*, uint64_t> kTable[] = {
      {"gradNormAsync", 0b11},         // (tensors, segments, normType, perTensorOut)
      {"gradStatsAsync", 0b11},        // (tensors, segments, perTensorOut)
      {"matmulAsync", 0b11},           // (a, b, c, ...)
      {"linearForwardAsync", 0b111},   // (x, weight, bias, y, ...)
      {"linearBackwardAsync", 0b111},  // (x, weight, gradY, gradX, gradWeight, gradBias, ...)
  };
  for (const auto& e : kTable) {
    if (name == e.first) return e.second;
  }
  return 0;
}

Napi::Value StagedCall(const Napi::CallbackInfo& info) {
  auto* e = static_cast<AsyncExport*>(info.Data());
  auto staging = std::make_unique<AsyncStaging>(info.Env(), e->read_only);
  std::vector<napi_value> args = staging->stage(info);
  StagingScope scope(&staging);  // the binding's worker takes it; otherwise it dies here
  return e->fn.Value().Call(info.This(), args);
}

}  // namespace

void stage_async_exports(Napi::Env env, Napi::Object exports) {
  Napi::Array names = exports.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const std::string name = names.Get(i).As<Napi::String>();
    if (name.size() <= 5 || name.compare(name.size() - 5, 5, "Async") != 0) continue;
    Napi::Value v = exports.Get(name);
    if (!v.IsFunction()) continue;
    auto* e = new AsyncExport{Napi::Persistent(v.As<Napi::Function>()), read_only_args(name)};
    Napi::Function f = Napi::Function::New(env, StagedCall, name, e);
    f.AddFinalizer([](Napi::Env, AsyncExport* p) { delete p; }, e);
    exports.Set(name, f);
  }
}

}  // namespace addon
}  // namespace gradguard
