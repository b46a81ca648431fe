// Lambda limits the model does not carry: the model's FunctionName shapes
// admit ARNs (up to 140 characters), while the name itself is at most 64
// ("Lambda quotas"), which is also what lets Lambda use it as the session
// name when it assumes the execution role (RoleSessionName: 2 to 64).
// Thread-safety: constants and pure functions.
#pragma once

#include <cstddef>
#include <string>

#include "services/lambda/errors.h"

namespace nuage::services::lambda::limits {

inline constexpr size_t kFunctionNameChars = 64;

inline Status check_function_name(const std::string& name) {
  if (name.size() <= kFunctionNameChars) return Status::Ok();
  return errors("ValidationException",
                "1 validation error detected: Value '" + name +
                    "' at 'functionName' failed to satisfy constraint: Member must have length less than or "
                    "equal to " + std::to_string(kFunctionNameChars));
}

}  // namespace nuage::services::lambda::limits
