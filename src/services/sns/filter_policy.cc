#include "services/sns/filter_policy.h"

#include <functional>

#include "services/eventbridge/pattern.h"
#include "services/sns/errors.h"

namespace nuage::services::sns {

using kit::Value;

namespace {

AwsError invalid_policy(const std::string& reason) { return errors("InvalidParameterException", "Invalid parameter: FilterPolicy: " + reason); }

// Keys at the leaves of a policy, for SNS's limit on attribute keys.
size_t count_keys(const Value& policy) {
  size_t n = 0;
  for (const auto& [k, v] : policy.items()) {
    if (k == "$or" && v.is_array()) {
      for (const auto& alt : v) n += count_keys(alt);
    } else if (v.is_object()) {
      n += count_keys(v);
    } else {
      ++n;
    }
  }
  return n;
}

}  // namespace

Status validate_filter_policy(const std::string& text, const std::string& scope) {
  if (text.empty()) return Status::Ok();  // an empty policy removes it
  Value policy = Value::parse(text, nullptr, false);
  if (policy.is_discarded()) return invalid_policy("failed to parse JSON.");
  if (!policy.is_object()) return invalid_policy("Filter policy must be a JSON object");
  if (policy.empty()) return Status::Ok();
  if (scope == "MessageAttributes") {
    for (const auto& [k, v] : policy.items())
      if (k != "$or" && v.is_object()) return invalid_policy("Filter policy scope MessageAttributes does not support nested filter policy");
  }
  if (count_keys(policy) > 5) return invalid_policy("Filter policy can not have more than 5 keys");
  Status s = eventbridge::validate_pattern(policy);
  if (!s.ok()) {
    std::string reason = s.error().message;
    if (auto at = reason.find("Reason: "); at != std::string::npos) reason = reason.substr(at + 8);
    return invalid_policy(reason);
  }
  return Status::Ok();
}

bool filter_matches(const Value& policy, const std::string& scope, const Value& attributes, const std::string& body) {
  if (!policy.is_object() || policy.empty()) return true;
  if (scope == "MessageBody") {
    Value parsed = Value::parse(body, nullptr, false);
    if (!parsed.is_object()) return false;
    return eventbridge::pattern_matches(policy, parsed);
  }
  Value event = Value::object();
  for (const auto& [name, a] : attributes.items()) {
    std::string type = a.value("DataType", "");
    if (!a.contains("StringValue")) continue;  // Binary attributes never match
    std::string value = a["StringValue"];
    if (type.starts_with("Number")) {
      Value n = Value::parse(value, nullptr, false);
      if (n.is_number()) event[name] = n;
    } else if (type.starts_with("String.Array")) {
      Value arr = Value::parse(value, nullptr, false);
      if (arr.is_array()) event[name] = arr;
    } else {
      event[name] = value;
    }
  }
  return eventbridge::pattern_matches(policy, event);
}

}  // namespace nuage::services::sns
