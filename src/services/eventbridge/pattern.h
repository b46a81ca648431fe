// EventBridge event patterns: validation and matching, as the EventBridge
// user guide defines them — exact values (strings, numbers, booleans, null),
// prefix, suffix, equals-ignore-case, wildcard, anything-but (values,
// prefix, suffix, equals-ignore-case, wildcard), numeric ranges, exists,
// cidr (IPv4), $or, nested fields; an event field holding an array matches
// when any element matches.
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace nuage::services::eventbridge {

// InvalidEventPatternException "Event pattern is not valid. Reason: ..." for
// malformed patterns.
Status validate_pattern(const nlohmann::json& pattern);
bool pattern_matches(const nlohmann::json& pattern, const nlohmann::json& event);

}  // namespace nuage::services::eventbridge
