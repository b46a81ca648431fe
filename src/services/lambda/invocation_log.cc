#include "services/lambda/invocation_log.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"

namespace nuage::services::lambda {

std::string two_decimals(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", ms);
  return buf;
}

std::string invocation_log_text(const InvocationLog& log, const runtime::Outcome& o) {
  std::string text;
  if (o.init_ms) text += "INIT_START Runtime Version: " + log.runtime + "\n";
  text += "START RequestId: " + log.request_id + " Version: " + log.version + "\n";
  text += o.output;
  if (!text.empty() && text.back() != '\n') text += "\n";
  if (o.kind == runtime::Outcome::kTimeout)
    text += timefmt::iso8601(log.now, true) + " " + log.request_id + " " + log.timeout_text + "\n";
  if (!log.error_type.empty()) text += "RequestId: " + log.request_id + " Error: " + log.error_type + "\n";
  text += "END RequestId: " + log.request_id + "\n";
  double duration = o.duration_ms;
  text += "REPORT RequestId: " + log.request_id + "\tDuration: " + two_decimals(duration) +
          " ms\tBilled Duration: " + std::to_string(static_cast<int64_t>(std::ceil(duration))) +
          " ms\tMemory Size: " + std::to_string(log.memory_mb) + " MB\tMax Memory Used: " +
          std::to_string(o.max_memory_mb) + " MB\t";
  if (o.init_ms) text += "Init Duration: " + two_decimals(*o.init_ms) + " ms\t";
  if (o.kind == runtime::Outcome::kTimeout) text += "Status: timeout";
  text += "\n";
  return text;
}

std::vector<kit::LogEvent> log_events(int64_t now_ms, const std::string& text) {
  std::vector<kit::LogEvent> events;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    events.push_back({now_ms, text.substr(start, nl - start + (nl < text.size() ? 1 : 0))});
    start = nl + 1;
  }
  return events;
}

std::string log_stream_name(Clock::TimePoint now, const std::string& version) {
  std::string day = timefmt::iso8601(now).substr(0, 10);
  std::replace(day.begin(), day.end(), '-', '/');
  return day + "/[" + version + "]" + text::hex_encode(crypto::random_bytes(16));
}

}  // namespace nuage::services::lambda
