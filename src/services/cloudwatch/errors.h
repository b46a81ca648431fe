// CloudWatch's errors (kit/errors.h): the model's, plus the query-protocol
// codes AWS answers without declaring them (ValidationError,
// MissingParameter, InvalidParameterCombination, InvalidFormat: all 400).
#pragma once

#include "kit/errors.h"

namespace nuage::services::cloudwatch {

inline const kit::Errors errors("cloudwatch", {{"NotImplemented", 501}});

}  // namespace nuage::services::cloudwatch
