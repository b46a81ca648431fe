// How other services publish their built-in metrics (AWS/Lambda, ...) to
// CloudWatch from inside nuage: the CloudWatch provider implements it and
// offers it through the Environment; publishers never touch its tables.
//
// Lambda calls record_lambda_invocation() once per invocation (or throttle):
// it writes, in namespace AWS/Lambda with the dimension FunctionName (and
// once more without dimensions, as AWS publishes account-wide aggregates):
//   Invocations (Count, 1 unless throttled), Errors (Count, 0 or 1),
//   Duration (Milliseconds), Throttles (Count, 0 or 1),
//   ConcurrentExecutions (Count, the concurrency at that moment).
// Thread-safety: implementations are safe from any thread.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace nuage::kit {

struct MetricSample {
  std::string account, region;
  std::string name_space;  // "AWS/Lambda"
  std::string metric;      // "Invocations"
  std::vector<std::pair<std::string, std::string>> dimensions;  // (Name, Value)
  double value = 0;
  std::string unit = "None";  // a StandardUnit: "Count", "Milliseconds", ...
  std::chrono::system_clock::time_point timestamp;  // nuage clock
};

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  // Stores the samples (all or none). AWS/ namespaces are allowed here.
  virtual Status record(const std::vector<MetricSample>& samples) = 0;
};

struct LambdaInvocation {
  std::string account, region, function_name;
  double duration_ms = 0;
  bool error = false;      // the function returned an error (FunctionError)
  bool throttled = false;  // refused for lack of concurrency: not an invocation
  int concurrent_executions = 1;
  std::chrono::system_clock::time_point timestamp;
};

inline Status record_lambda_invocation(MetricsSink& sink, const LambdaInvocation& inv) {
  std::vector<MetricSample> samples;
  for (bool with_dimension : {true, false}) {
    auto add = [&](const char* metric, double value, const char* unit) {
      MetricSample s;
      s.account = inv.account;
      s.region = inv.region;
      s.name_space = "AWS/Lambda";
      s.metric = metric;
      if (with_dimension) s.dimensions = {{"FunctionName", inv.function_name}};
      s.value = value;
      s.unit = unit;
      s.timestamp = inv.timestamp;
      samples.push_back(std::move(s));
    };
    if (inv.throttled) {
      add("Throttles", 1, "Count");
      continue;
    }
    add("Invocations", 1, "Count");
    add("Errors", inv.error ? 1 : 0, "Count");
    add("Throttles", 0, "Count");
    add("Duration", inv.duration_ms, "Milliseconds");
    add("ConcurrentExecutions", inv.concurrent_executions, "Count");
  }
  return sink.record(samples);
}

}  // namespace nuage::kit
