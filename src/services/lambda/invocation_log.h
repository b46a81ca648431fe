// What Lambda writes to a function's log group around each invocation
// (INIT_START on a cold start, START, what the function printed, END,
// REPORT with Duration, Billed Duration, Memory Size, Max Memory Used and,
// cold, Init Duration), and the name of an environment's log stream.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "kit/logs_sink.h"
#include "runtime/environment.h"

namespace nuage::services::lambda {

struct InvocationLog {
  std::string request_id, runtime, version;
  int64_t memory_mb = 128;
  std::string error_type;    // Runtime.ExitError ... for the error line ("" = none)
  std::string timeout_text;  // "Task timed out after 3.00 seconds"
  Clock::TimePoint now;
};

// The log text of one invocation, lines ending with '\n'.
std::string invocation_log_text(const InvocationLog& log, const runtime::Outcome& outcome);
// One event per line, all at `now_ms`.
std::vector<kit::LogEvent> log_events(int64_t now_ms, const std::string& text);
// "2024/01/31/[$LATEST]<32 hex>".
std::string log_stream_name(Clock::TimePoint now, const std::string& version);
// "12.35": milliseconds as Lambda prints them.
std::string two_decimals(double ms);

}  // namespace nuage::services::lambda
