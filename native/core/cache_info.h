// The data cache sizes this CPU reports, read once: Linux sysfs
// (/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size,shared_cpu_list}), then
// sysconf(_SC_LEVEL*_CACHE_SIZE) for what sysfs did not give. A level nothing reports stays 0: the
// users of these sizes (the GEMM blocking, kernels/gemm/gemm_blocking.h) substitute documented
// fallbacks, so an emulator or a container without sysfs still gets sane blocking.
#pragma once

#include <cstddef>

namespace gradguard {

struct CacheSizes {
  size_t l1d = 0;         // bytes of one L1 data cache (per core), 0 when unknown
  size_t l2 = 0;          // bytes of one L2 instance, 0 when unknown
  size_t l3 = 0;          // bytes of one L3 instance, 0 when unknown
  size_t l2_sharing = 0;  // logical CPUs sharing one L2 instance, 0 when unknown
  size_t l3_sharing = 0;  // logical CPUs sharing one L3 instance, 0 when unknown
};

// Read once per process (thread-safe), never changes afterwards.
const CacheSizes& cache_sizes();

// The parsers behind cache_sizes(), exposed for the tests. "48K", "2048K", "32M", "1G" or plain
// bytes -> bytes; 0 when malformed.
size_t parse_cache_size(const char* text);
// A cpulist such as "0-3,8-11" or "5" -> how many CPUs it names; 0 when malformed.
size_t parse_cpu_list_count(const char* text);

}  // namespace gradguard
