// SNS subscription filter policies. A policy's syntax is EventBridge's event
// pattern syntax (exact values, prefix, suffix, anything-but, numeric,
// exists, equals-ignore-case, cidr, $or), so it is checked and matched by
// services/eventbridge/pattern.h — one matcher for both — against either the
// message attributes (FilterPolicyScope MessageAttributes: String as a
// string, Number as a number, String.Array as its JSON array; Binary never
// matches) or the message body parsed as JSON (MessageBody).
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::sns {

// InvalidParameter ("Invalid parameter: FilterPolicy: ...") for a policy SNS
// refuses: not JSON, not an object, more than 5 attribute keys, a pattern
// error.
Status validate_filter_policy(const std::string& policy, const std::string& scope);

// Whether a message passes a (valid) policy. `attributes` is Publish's
// MessageAttributes.
bool filter_matches(const kit::Value& policy, const std::string& scope, const kit::Value& attributes,
                    const std::string& body);

}  // namespace nuage::services::sns
