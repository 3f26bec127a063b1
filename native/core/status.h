// Status codes returned by kernels and core (they throw nothing); the addon glue maps them to
// GradGuardError codes such as ERR_GRADGUARD_INVALID_ARG.
#pragma once

namespace gradguard {

enum class Status : int {
  kOk = 0,
  kInvalidArgument = 1,  // a precondition the caller should have checked (bounds, shapes)
  kOutOfMemory = 2,      // an allocation failed
  kNonFinite = 3,        // a non-finite value where the caller asked for an error
  kInternal = 4,
};

// Stable error code string for JS ("ERR_GRADGUARD_...").
const char* status_code(Status s);
// Short human-readable description.
const char* status_message(Status s);

}  // namespace gradguard
