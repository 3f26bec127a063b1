// The registry that keeps exported buffers alive through in-flight *Async calls, and the scratch
// pool behind the copies of JS-owned memory: a released allocation is freed only at its last unpin,
// pins find the allocation from any pointer inside it and nothing outside, concurrent pin/unpin
// from many threads loses no count, and the pool hands released blocks back instead of new ones.
#include "core/exported_memory.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "core/memory.h"
#include "core/scratch_pool.h"
#include "test_util.h"

using namespace gradguard;

namespace {

void test_release_waits_for_last_unpin() {
  const size_t before = exported_count();
  const size_t bytes = 1000;
  auto* p = static_cast<uint8_t*>(allocate_buffer(bytes));
  track_exported(p, bytes);
  CHECK(exported_count() == before + 1);
  const void* a = pin_exported(p + 10, 100);
  const void* b = pin_exported(p, bytes);
  CHECK(a == p && b == p);
  CHECK(exported_pins() == 2);
  release_exported(p);  // the finalizer ran: still pinned, so not freed
  CHECK(exported_count() == before + 1);
  std::memset(p, 7, bytes);  // still ours (ASan would report a use after free here)
  // A released allocation cannot be pinned again: no live view of it exists.
  CHECK(pin_exported(p, 4) == nullptr);
  unpin_exported(a);
  CHECK(exported_count() == before + 1);
  unpin_exported(b);  // the last pin frees it
  CHECK(exported_count() == before);
  CHECK(exported_pins() == 0);
  unpin_exported(b);  // unknown now: ignored
}

void test_release_unpinned_frees_now() {
  const size_t before = exported_count();
  void* p = allocate_buffer(64);
  track_exported(p, 64);
  release_exported(p);
  CHECK(exported_count() == before);
  release_exported(p);  // unknown: ignored
}

void test_ranges() {
  const size_t bytes = 256;
  auto* p = static_cast<uint8_t*>(allocate_buffer(bytes));
  track_exported(p, bytes);
  CHECK(pin_exported(p + bytes, 1) == nullptr);  // starts past the end
  CHECK(pin_exported(p + 200, 57) == nullptr);   // runs past the end
  CHECK(pin_exported(p - 1, 4) == nullptr);      // starts before
  uint8_t local[16];
  CHECK(pin_exported(local, sizeof local) == nullptr);  // not exported at all
  const void* end = pin_exported(p + 200, 56);          // ends exactly at the end
  CHECK(end == p);
  unpin_exported(end);
  // A large (mmap, huge-page) allocation is found the same way.
  const size_t big = size_t{5} << 20;
  auto* q = static_cast<uint8_t*>(allocate_buffer(big));
  track_exported(q, big);
  const void* m = pin_exported(q + big / 2, big / 2);
  CHECK(m == q);
  release_exported(q);
  std::memset(q + big - 64, 1, 64);
  unpin_exported(m);
  release_exported(p);
  CHECK(exported_pins() == 0);
}

void test_concurrent_pins() {
  const size_t before = exported_count();
  const size_t bytes = 4096;
  auto* p = static_cast<uint8_t*>(allocate_buffer(bytes));
  track_exported(p, bytes);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const void* s = pin_exported(p + (t * 64 + i) % 4000, 16);
        if (s != p) ++bad;
        unpin_exported(s);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bad.load() == 0);
  CHECK(exported_pins() == 0);
  release_exported(p);
  CHECK(exported_count() == before);
}

void test_scratch_pool_reuses() {
  size_t cap = 0;
  void* a = scratch_acquire(1000, &cap);
  CHECK(a != nullptr && cap == 1024);
  CHECK(reinterpret_cast<uintptr_t>(a) % kAlignment == 0);
  std::memset(a, 1, 1000);
  const size_t idle = scratch_idle_blocks();
  scratch_release(a, cap);
  CHECK(scratch_idle_blocks() == idle + 1);
  size_t cap2 = 0;
  void* b = scratch_acquire(600, &cap2);  // same class (1024): the same block back
  CHECK(b == a && cap2 == 1024);
  CHECK(scratch_idle_blocks() == idle);
  scratch_release(b, cap2);
  size_t cap3 = 0;
  void* z = scratch_acquire(0, &cap3);  // empty requests still get a block
  CHECK(z != nullptr && cap3 == 64);
  scratch_release(z, cap3);
  // Beyond the idle cap, released blocks are freed, not kept.
  size_t capb = 0;
  void* huge = scratch_acquire(kScratchIdleCap, &capb);
  CHECK(huge != nullptr);
  const size_t held = scratch_idle_bytes();
  size_t capc = 0;
  void* huge2 = scratch_acquire(kScratchIdleCap, &capc);
  scratch_release(huge, capb);
  scratch_release(huge2, capc);
  CHECK(scratch_idle_bytes() <= kScratchIdleCap);
  CHECK(scratch_idle_bytes() >= held);
}

}  // namespace

int main() {
  test_release_waits_for_last_unpin();
  test_release_unpinned_frees_now();
  test_ranges();
  test_concurrent_pins();
  test_scratch_pool_reuses();
  return test::finish("exported_memory_test");
}
