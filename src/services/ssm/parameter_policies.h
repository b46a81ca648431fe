// Parameter policies ("Assigning parameter policies"), on advanced-tier
// parameters, applied on nuage's clock:
//   Expiration {"Timestamp": ISO 8601}: the parameter is deleted then;
//   ExpirationNotification {"Before": n, "Unit": "Days"|"Hours"}: an
//     EventBridge event n units before the Expiration;
//   NoChangeNotification {"After": n, "Unit": "Days"|"Hours"}: an event
//     when the parameter has not changed for n units.
// Events are "Parameter Store Policy Action" from aws.ssm. A policy is kept
// as AWS shows it (PolicyText, PolicyType, PolicyStatus Pending → Finished);
// its due instant follows from its text and the parameter's last change,
// so a new version of the parameter restarts its policies.
//
// Thread-safety: pure functions; the timers are the SSM provider's
// (provider.h).
#pragma once

#include <optional>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::ssm::parameter_policies {

// The policies of a PutParameter's Policies member (a JSON array, as text),
// checked with Parameter Store's errors (an Expiration must lie after
// `now`, epoch seconds); an empty array removes them.
Result<kit::Value> parse(const kit::Value& text, double now);

// `policies` of a new version: every one Pending again.
kit::Value restarted(const kit::Value& policies);

// When `policy` of the parameter `doc` falls due (epoch seconds).
std::optional<double> due(const kit::Value& doc, const kit::Value& policy);

}  // namespace nuage::services::ssm::parameter_policies
