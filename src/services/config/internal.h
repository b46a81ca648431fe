// What the files of the AWS Config provider share: the store's kinds, the
// service principal Config acts as, AWS's validation wording, page tokens
// and the EventBridge envelope of Config's events.
// Thread-safety: constants and pure functions.
#pragma once

#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "events/bus.h"
#include "kit/value.h"
#include "services/config/provider.h"

namespace nuage::services::config {

using kit::Output;

// Kinds of the provider's store (scoped by account and region).
inline constexpr const char* kRecorder = "recorder";             // id: name
inline constexpr const char* kChannel = "channel";               // id: name
inline constexpr const char* kRule = "rule";                     // id: ConfigRuleName
inline constexpr const char* kRemediation = "remediation";       // id: ConfigRuleName
inline constexpr const char* kExecution = "remediation-execution";  // id: rule/type/resource id
inline constexpr const char* kSecret = "secret";                 // scope ("", "")

inline constexpr const char* kConfigPrincipal = "config.amazonaws.com";

inline std::string iso_millis(Clock::TimePoint t) { return timefmt::iso8601(t, true); }
inline double epoch(Clock::TimePoint t) { return timefmt::epoch_seconds(t); }

// A document without its internal ('_') members.
inline Value public_doc(const Value& doc) {
  Value out = Value::object();
  for (const auto& [k, v] : doc.items())
    if (!k.empty() && k[0] != '_') out[k] = v;
  return out;
}

inline std::string joined(const std::vector<std::string>& values, const char* separator = ", ") {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : separator) + v;
  return out;
}

// "1 validation error detected: Value 'x' at 'path' failed to satisfy
// constraint: Member must satisfy enum value set: [a, b]".
inline AwsError enum_error(const std::string& value, const std::string& path, const std::vector<std::string>& allowed) {
  return errors("ValidationException", "1 validation error detected: Value '" + value + "' at '" + path +
                                           "' failed to satisfy constraint: Member must satisfy enum value set: [" +
                                           joined(allowed) + "]");
}
inline Status check_enum(const Value& in, const char* member, const std::string& path,
                         const std::vector<std::string>& allowed) {
  auto it = in.find(member);
  if (it == in.end() || !it->is_string()) return Status::Ok();
  for (const auto& a : allowed)
    if (a == it->get<std::string>()) return Status::Ok();
  return enum_error(it->get<std::string>(), path, allowed);
}
inline AwsError too_long(const std::string& path, size_t max) {
  return errors("ValidationException", "1 validation error detected: Value at '" + path +
                                           "' failed to satisfy constraint: Member must have length less than or "
                                           "equal to " + std::to_string(max));
}

// A limit member within [0, max] (0 or absent: `fallback`).
inline Result<int> limit_of(const Value& in, const char* member, int max, int fallback) {
  int64_t limit = in.value(member, int64_t{0});
  if (limit < 0 || limit > max)
    return errors("InvalidLimitException", "Value '" + std::to_string(limit) + "' at 'limit' failed to satisfy "
                                           "constraint: Member must have value less than or equal to " +
                                           std::to_string(max));
  return limit == 0 ? fallback : static_cast<int>(limit);
}

inline AwsError invalid_next_token() { return errors("InvalidNextTokenException", "The nextToken provided is invalid"); }

// Opaque page tokens over a string key.
inline std::string page_token(const std::string& key) { return text::base64_encode("config:" + key); }
inline Result<std::string> page_key(const Value& in, const char* member) {
  auto it = in.find(member);
  if (it == in.end() || !it->is_string() || it->get<std::string>().empty()) return std::string();
  auto raw = text::base64_decode(it->get<std::string>());
  if (!raw || raw->rfind("config:", 0) != 0) return invalid_next_token();
  return raw->substr(7);
}

inline events::Event config_event(const std::string& account, const std::string& region,
                                  const std::string& detail_type, Value resources, Value detail, Clock::TimePoint time) {
  events::Event e;
  e.id = crypto::random_uuid();
  e.source = "aws.config";
  e.detail_type = detail_type;
  e.account = account;
  e.region = region;
  e.time = time;
  for (const auto& r : resources) e.resources.push_back(r.get<std::string>());
  e.detail = std::move(detail);
  return e;
}

// MaximumExecutionFrequency values, and their length in seconds.
inline const std::vector<std::string>& frequencies() {
  static const std::vector<std::string> kAll = {"One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours",
                                                "TwentyFour_Hours"};
  return kAll;
}
inline int64_t frequency_seconds(const std::string& frequency) {
  if (frequency == "One_Hour") return 3600;
  if (frequency == "Three_Hours") return 3 * 3600;
  if (frequency == "Six_Hours") return 6 * 3600;
  if (frequency == "Twelve_Hours") return 12 * 3600;
  return 24 * 3600;
}

// Where a channel's files go: "<prefix>/AWSLogs/<account>/Config/".
inline std::string logs_prefix(const Value& channel, const std::string& account) {
  std::string prefix = channel.value("s3KeyPrefix", "");
  return (prefix.empty() ? "" : prefix + "/") + "AWSLogs/" + account + "/Config/";
}

inline std::string rule_arn(const Provider::Scope& scope, const std::string& rule_id) {
  return "arn:aws:config:" + scope.region + ":" + scope.account + ":config-rule/" + rule_id;
}

}  // namespace nuage::services::config
