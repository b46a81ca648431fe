// Lambda invocation: Invoke (RequestResponse, Event, DryRun) and the
// deprecated InvokeAsync, run in execution environments of the runtime pool
// (src/runtime). A synchronous Invoke runs on the HTTP worker thread that
// handles it. Event invocations go to a queue served by worker threads; a
// failed attempt is retried after 1 and then 2 minutes of nuage clock. Every
// Event invocation holds a Clock::Work from the request until it has run, so
// a clock advance that fired it (a schedule, an alarm) returns once it ran.
//
// Each invocation (or throttle) publishes AWS/Lambda metrics through the
// environment's metrics sink (kit/metrics_sink.h) and writes its log lines to
// the function's log group through the logs sink (invocation_log.h).
//
// Thread-safety: safe from any thread; Shared::mutex is held only to read
// the function, never while an invocation runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "kit/provider.h"
#include "runtime/function_environment.h"
#include "runtime/pool.h"
#include "services/lambda/code.h"
#include "services/lambda/resources.h"
#include "services/lambda/roles.h"

namespace nuage::services::lambda {

struct Options {
  std::chrono::seconds idle_timeout{300};  // real time: not observable
  int event_workers = 2;
};

class Invoker {
 public:
  Invoker(Shared& shared, Code& code, Roles& roles, Options options);
  ~Invoker();
  // Writes the runtime clients, starts the pool and the event workers;
  // nothing runs without a work folder.
  Status open();
  void register_operations(kit::OperationTable& table);
  // Drops the function's warm environments (its code, configuration or
  // existence changed); busy ones go when they finish.
  void forget(const Ref& ref);
  // Forgets queued invocations, pending retries and every environment.
  void clear();
  // "bubblewrap" or "process".
  const char* sandbox() const { return runtime::sandbox_name(sandbox_); }

 private:
  struct Job;  // an Event invocation waiting in the queue
  struct RunResult {
    std::string payload;
    std::string function_error;
    std::string log_text;
    std::string executed_version;
  };

  Result<Output> invoke(Context& ctx, const Value& in);
  Result<Output> invoke_async(Context& ctx, const Value& in);
  Result<RunResult> run(const Ref& ref, const std::string& request_id, const std::string& payload,
                        const std::string& client_context);
  void write_logs(const Ref& ref, const std::string& group, const std::string& stream, const std::string& text);
  void record_metrics(const Ref& ref, Clock::TimePoint started, const runtime::PoolResult* result,
                      bool function_error);
  // Queues an Event invocation, holding a Clock::Work until it has run.
  void accept_event(const Ref& ref, const std::string& request_id, const std::string& payload);
  void enqueue(Job job);
  void event_worker();

  Shared& shared_;
  Code& code_;
  Roles& roles_;
  Options options_;
  Clock& clock_;
  runtime::SandboxMode sandbox_ = runtime::SandboxMode::kProcess;
  std::unique_ptr<runtime::FunctionHost> host_;
  std::unique_ptr<runtime::Pool> pool_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::vector<Clock::TimerId> timers_;
};

}  // namespace nuage::services::lambda
