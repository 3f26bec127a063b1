#include "core/status.h"

namespace gradguard {

const char* status_code(Status s) {
  switch (s) {
    case Status::kOk: return "OK";
    case Status::kInvalidArgument: return "ERR_GRADGUARD_INVALID_ARG";
    case Status::kOutOfMemory: return "ERR_GRADGUARD_OUT_OF_MEMORY";
    case Status::kNonFinite: return "ERR_GRADGUARD_NONFINITE";
    case Status::kInternal: return "ERR_GRADGUARD_INTERNAL";
  }
  return "ERR_GRADGUARD_INTERNAL";
}

const char* status_message(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kInvalidArgument: return "invalid argument";
    case Status::kOutOfMemory: return "out of memory";
    case Status::kNonFinite: return "non-finite value";
    case Status::kInternal: return "internal error";
  }
  return "internal error";
}

}  // namespace gradguard
