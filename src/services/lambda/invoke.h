// Lambda invocation: Invoke (RequestResponse, Event, DryRun) and the
// deprecated InvokeAsync, run in execution environments of the runtime pool
// (src/runtime), whose live environments hold the machine's sandbox budget.
//
// A synchronous Invoke runs on the HTTP worker thread that handles it; when
// the budget has no room (every environment that holds it is busy) it is
// throttled at once, as AWS throttles beyond the account's concurrency
// (TooManyRequestsException, Reason ConcurrentInvocationLimitExceeded; SDKs
// retry it). Event invocations (and so every schedule and alarm) go to a
// queue served by worker threads that wait for room instead, reusing warm
// environments. Every Event invocation holds a Clock::Work from the request
// until it has run, so a clock advance that fired it returns once it ran.
// A failed attempt is retried after 1 and then 2 minutes of nuage clock; a
// throttled one (reserved concurrency) returns to the queue and is retried
// 1 s, 2 s, 4 s ... (at most 5 minutes) later, until the event is six hours
// old, as AWS does. An event that runs out of either goes to the function's
// DeadLetterConfig target (SQS or SNS, reached with the function's role)
// with AWS's RequestID / ErrorCode / ErrorMessage attributes.
// The function's event invoke config (event_invoke_configs.h) narrows this:
// MaximumRetryAttempts (0-2) and MaximumEventAgeInSeconds (an event older
// is dropped before it runs again); its destinations get AWS's invocation
// record — OnSuccess when a run succeeds, OnFailure when the retries or the
// event's age ran out (beside the dead-letter target) — sent with the
// function's role.
//
// Event source mappings (pollers.h) run their batches synchronously
// through run_for_source, waiting for room as event invocations do.
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
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "kit/provider.h"
#include "runtime/budget.h"
#include "runtime/function_environment.h"
#include "runtime/pool.h"
#include "services/lambda/code.h"
#include "services/lambda/resources.h"
#include "services/lambda/roles.h"

namespace nuage::services::lambda {

struct Options {
  std::chrono::seconds idle_timeout{300};  // real time: not observable
  int event_workers = 2;
  size_t max_queued_events = 10000;  // beyond: TooManyRequestsException
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
  // lambda_sandbox ("bubblewrap" or "process") and sandboxes {capacity_mb,
  // reserved_mb, environments, busy}.
  void add_health(Value& health) const;

  struct RunResult {
    std::string payload;
    std::string function_error;
    std::string log_text;
    std::string executed_version;
  };
  // Runs `payload` (an event source's batch) to its end, waiting for room in
  // the budget until `cancelled` says to give up; throttled by the
  // function's reserved concurrency like any invocation.
  Result<RunResult> run_for_source(const Ref& ref, const std::string& payload, std::function<bool()> cancelled);

 private:
  struct Job;  // an Event invocation waiting in the queue
  // The rules an Event invocation of `ref` follows (its event invoke config).
  struct AsyncRules {
    int max_attempts = 3;
    Clock::Duration max_age = std::chrono::hours(6);
    std::string on_success, on_failure;
  };
  AsyncRules async_rules(const Ref& ref);

  Result<Output> invoke(Context& ctx, const Value& in);
  Result<Output> invoke_async(Context& ctx, const Value& in);
  // `wait`: wait for room in the budget (Event invocations) until
  // `cancelled` says to give up.
  Result<RunResult> run(const Ref& ref, const std::string& request_id, const std::string& payload,
                        const std::string& client_context, bool wait = false,
                        std::function<bool()> cancelled = {});
  void write_logs(const Ref& ref, const std::string& group, const std::string& stream, const std::string& text);
  void record_metrics(const Ref& ref, Clock::TimePoint started, const runtime::PoolResult* result,
                      bool function_error);
  // Queues an Event invocation, holding a Clock::Work until it has run.
  Status accept_event(const Ref& ref, const std::string& request_id, const std::string& payload);
  void enqueue(Job job);
  // Puts a job back on the queue when the clock reaches `due`.
  void retry_later(const Job& job, Clock::TimePoint due);
  // An event whose retries are exhausted (or that was throttled six hours)
  // goes to the function's DeadLetterConfig queue or topic, if it has one.
  void dead_letter(const Job& job, const std::string& error_code, const std::string& error_message);
  // The invocation record of `job` to `destination` ("" : none); `last`: the
  // final run, null when it never ran.
  void send_to_destination(const Job& job, const std::string& destination, const char* condition,
                           const RunResult* last);
  // Out of retries or too old: the dead-letter target and the OnFailure destination.
  void give_up(const Job& job, const AsyncRules& rules, const char* condition, const RunResult* last,
               const std::string& error_code, const std::string& error_message);
  void event_worker();

  Shared& shared_;
  Code& code_;
  Roles& roles_;
  Options options_;
  Clock& clock_;
  runtime::SandboxMode sandbox_ = runtime::SandboxMode::kProcess;
  std::unique_ptr<runtime::FunctionHost> host_;
  runtime::Budget* budget_ = nullptr;  // the environment's, or own_budget_
  std::unique_ptr<runtime::Budget> own_budget_;
  std::unique_ptr<runtime::Pool> pool_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  uint64_t generation_ = 0;  // bumped by clear(): jobs of an earlier one are dropped
  std::vector<std::thread> workers_;
  std::vector<Clock::TimerId> timers_;
};

}  // namespace nuage::services::lambda
