// Lambda's errors, from its model (kit/errors.h), and the ones AWS returns
// that the model does not declare, with their status.
// Thread-safety: immutable.
#pragma once

#include "kit/errors.h"

namespace nuage::services::lambda {

inline const kit::Errors errors("lambda", {{"ValidationException", 400},
                                           {"AccessDeniedException", 403},
                                           {"RequestEntityTooLargeException", 413}});

// The error most checks give: a parameter value Lambda refuses.
inline AwsError invalid(std::string message) { return errors("InvalidParameterValueException", std::move(message)); }

}  // namespace nuage::services::lambda
