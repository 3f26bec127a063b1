#include "core/cache_info.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__linux__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace gradguard {
namespace {

// The first line of a small sysfs file into buf (NUL-terminated, newline stripped); false if
// absent.
bool read_line(const char* path, char* buf, size_t size) {
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return false;
  const bool ok = std::fgets(buf, static_cast<int>(size), f) != nullptr;
  std::fclose(f);
  if (!ok) return false;
  buf[std::strcspn(buf, "\r\n")] = '\0';
  return true;
}

void read_sysfs(CacheSizes* out) {
#if defined(__linux__)
  // index0..index15 cover every level real CPUs report (typically 4: L1d, L1i, L2, L3).
  for (int i = 0; i < 16; ++i) {
    char base[96], path[128], level[32], type[32], size[32], shared[256];
    std::snprintf(base, sizeof(base), "/sys/devices/system/cpu/cpu0/cache/index%d", i);
    std::snprintf(path, sizeof(path), "%s/level", base);
    if (!read_line(path, level, sizeof(level))) continue;
    std::snprintf(path, sizeof(path), "%s/type", base);
    if (!read_line(path, type, sizeof(type))) continue;
    std::snprintf(path, sizeof(path), "%s/size", base);
    if (!read_line(path, size, sizeof(size))) continue;
    if (std::strcmp(type, "Instruction") == 0) continue;
    const size_t bytes = parse_cache_size(size);
    std::snprintf(path, sizeof(path), "%s/shared_cpu_list", base);
    const size_t sharing =
        read_line(path, shared, sizeof(shared)) ? parse_cpu_list_count(shared) : size_t{0};
    const int lv = std::atoi(level);
    if (lv == 1 && std::strcmp(type, "Data") == 0) {
      out->l1d = bytes;
    } else if (lv == 2) {
      out->l2 = bytes;
      out->l2_sharing = sharing;
    } else if (lv == 3) {
      out->l3 = bytes;
      out->l3_sharing = sharing;
    }
  }
#else
  (void)out;
#endif
}

// sysconf fills the sizes sysfs left at 0 (glibc answers from CPUID on x86; elsewhere often 0).
void read_sysconf(CacheSizes* out) {
#if defined(__linux__) && defined(_SC_LEVEL1_DCACHE_SIZE)
  const auto get = [](int name) {
    const long v = sysconf(name);
    return v > 0 ? static_cast<size_t>(v) : size_t{0};
  };
  if (out->l1d == 0) out->l1d = get(_SC_LEVEL1_DCACHE_SIZE);
  if (out->l2 == 0) out->l2 = get(_SC_LEVEL2_CACHE_SIZE);
  if (out->l3 == 0) {
    out->l3 = get(_SC_LEVEL3_CACHE_SIZE);
    // Without sysfs nobody says who shares it: assume every online CPU does (the cautious reading).
    if (out->l3 != 0 && out->l3_sharing == 0) out->l3_sharing = get(_SC_NPROCESSORS_ONLN);
  }
#else
  (void)out;
#endif
}

CacheSizes detect() {
  CacheSizes c;
  read_sysfs(&c);
  read_sysconf(&c);
  return c;
}

}  // namespace

size_t parse_cache_size(const char* text) {
  if (text == nullptr) return 0;
  const char* p = text;
  if (!std::isdigit(static_cast<unsigned char>(*p))) return 0;
  size_t v = 0;
  for (; std::isdigit(static_cast<unsigned char>(*p)); ++p) {
    if (v > (size_t{1} << 40)) return 0;  // no cache is a terabyte: malformed
    v = v * 10 + static_cast<size_t>(*p - '0');
  }
  size_t unit = 1;
  switch (*p) {
    case 'K':
    case 'k':
      unit = size_t{1} << 10;
      ++p;
      break;
    case 'M':
    case 'm':
      unit = size_t{1} << 20;
      ++p;
      break;
    case 'G':
    case 'g':
      unit = size_t{1} << 30;
      ++p;
      break;
    default: break;
  }
  if (*p == 'B' || *p == 'b') ++p;  // "48KB" too
  if (*p != '\0') return 0;
  return v * unit;
}

size_t parse_cpu_list_count(const char* text) {
  if (text == nullptr || *text == '\0') return 0;
  size_t count = 0;
  const char* p = text;
  for (;;) {
    char* end = nullptr;
    const long lo = std::strtol(p, &end, 10);
    if (end == p || lo < 0) return 0;
    long hi = lo;
    p = end;
    if (*p == '-') {
      ++p;
      hi = std::strtol(p, &end, 10);
      if (end == p || hi < lo) return 0;
      p = end;
    }
    count += static_cast<size_t>(hi - lo + 1);
    if (*p == '\0') return count;
    if (*p != ',') return 0;
    ++p;
  }
}

const CacheSizes& cache_sizes() {
  static const CacheSizes sizes = detect();
  return sizes;
}

}  // namespace gradguard
