// Run-time ISA selection. The best supported ISA is chosen once at load (avx512 -> avx2 -> neon ->
// scalar), GRADGUARD_ISA or set_active_isa() may force a lower one. Each kernel family keeps its own
// table of function pointers per ISA and looks it up with active_isa() (PyTorch's DispatchStub idea).
#pragma once

namespace gradguard {

enum class Isa : int { kScalar = 0, kNeon = 1, kAvx2 = 2, kAvx512 = 3 };
constexpr int kIsaCount = 4;

const char* isa_name(Isa isa);
// Parses "scalar" | "neon" | "avx2" | "avx512"; false if the name is unknown.
bool parse_isa(const char* name, Isa* out);

// Whether this CPU (and this build) can run kernels for `isa`.
bool isa_supported(Isa isa);
// The best ISA this CPU supports.
Isa best_isa();
// The ISA kernels use now. Starts as best_isa(), lowered by GRADGUARD_ISA if set and supported.
Isa active_isa();
// Forces an ISA for the whole process; false (and no change) if it is not supported.
bool set_active_isa(Isa isa);

}  // namespace gradguard
