// Systems Manager's errors (kit/errors.h), named by the model's shapes
// (ParameterNotFound, InvalidDocument, ...); one table for the provider's
// feature files.
#pragma once

#include "kit/errors.h"

namespace nuage::services::ssm {

inline const kit::Errors errors("ssm", {{"NotImplemented", 501}});

}  // namespace nuage::services::ssm
