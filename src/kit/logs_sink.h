// How other services write to CloudWatch Logs from inside nuage (Lambda's
// /aws/lambda/<name> groups): the Logs provider implements it and offers it
// through the Environment (kit/environment.h); writers never touch Logs' tables.
// Thread-safety: implementations are safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace nuage::kit {

struct LogEvent {
  int64_t timestamp_ms;  // nuage clock, milliseconds since the epoch
  std::string message;
};

class LogsSink {
 public:
  virtual ~LogsSink() = default;
  // Appends events to group/stream, creating both when missing (as the
  // Lambda service does with its execution role's logs permissions).
  virtual Status write(const std::string& account, const std::string& region, const std::string& group,
                       const std::string& stream, const std::vector<LogEvent>& events) = 0;
};

}  // namespace nuage::kit
