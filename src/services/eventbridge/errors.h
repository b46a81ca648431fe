// EventBridge's errors: the model gives each shape's code and status;
// ValidationException is not in the model (400, as AWS answers it).
// Thread-safety: immutable.
#pragma once

#include "kit/errors.h"

namespace nuage::services::eventbridge {

inline const kit::Errors errors("events", {{"ValidationException", 400}});

}  // namespace nuage::services::eventbridge
