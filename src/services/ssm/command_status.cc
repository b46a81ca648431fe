#include "services/ssm/command_status.h"

#include <cmath>
#include <cstdio>

namespace nuage::services::ssm {

namespace {

// "N" or "N%" within [0, 100]%: the number, and whether it is a percentage.
std::optional<std::pair<int64_t, bool>> parse_limit(const std::string& spec) {
  if (spec.empty() || spec.size() > 8) return std::nullopt;
  bool percent = spec.back() == '%';
  std::string digits = percent ? spec.substr(0, spec.size() - 1) : spec;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int64_t n = std::stoll(digits);
  if (percent && n > 100) return std::nullopt;
  return std::make_pair(n, percent);
}

}  // namespace

std::optional<int64_t> concurrency_limit(const std::string& spec, int64_t targets) {
  auto parsed = parse_limit(spec);
  if (!parsed || parsed->first == 0) return std::nullopt;
  if (!parsed->second) return parsed->first;
  return std::max<int64_t>(1, (targets * parsed->first + 99) / 100);
}

std::optional<int64_t> error_limit(const std::string& spec, int64_t targets) {
  auto parsed = parse_limit(spec);
  if (!parsed) return std::nullopt;
  if (!parsed->second) return parsed->first;
  return (targets * parsed->first + 99) / 100;
}

void tally(InvocationTally& t, const std::string& status, const std::string& details) {
  if (status == "Pending") ++t.pending;
  else if (status == "InProgress" || status == "Cancelling") ++t.in_progress;
  else if (status == "Success") ++t.success;
  else if (status == "TimedOut" && details == "DeliveryTimedOut") ++t.delivery_timed_out;
  else if (status == "TimedOut") ++t.execution_timed_out;
  else if (status == "Cancelled") ++t.cancelled;
  else if (details == "Undeliverable") ++t.undeliverable;
  else ++t.failed;
}

StatusPair command_status(const InvocationTally& t, int64_t max_errors, bool cancel_requested) {
  if (t.pending + t.in_progress > 0) {
    if (cancel_requested) return {"Cancelling", "Cancelling"};
    if (t.in_progress == 0 && t.completed() == 0) return {"Pending", "Pending"};
    return {"InProgress", "InProgress"};
  }
  if (cancel_requested && t.cancelled > 0) return {"Cancelled", "Cancelled"};
  if (t.success == t.targets) return {"Success", "Success"};
  if (t.errors() > max_errors) {
    if (t.failed == 0) return {"TimedOut", "ExecutionTimedOut"};
    return {"Failed", "Failed"};
  }
  if (t.delivery_timed_out > max_errors && t.delivery_timed_out + t.success == t.targets)
    return {"TimedOut", "DeliveryTimedOut"};
  if (t.undeliverable + t.success == t.targets && t.undeliverable > 0) return {"Failed", "Undeliverable"};
  // Attempted everywhere, not all succeeded, not enough errors to fail.
  return {"Success", "Incomplete"};
}

std::string first_chars(const std::string& text, size_t chars) {
  size_t i = 0, n = 0;
  while (i < text.size() && n < chars) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
    i += len;
    ++n;
  }
  return text.substr(0, std::min(i, text.size()));
}

std::string s3_output_key(const std::string& prefix, const std::string& command_id, const std::string& instance_id,
                          const std::string& stream) {
  std::string key = prefix;
  if (!key.empty() && key.back() != '/') key += '/';
  return key + command_id + "/" + instance_id + "/awsrunShellScript/0.awsrunShellScript/" + stream;
}

std::string log_stream_name(const std::string& command_id, const std::string& instance_id, const std::string& stream) {
  return command_id + "/" + instance_id + "/aws-runShellScript/" + stream;
}

std::string elapsed_text(double seconds) {
  if (seconds < 0) seconds = 0;
  int64_t millis = std::llround(seconds * 1000);
  int64_t hours = millis / 3600000, minutes = (millis / 60000) % 60;
  double rest = static_cast<double>(millis % 60000) / 1000.0;
  std::string out = "PT";
  if (hours) out += std::to_string(hours) + "H";
  if (minutes) out += std::to_string(minutes) + "M";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fS", rest);
  return out + buf;
}

}  // namespace nuage::services::ssm
