// Lambda's errors, from its model (kit/errors.h), and the ones AWS returns
// that the model does not declare, with their status.
// Thread-safety: immutable.
#pragma once

#include "kit/errors.h"

namespace nuage::services::lambda {

inline const kit::Errors errors("lambda", {{"ValidationException", 400},
                                           {"AccessDeniedException", 403},
                                           {"RequestEntityTooLargeException", 413}});

}  // namespace nuage::services::lambda
