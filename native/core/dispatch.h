// Run-time ISA selection over the one ISA list (core/isa_list.h). The best ISA this CPU supports is
// chosen once at load; GRADGUARD_ISA (read once, checked: isa_env_error()) or set_active_isa() may
// force a lower one. Each kernel family keeps a table with a row per ISA (core/kernel_table.h) and
// indexes it with active_isa() (PyTorch's DispatchStub idea).
#pragma once

#include <cstdint>

#include "core/isa_list.h"

namespace gradguard {

#define GG_ISA_ENUM(Enum, ...) k##Enum,
enum class Isa : int { GG_ISA_LIST(GG_ISA_ENUM) };
#undef GG_ISA_ENUM

#define GG_ISA_PLUS_ONE(...) +1
constexpr int kIsaCount = 0 GG_ISA_LIST(GG_ISA_PLUS_ONE);
#undef GG_ISA_PLUS_ONE
static_assert(kIsaCount <= 32, "supported_isa_mask() has one bit per ISA");

// The list's `base` and `arch` columns, indexed by Isa.
#define GG_ISA_BASE(Enum, name, base, ...) Isa::k##base,
constexpr Isa kIsaBase[kIsaCount] = {GG_ISA_LIST(GG_ISA_BASE)};
#undef GG_ISA_BASE
#define GG_ISA_BUILT(Enum, name, base, arch, ...) GG_ARCH_##arch != 0,
constexpr bool kIsaBuilt[kIsaCount] = {GG_ISA_LIST(GG_ISA_BUILT)};
#undef GG_ISA_BUILT

constexpr bool isa_bases_come_first() {
  if (kIsaBase[0] != static_cast<Isa>(0)) return false;
  for (int i = 1; i < kIsaCount; ++i) {
    if (static_cast<int>(kIsaBase[i]) >= i) return false;
  }
  return true;
}
static_assert(isa_bases_come_first(),
              "isa_list.h: the first row is its own base and every other row's base comes earlier");

// The ISA a table falls back to for a slot with no kernel of its own.
constexpr Isa isa_base(Isa isa) { return kIsaBase[static_cast<int>(isa)]; }
// Whether this build has `isa`'s kernels (its files are compiled for this target's architecture).
constexpr bool isa_built(Isa isa) { return kIsaBuilt[static_cast<int>(isa)]; }

const char* isa_name(Isa isa);
// Parses an ISA name of the list ("scalar", "avx2", ...); false if the name is unknown.
bool parse_isa(const char* name, Isa* out);

// The ISAs this CPU (and this build) can run: bit i set when Isa(i) can. Scalar always can.
uint32_t supported_isa_mask();
bool isa_supported(Isa isa);
// The best ISA this CPU supports: the last supported row of the list.
Isa best_isa();
// The ISA kernels use now. Starts as best_isa(), or what GRADGUARD_ISA names if this CPU runs it.
Isa active_isa();
// Forces an ISA for the whole process; false (and no change) if it is not supported.
bool set_active_isa(Isa isa);

// Why GRADGUARD_ISA, as this process found it, was not honoured (an unknown name, or an ISA this
// CPU lacks: the message names the variable, the value and the accepted values), or nullptr when
// it was honoured or is unset or empty. The best ISA is active then. Read once.
const char* isa_env_error();

}  // namespace gradguard
