// AWS Config's errors, named by their shapes in the config model (see
// kit/errors.h); every part of the provider words its errors through this
// one table so codes and statuses come from the model.
//
// Thread-safety: immutable.
#pragma once

#include "kit/errors.h"

namespace nuage::services::config {

extern const kit::Errors errors;

// The error most checks give: a parameter value Config refuses.
inline AwsError invalid(std::string message) { return errors("InvalidParameterValueException", std::move(message)); }

}  // namespace nuage::services::config
