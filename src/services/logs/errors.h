// CloudWatch Logs' errors: all are declared by its model (kit/errors.h).
#pragma once

#include "kit/errors.h"

namespace nuage::services::logs {

inline const kit::Errors errors("logs");

}  // namespace nuage::services::logs
