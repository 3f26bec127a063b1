#include "core/dispatch.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/cpu_features.h"
#include "core/isa_env.h"

namespace gradguard {
namespace {

// The list's `name` and `requires` columns, indexed by Isa.
#define GG_ISA_NAME(Enum, name, ...) #name,
constexpr const char* kIsaNames[kIsaCount] = {GG_ISA_LIST(GG_ISA_NAME)};
#undef GG_ISA_NAME
#define GG_ISA_REQUIRES(Enum, name, base, arch, requires, ...) static_cast<uint32_t>(requires),
constexpr uint32_t kIsaRequires[kIsaCount] = {GG_ISA_LIST(GG_ISA_REQUIRES)};
#undef GG_ISA_REQUIRES

// An ISA runs here when this build has its kernels, the CPU has its features and its base runs.
uint32_t detect_supported() {
  const uint32_t features = cpu_features();
  uint32_t mask = 1u;  // scalar
  for (int i = 1; i < kIsaCount; ++i) {
    const bool base_runs = (mask >> static_cast<int>(kIsaBase[i])) & 1u;
    if (kIsaBuilt[i] && base_runs && (features & kIsaRequires[i]) == kIsaRequires[i]) {
      mask |= 1u << i;
    }
  }
  return mask;
}

Isa best_of(uint32_t supported) {
  for (int i = kIsaCount - 1; i > 0; --i) {
    if ((supported >> i) & 1u) return static_cast<Isa>(i);
  }
  return static_cast<Isa>(0);
}

// "a, b, c": the ISAs in `mask`, in list order or best first.
std::string join_names(uint32_t mask, bool best_first) {
  std::string out;
  for (int k = 0; k < kIsaCount; ++k) {
    const int i = best_first ? kIsaCount - 1 - k : k;
    if (!((mask >> i) & 1u)) continue;
    if (!out.empty()) out += ", ";
    out += kIsaNames[i];
  }
  return out;
}

struct EnvChoice {
  Isa isa;
  std::string error;
};

const EnvChoice& env_choice() {
  static const EnvChoice choice = [] {
    EnvChoice c;
    c.isa = isa_from_env(std::getenv("GRADGUARD_ISA"), supported_isa_mask(), &c.error);
    return c;
  }();
  return choice;
}

std::atomic<int>& active_slot() {
  static std::atomic<int> slot{static_cast<int>(env_choice().isa)};
  return slot;
}

}  // namespace

const char* isa_name(Isa isa) {
  const int i = static_cast<int>(isa);
  return i >= 0 && i < kIsaCount ? kIsaNames[i] : kIsaNames[0];
}

bool parse_isa(const char* name, Isa* out) {
  for (int i = 0; i < kIsaCount; ++i) {
    if (std::strcmp(name, kIsaNames[i]) == 0) {
      *out = static_cast<Isa>(i);
      return true;
    }
  }
  return false;
}

Isa isa_from_env(const char* value, uint32_t supported, std::string* error) {
  error->clear();
  supported |= 1u;
  const Isa best = best_of(supported);
  if (value == nullptr || *value == '\0') return best;
  Isa wanted;
  if (!parse_isa(value, &wanted)) {
    const uint32_t all = ~0u >> (32 - kIsaCount);
    *error = std::string("GRADGUARD_ISA=\"") + value +
             "\" is not an ISA gradguard knows; expected " + "one of " + join_names(all, false);
    return best;
  }
  if (!((supported >> static_cast<int>(wanted)) & 1u)) {
    *error = std::string("GRADGUARD_ISA=\"") + value + "\": this CPU lacks " + value +
             "; it runs " + join_names(supported, true);
    return best;
  }
  return wanted;
}

uint32_t supported_isa_mask() {
  static const uint32_t mask = detect_supported();
  return mask;
}

bool isa_supported(Isa isa) {
  const int i = static_cast<int>(isa);
  return i >= 0 && i < kIsaCount && ((supported_isa_mask() >> i) & 1u);
}

Isa best_isa() { return best_of(supported_isa_mask()); }

Isa active_isa() { return static_cast<Isa>(active_slot().load(std::memory_order_relaxed)); }

bool set_active_isa(Isa isa) {
  if (!isa_supported(isa)) return false;
  active_slot().store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

const char* isa_env_error() {
  const EnvChoice& c = env_choice();
  return c.error.empty() ? nullptr : c.error.c_str();
}

}  // namespace gradguard
