// What the authorizer derives from any request, whatever its service: the
// aws:RequestTag/<key> and aws:TagKeys condition keys of the tags a request
// carries, and the access-denied error code each protocol family uses.
// Service-specific condition keys, actions and resources are declared by each
// provider beside its handlers (kit::OperationTable).
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "kit/value.h"
#include "policy/conditions.h"

namespace nuage::services::iam {

// Tags in the request: a list of {Key, Value} (query/json services), a map
// (Lambda, Logs), or EC2's TagSpecifications; and TagKeys.
void add_request_tag_keys(const kit::Value& input, nuage::policy::Context& context);

// UnauthorizedOperation for EC2, AccessDeniedException for json services,
// AccessDenied otherwise.
std::string access_denied_code(const std::string& service);

// Whether the service tells callers outside the resource's account (and
// anonymous ones) only "Access Denied" (S3), rather than IAM's reasons.
bool terse_outsider_denials(const std::string& service);

}  // namespace nuage::services::iam
