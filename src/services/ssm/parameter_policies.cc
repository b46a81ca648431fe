#include "services/ssm/parameter_policies.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "common/time.h"
#include "services/ssm/errors.h"
#include "services/ssm/limits.h"
#include "services/ssm/provider.h"

namespace nuage::services::ssm {

using kit::Value;

namespace parameter_policies {

namespace {

AwsError invalid_attribute() {
  return errors("InvalidPolicyAttributeException", "A policy attribute or its value is invalid.");
}

// "15", or 15: a count of units.
std::optional<double> count_of(const Value& v) {
  if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() > 0)) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  double n = std::stod(s);
  return n > 0 ? std::optional(n) : std::nullopt;
}

std::optional<double> unit_seconds(const Value& attributes) {
  std::string unit = attributes.value("Unit", "");
  if (unit == "Days") return 86400.0;
  if (unit == "Hours") return 3600.0;
  return std::nullopt;
}

std::optional<double> expiration_of(const Value& attributes) {
  auto at = timefmt::parse(attributes.value("Timestamp", ""));
  if (!at) return std::nullopt;
  return timefmt::epoch_seconds(*at);
}

}  // namespace

Result<Value> parse(const Value& text, double now) {
  Value list = Value::parse(text.get<std::string>(), nullptr, false);
  if (list.is_object()) list = Value::array({list});
  if (!list.is_array()) return invalid_attribute();
  if (list.size() > limits::kMaxPolicies)
    return errors("PoliciesLimitExceededException",
                  "You specified more than the maximum number of allowed policies for the parameter. The maximum is "
                  "10.");
  Value out = Value::array();
  std::set<std::string> types;
  for (const auto& policy : list) {
    if (!policy.is_object()) return invalid_attribute();
    std::string type = policy.value("Type", "");
    if (type != "Expiration" && type != "ExpirationNotification" && type != "NoChangeNotification")
      return errors("InvalidPolicyTypeException",
                    "The policy type " + type + " is not supported. Parameter Store supports the following policy "
                                                "types: Expiration, ExpirationNotification, and NoChangeNotification.");
    if (policy.value("Version", "") != "1.0") return invalid_attribute();
    const Value attributes = policy.value("Attributes", Value::object());
    if (!attributes.is_object()) return invalid_attribute();
    if (type == "Expiration") {
      auto at = expiration_of(attributes);
      if (!at || *at <= now) return invalid_attribute();
    } else {
      auto count = count_of(attributes.value(type == "ExpirationNotification" ? "Before" : "After", Value()));
      if (!count || !unit_seconds(attributes)) return invalid_attribute();
    }
    if (!types.insert(type).second)
      return errors("IncompatiblePolicyException",
                    "There is a conflict in the policies specified for this parameter. You can't, for example, "
                    "specify two Expiration policies for a parameter. Review your policies, and try again.");
    out.push_back({{"PolicyText", policy.dump()}, {"PolicyType", type}, {"PolicyStatus", "Pending"}});
  }
  if (types.count("ExpirationNotification") && !types.count("Expiration"))
    return errors("IncompatiblePolicyException",
                  "There is a conflict in the policies specified for this parameter. An ExpirationNotification "
                  "policy needs an Expiration policy. Review your policies, and try again.");
  return out;
}

Value restarted(const Value& policies) {
  Value out = policies;
  for (auto& p : out) p["PolicyStatus"] = "Pending";
  return out;
}

std::optional<double> due(const Value& doc, const Value& policy) {
  Value parsed = Value::parse(policy.value("PolicyText", ""), nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  const Value attributes = parsed.value("Attributes", Value::object());
  std::string type = policy.value("PolicyType", "");
  if (type == "Expiration") return expiration_of(attributes);
  auto units = unit_seconds(attributes);
  if (type == "NoChangeNotification") {
    auto after = count_of(attributes.value("After", Value()));
    if (!after || !units) return std::nullopt;
    return doc.value("LastModifiedDate", 0.0) + *after * *units;
  }
  if (type == "ExpirationNotification") {
    auto before = count_of(attributes.value("Before", Value()));
    if (!before || !units) return std::nullopt;
    for (const auto& other : doc.value("Policies", Value::array()))
      if (other.value("PolicyType", "") == "Expiration")
        if (auto at = due(doc, other)) return *at - *before * *units;
  }
  return std::nullopt;
}

}  // namespace parameter_policies

