// Parameter Store limits the SSM model does not carry ("Managing parameter
// tiers" in the Systems Manager user guide), with SSM's errors.
// Thread-safety: constants and pure functions.
#pragma once

#include <cstddef>
#include <string>

#include "common/error.h"
#include "kit/errors.h"
#include "common/text.h"

namespace nuage::services::ssm::limits {

inline constexpr size_t kStandardValueChars = 4096;
inline constexpr size_t kAdvancedValueChars = 8192;
// "Requirements and constraints for parameter names".
inline constexpr size_t kMaxNameChars = 1011;
inline constexpr size_t kMaxHierarchyLevels = 15;
inline constexpr size_t kMaxTags = 50;
// "Assigning parameter policies".
inline constexpr size_t kMaxPolicies = 10;

// The value of a parameter of `tier` ("Standard", "Advanced",
// "Intelligent-Tiering": it picks Advanced when the value needs it).
inline Status check_value(const std::string& value, const std::string& tier) {
  size_t chars = text::utf8_length(value);
  if (chars > kAdvancedValueChars)
    return kit::Errors("ssm")("ValidationException",
                              "1 validation error detected: Value at 'value' failed to satisfy constraint: Member "
                              "must have length less than or equal to " + std::to_string(kAdvancedValueChars));
  if (tier == "Standard" && chars > kStandardValueChars)
    return kit::Errors("ssm")("ValidationException",
                              "Standard tier parameters support a maximum parameter value of " +
                                  std::to_string(kStandardValueChars) +
                                  " characters. To create a larger parameter value, upgrade the parameter to use the "
                                  "advanced-parameter tier. For more information, see "
                                  "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
                                  "parameter-store-advanced-parameters.html");
  return Status::Ok();
}

}  // namespace nuage::services::ssm::limits
