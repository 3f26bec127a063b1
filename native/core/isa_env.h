// GRADGUARD_ISA's value, checked against the ISA list and the ISAs this CPU runs; dispatch.cc calls
// it once with the environment's value, the tests with any value and any set of supported ISAs.
#pragma once

#include <cstdint>
#include <string>

#include "core/dispatch.h"

namespace gradguard {

// The ISA a process starts with. `value` is GRADGUARD_ISA (null or "" when unset); `supported` has
// bit i set when Isa(i) runs here (bit 0, scalar, always). A value naming a supported ISA selects
// it and leaves *error empty; any other value selects the best supported ISA and sets *error to a
// message naming the variable, the value and either the known names (an unknown value) or the
// ISAs this CPU runs (an ISA it lacks).
Isa isa_from_env(const char* value, uint32_t supported, std::string* error);

}  // namespace gradguard