// The timers: one per parameter, for its earliest Pending policy.

Provider::~Provider() {
  for (auto& [arn, id] : policy_timers_) env_.clock.cancel(id);
}

void Provider::disarm_policies(const storage::Scope& scope, const std::string& name) {
  if (auto it = policy_timers_.find(parameter_arn(scope, name)); it != policy_timers_.end()) {
    env_.clock.cancel(it->second);
    policy_timers_.erase(it);
  }
}

void Provider::disarm_all_policies() {
  for (auto& [arn, id] : policy_timers_) env_.clock.cancel(id);
  policy_timers_.clear();
}

void Provider::arm_policies(const storage::Scope& scope, const std::string& name) {
  disarm_policies(scope, name);
  const Value* doc = store_->get(scope, kParameter, name);
  if (!doc) return;
  std::optional<double> earliest;
  for (const auto& policy : doc->value("Policies", Value::array()))
    if (policy.value("PolicyStatus", "") == "Pending")
      if (auto at = parameter_policies::due(*doc, policy)) earliest = earliest ? std::min(*earliest, *at) : *at;
  if (!earliest) return;
  policy_timers_[parameter_arn(scope, name)] = env_.clock.schedule(
      timefmt::from_epoch_seconds(*earliest), [this, scope, name](Clock::TimePoint) { on_policy_due(scope, name); });
}

void Provider::arm_all_policies() {
  std::vector<std::pair<storage::Scope, std::string>> found;
  store_->for_each(kParameter, [&](const storage::Scope& scope, const std::string& name, const Value& doc) {
    if (doc.contains("Policies")) found.emplace_back(scope, name);
  });
  for (const auto& [scope, name] : found) arm_policies(scope, name);
}

void Provider::on_policy_due(const storage::Scope& scope, const std::string& name) {
  std::vector<events::Event> actions;
  {
    std::lock_guard lock(mutex_);
    policy_timers_.erase(parameter_arn(scope, name));
    const Value* stored = store_->get(scope, kParameter, name);
    if (!stored) return;
    Value doc = *stored;
    double now = timefmt::epoch_seconds(env_.clock.now());
    bool expired = false;
    for (auto& policy : doc["Policies"]) {
      auto at = parameter_policies::due(doc, policy);
      if (policy.value("PolicyStatus", "") != "Pending" || !at || *at > now) continue;
      policy["PolicyStatus"] = "Finished";
      std::string type = policy["PolicyType"];
      if (type == "Expiration") expired = true;
      Value detail = {{"parameter-name", name},
                      {"parameter-type", doc.value("Type", "String")},
                      {"policy-type", type},
                      {"policy-content", policy["PolicyText"]},
                      {"action-status", "Finished"},
                      {"action-reason", type == "Expiration" ? "Parameter expired and was deleted."
                                        : type == "ExpirationNotification"
                                            ? "Parameter will expire soon."
                                            : "Parameter has not been changed within the configured period."}};
      actions.push_back(events::Event::about("aws.ssm", "Parameter Store Policy Action", scope.account, scope.region,
                                             env_.clock.now(), parameter_arn(scope, name), std::move(detail)));
    }
    Status s = expired ? erase_parameter(scope, name) : store_->put(scope, kParameter, name, doc);
    if (!s.ok()) {
      arm_policies(scope, name);  // try again at the next instant due
      return;
    }
    if (!expired) arm_policies(scope, name);
  }
  for (const auto& e : actions) env_.bus.publish(e);
  publish_pending();
}

}  // namespace nuage::services::ssm
