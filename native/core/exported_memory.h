// Allocations handed to JavaScript as external ArrayBuffers (allocate(), createParamStore), kept
// alive by in-flight *Async calls: an async call pins every allocation it reads or writes, and the
// buffer's finalizer (run after a GC, or when a worker_thread's environment is torn down) frees the
// memory only once no call holds a pin, otherwise the last unpin frees it. This is what makes an
// external buffer safe to pass to an *Async call without copying, whatever JS does with the
// ArrayBuffer meanwhile (a transfer with ArrayBuffer.prototype.transfer where the runtime has it,
// the environment that allocated it exiting). Process-wide and thread-safe: a buffer may be
// allocated in one worker_thread and used by a call in another.
#pragma once

#include <cstddef>

namespace gradguard {

// Records [p, p + bytes) from allocate_buffer as exported (unpinned, not yet released).
void track_exported(void* p, size_t bytes);

// The finalizer's side: frees the allocation at `p` (from track_exported) now when nothing pins it,
// else when the last pin goes. Unknown pointers are ignored.
void release_exported(void* p);

// Pins the exported allocation that contains [p, p + bytes) and returns its start, or nullptr when
// no tracked allocation contains that range (memory JS allocated, a released allocation). Every
// non-null result must be given back to unpin_exported exactly once.
const void* pin_exported(const void* p, size_t bytes);
void unpin_exported(const void* start);

// For tests: the tracked allocations (released ones included while still pinned) and pins held.
size_t exported_count();
size_t exported_pins();

}  // namespace gradguard
