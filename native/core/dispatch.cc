#include "core/dispatch.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/cpu_features.h"

namespace gradguard {
namespace {

Isa initial_isa() {
  Isa isa = best_isa();
  const char* forced = std::getenv("GRADGUARD_ISA");
  Isa wanted;
  // An unknown or unsupported name keeps the best ISA; the JS layer reports what is active.
  if (forced != nullptr && *forced != '\0' && parse_isa(forced, &wanted) && isa_supported(wanted)) {
    isa = wanted;
  }
  return isa;
}

std::atomic<int>& active_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_isa())};
  return slot;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kNeon: return "neon";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "scalar";
}

bool parse_isa(const char* name, Isa* out) {
  for (int i = 0; i < kIsaCount; ++i) {
    const Isa isa = static_cast<Isa>(i);
    if (std::strcmp(name, isa_name(isa)) == 0) {
      *out = isa;
      return true;
    }
  }
  return false;
}

bool isa_supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kScalar: return true;
#if defined(__aarch64__)
    case Isa::kNeon: return f.neon;
#else
    case Isa::kNeon: return false;
#endif
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::kAvx2: return f.avx2_fma;
    case Isa::kAvx512: return f.avx512f;
#else
    case Isa::kAvx2: return false;
    case Isa::kAvx512: return false;
#endif
  }
  return false;
}

Isa best_isa() {
  for (int i = kIsaCount - 1; i > 0; --i) {
    if (isa_supported(static_cast<Isa>(i))) return static_cast<Isa>(i);
  }
  return Isa::kScalar;
}

Isa active_isa() { return static_cast<Isa>(active_slot().load(std::memory_order_relaxed)); }

bool set_active_isa(Isa isa) {
  if (!isa_supported(isa)) return false;
  active_slot().store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

}  // namespace gradguard
