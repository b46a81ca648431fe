// SNS's errors (kit/errors.h), named by the model's shapes: InvalidParameterException,
// NotFoundException, ... (the wire codes InvalidParameter, NotFound come from the model).
#pragma once

#include "kit/errors.h"

namespace nuage::services::sns {

inline const kit::Errors errors("sns", {{"NotImplemented", 501}});

}  // namespace nuage::services::sns
