#include "services/lambda/invoke.h"

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/documents.h"
#include "common/text.h"
#include "common/time.h"
#include "events/targets.h"
#include "kit/metrics_sink.h"
#include "runtime/clients.h"
#include "services/lambda/errors.h"
#include "services/lambda/event_invoke_configs.h"
#include "services/lambda/file_systems.h"
#include "services/lambda/invocation_log.h"

namespace nuage::services::lambda {

// An Event invocation waiting in the queue (and, while it waits after a
// timer fired or runs, the nuage clock work it belongs to).
struct Invoker::Job {
  Ref ref;
  std::string request_id;
  std::string payload;
  int attempt = 1;    // runs that ended in an error
  int throttles = 0;  // runs refused for lack of concurrency
  Clock::TimePoint accepted;  // the event's age counts from here
  uint64_t generation = 0;
  std::optional<Clock::Work> work;
};

namespace {

// Throttled events are retried with exponential backoff from 1 s to 5
// minutes (AWS's rules; the retries of failed runs and the event's age are
// AsyncRules').
Clock::Duration throttle_backoff(int throttles) {
  return std::chrono::seconds(std::min<int64_t>(300, int64_t{1} << std::min(throttles - 1, 9)));
}

}  // namespace

Invoker::Invoker(Shared& shared, Code& code, Roles& roles, Options options)
    : shared_(shared), code_(code), roles_(roles), options_(options), clock_(shared.env.clock) {}

Status Invoker::open() {
  sandbox_ = runtime::detect_sandbox();
  const kit::Environment& env = shared_.env;
  if (env.work_dir.empty()) return Status::Ok();
  std::filesystem::path runtime_dir = env.work_dir / "runtime";
  Status w = runtime::write_clients(runtime_dir);
  if (!w.ok()) spdlog::warn("lambda: {}", w.error().message);
  host_ = std::make_unique<runtime::FunctionHost>(runtime_dir, env.hidden, sandbox_);
  budget_ = env.sandboxes;
  if (!budget_) {
    own_budget_ = std::make_unique<runtime::Budget>(runtime::Budget::machine_capacity_mb());
    budget_ = own_budget_.get();
  }
  runtime::PoolOptions po;
  po.idle_timeout = options_.idle_timeout;
  pool_ = std::make_unique<runtime::Pool>(*budget_, po);
  for (int i = 0; i < options_.event_workers; ++i) workers_.emplace_back([this] { event_worker(); });
  return Status::Ok();
}

Invoker::~Invoker() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
    for (auto id : timers_) clock_.cancel(id);
  }
  queue_cv_.notify_all();
  for (auto& w : workers_) w.join();
  pool_.reset();
}

void Invoker::forget(const Ref& ref) {
  if (pool_) pool_->evict(ref.account + "/" + ref.region + "/" + ref.name);
}

void Invoker::add_health(Value& health) const {
  health["lambda_sandbox"] = runtime::sandbox_name(sandbox_);
  if (!pool_) return;
  health["sandboxes"] = {{"capacity_mb", budget_->capacity_mb()},
                         {"reserved_mb", budget_->reserved_mb()},
                         {"environments", pool_->live_count()},
                         {"busy", pool_->live_count() - pool_->idle_count()}};
}

void Invoker::clear() {
  {
    std::lock_guard lock(queue_mu_);
    ++generation_;
    queue_.clear();
    for (auto id : timers_) clock_.cancel(id);
    timers_.clear();
  }
  if (pool_) pool_->clear();
}

Result<Invoker::RunResult> Invoker::run(const Ref& ref, const std::string& request_id, const std::string& payload,
                                        const std::string& client_context, bool wait,
                                        std::function<bool()> cancelled) {
  if (!pool_) return internal_error("lambda execution is not available");
  Value entry;
  int limit = -1;
  {
    std::lock_guard lock(shared_.mutex);
    auto found = shared_.function(ref);
    if (!found) return found.take_error();
    auto resolved = resolve_entry(ref, **found, ref.qualifier);
    if (!resolved) return resolved.take_error();
    entry = std::move(*resolved);
    if (!(**found)["concurrency"].is_null()) limit = (**found)["concurrency"].get<int>();
  }
  const Value& config = entry["config"];
  std::string name = ref.name, version = config["Version"];
  auto creds = roles_.credentials(ref.account, ref.region, config["Role"], name);
  if (!creds) return creds.take_error();
  // Environments of one version and revision are interchangeable: a warm one
  // gets its keys renewed rather than a new one started.
  const Value mounts = entry.value("file_systems", Value::array());
  NUAGE_TRY(file_systems::check_mountable(mounts));
  if (!mounts.empty() && host_->sandbox() != runtime::SandboxMode::kBubblewrap)
    return errors("EFSMountFailureException",
                  "The function couldn't mount its EFS file system: file systems need bubblewrap (/usr/bin/bwrap).");
  runtime::Launch launch;
  launch.group = ref.account + "/" + ref.region + "/" + name;
  launch.key = config["FunctionArn"].get<std::string>() + "|" + config["RevisionId"].get<std::string>();
  launch.limit = limit;
  launch.memory_mb = static_cast<uint64_t>(config["MemorySize"].get<int64_t>());
  launch.prepare_warm = [&](const std::map<std::string, std::string>& variables) {
    return roles_.renew_keys(variables, *creds);
  };
  launch.wait_for_room = wait;
  launch.cancelled = std::move(cancelled);
  std::string log_group = "/aws/lambda/" + name;
  if (config.contains("LoggingConfig") && config["LoggingConfig"].contains("LogGroup"))
    log_group = config["LoggingConfig"]["LogGroup"];

  launch.make_spec = [&](runtime::EnvironmentSpec& spec, std::string* error) -> bool {
    auto code_dir = code_.extracted(entry["code"]["blob"], entry["code"]["sha_hex"]);
    if (!code_dir) {
      *error = code_dir.error().message;
      return false;
    }
    auto opt = code_.merged_layers(entry.value("layers", Value::array()));
    if (!opt) {
      *error = opt.error().message;
      return false;
    }
    runtime::FunctionEnvironment f;
    f.runtime = config["Runtime"];
    f.handler = config.value("Handler", "");
    f.function_name = name;
    f.version = version;
    f.memory_mb = config["MemorySize"].get<int64_t>();
    f.log_group = log_group;
    f.log_stream = log_stream_name(clock_.now(), version);
    f.region = ref.region;
    f.access_key = creds->access_key;
    f.secret_key = creds->secret_key;
    f.session_token = creds->session_token;
    f.endpoint = "http://127.0.0.1:" + std::to_string(shared_.env.port());
    if (config.contains("Environment")) {
      const Value variables = config["Environment"].value("Variables", Value::object());
      for (const auto& [k, v] : variables.items())
        if (v.is_string()) f.variables[k] = v.get<std::string>();
    }
    f.code_dir = *code_dir;
    f.opt_dir = *opt;
    for (const auto& m : mounts) f.file_systems.emplace_back(m["Folder"].get<std::string>(), m["LocalMountPath"]);
    spec = host_->spec(f);
    return true;
  };

  runtime::Invocation inv;
  inv.request_id = request_id;
  inv.payload = payload;
  inv.invoked_arn = function_arn(ref);
  inv.client_context = client_context;
  inv.timeout = std::chrono::seconds(config["Timeout"].get<int64_t>());
  Clock::TimePoint started = clock_.now();
  runtime::PoolResult pr = pool_->invoke(launch, inv);
  if (pr.status == runtime::PoolResult::kCancelled) return internal_error("the invocation was cancelled");
  if (pr.status == runtime::PoolResult::kThrottled) {
    record_metrics(ref, started, nullptr, false);
    bool reserved = limit >= 0 && !pr.over_capacity;
    return errors("TooManyRequestsException", "Rate Exceeded.",
                  {{"Reason", reserved ? "ReservedFunctionConcurrentInvocationLimitExceeded"
                                       : "ConcurrentInvocationLimitExceeded"}});
  }
  if (pr.status == runtime::PoolResult::kStartFailed) {
    spdlog::error("lambda: cannot start an environment for {}: {}", name, pr.error);
    return errors("ServiceException", "Lambda could not start the execution environment: " + pr.error);
  }
  const runtime::Outcome& o = pr.outcome;
  RunResult result;
  result.executed_version = version;
  InvocationLog log;
  log.request_id = request_id;
  log.runtime = config["Runtime"];
  log.version = version;
  log.memory_mb = config["MemorySize"].get<int64_t>();
  log.timeout_text =
      "Task timed out after " + two_decimals(static_cast<double>(inv.timeout.count()) / 1000.0) + " seconds";
  switch (o.kind) {
    case runtime::Outcome::kResponse:
      result.payload = o.payload;
      break;
    case runtime::Outcome::kError:
    case runtime::Outcome::kInitError:
      result.payload = o.payload;
      result.function_error = "Unhandled";
      break;
    case runtime::Outcome::kTimeout:
      result.payload = Value{{"errorType", "Sandbox.Timedout"},
                             {"errorMessage", "RequestId: " + request_id + " Error: " + log.timeout_text}}
                           .dump();
      result.function_error = "Unhandled";
      break;
    case runtime::Outcome::kExited:
      result.payload = Value{{"errorType", "Runtime.ExitError"},
                             {"errorMessage", "RequestId: " + request_id +
                                                  " Error: Runtime exited without providing a reason"}}
                           .dump();
      result.function_error = "Unhandled";
      break;
  }
  if (o.kind == runtime::Outcome::kExited || o.kind == runtime::Outcome::kInitError)
    log.error_type =
        Value::parse(result.payload, nullptr, false).value("errorType", std::string("Runtime.Unknown"));
  log.now = clock_.now();
  result.log_text = invocation_log_text(log, o);
  write_logs(ref, log_group, pr.log_stream, result.log_text);
  record_metrics(ref, started, &pr, !result.function_error.empty());
  return result;
}

void Invoker::write_logs(const Ref& ref, const std::string& group, const std::string& stream,
                         const std::string& text) {
  const kit::Environment& env = shared_.env;
  if (!env.logs || stream.empty()) return;
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  Status s = env.logs->write(ref.account, ref.region, group, stream, log_events(now_ms, text));
  if (!s.ok()) spdlog::warn("lambda: cannot write logs to {}: {}", group, s.error().message);
}

// AWS/Lambda's Invocations, Errors, Duration, Throttles and
// ConcurrentExecutions; `result` null: the invocation was throttled.
void Invoker::record_metrics(const Ref& ref, Clock::TimePoint started, const runtime::PoolResult* result,
                             bool function_error) {
  kit::MetricsSink* sink = shared_.env.metrics;
  if (!sink) return;
  kit::LambdaInvocation inv;
  inv.account = ref.account;
  inv.region = ref.region;
  inv.function_name = ref.name;
  inv.timestamp = started;
  inv.throttled = result == nullptr;
  if (result) {
    inv.duration_ms = result->outcome.duration_ms;
    inv.error = function_error;
    inv.concurrent_executions = result->concurrency;
  }
  Status s = kit::record_lambda_invocation(*sink, inv);
  if (!s.ok()) spdlog::warn("lambda: cannot publish metrics of {}: {}", ref.name, s.error().message);
}

Result<Output> Invoker::invoke(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  std::string type = in.value("InvocationType", "RequestResponse");
  std::string payload = in.contains("Payload") ? kit::blob_bytes(in["Payload"]) : "";
  if (type == "Event" && payload.size() > 262144)
    return errors("RequestTooLargeException",
                  "Request must be smaller than 262144 bytes for the InvokeFunction operation");
  if (payload.size() > 6291456)
    return errors("RequestTooLargeException",
                  "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
  if (text::trim(payload).empty()) payload = "{}";
  if (Value::parse(payload, nullptr, false).is_discarded())
    return errors("InvalidRequestContentException",
                  "Could not parse request body into json: Could not parse payload into json: Unexpected "
                  "character: was expecting (JSON String, Number, Array, Object or token 'null', 'true' or "
                  "'false')");
  {
    std::lock_guard lock(shared_.mutex);
    auto found = shared_.function(*ref);
    if (!found) return found.take_error();
    auto entry = resolve_entry(*ref, **found, ref->qualifier);
    if (!entry) return entry.take_error();
  }
  Output out;
  if (type == "DryRun") {
    out.value["StatusCode"] = 204;
    return out;
  }
  if (type == "Event") {
    NUAGE_TRY(accept_event(*ref, ctx.request_id, payload));
    out.value["StatusCode"] = 202;
    return out;
  }
  if (type != "RequestResponse")
    return errors("InvalidParameterValueException",
                  "1 validation error detected: Value '" + type +
                      "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: "
                      "[Event, RequestResponse, DryRun]");
  std::string client_context;
  if (in.contains("ClientContext"))
    client_context = text::base64_decode(in["ClientContext"].get<std::string>()).value_or("");
  auto r = run(*ref, ctx.request_id, payload, client_context);
  if (!r) return r.take_error();
  out.value["StatusCode"] = 200;
  out.value["ExecutedVersion"] = r->executed_version;
  if (!r->function_error.empty()) out.value["FunctionError"] = r->function_error;
  if (in.value("LogType", "None") == "Tail") {
    std::string tail = r->log_text.size() > 4096 ? r->log_text.substr(r->log_text.size() - 4096) : r->log_text;
    out.value["LogResult"] = text::base64_encode(tail);
  }
  out.stream_bytes = std::move(r->payload);
  return out;
}

Result<Output> Invoker::invoke_async(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  auto body = ctx.payload.read_all();
  if (!body) return body.take_error();
  std::string payload = std::move(*body);
  if (text::trim(payload).empty()) payload = "{}";
  if (Value::parse(payload, nullptr, false).is_discarded())
    return errors("InvalidRequestContentException", "Could not parse request body into json");
  {
    std::lock_guard lock(shared_.mutex);
    auto found = shared_.function(*ref);
    if (!found) return found.take_error();
  }
  NUAGE_TRY(accept_event(*ref, ctx.request_id, payload));
  Output out;
  out.value["Status"] = 202;
  return out;
}

Status Invoker::accept_event(const Ref& ref, const std::string& request_id, const std::string& payload) {
  Job job;
  job.ref = ref;
  job.request_id = request_id;
  job.payload = payload;
  job.accepted = clock_.now();
  // Work in flight: a clock advance that triggered this (a schedule, an
  // alarm) returns once it has run.
  job.work.emplace(clock_.begin_work());
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return Status::Ok();
    // Bounded: a client cannot make nuage hold events without end.
    if (queue_.size() >= options_.max_queued_events)
      return errors("TooManyRequestsException", "Rate Exceeded.", {{"Reason", "CallerRateLimitExceeded"}});
    job.generation = generation_;
    queue_.push_back(std::make_unique<Job>(std::move(job)));
  }
  queue_cv_.notify_one();
  return Status::Ok();
}

void Invoker::enqueue(Job job) {
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_ || job.generation != generation_) return;
    queue_.push_back(std::make_unique<Job>(std::move(job)));
  }
  queue_cv_.notify_one();
}

void Invoker::retry_later(const Job& job, Clock::TimePoint due) {
  auto retry = std::make_shared<Job>();
  retry->ref = job.ref;
  retry->request_id = job.request_id;
  retry->payload = job.payload;
  retry->attempt = job.attempt;
  retry->throttles = job.throttles;
  retry->accepted = job.accepted;
  retry->generation = job.generation;
  std::lock_guard lock(queue_mu_);
  if (stopping_ || job.generation != generation_) return;
  // The timer takes a Clock::Work when it fires, so a clock advance waits for
  // the retry to run; while it waits nothing holds the clock.
  timers_.push_back(clock_.schedule(due, [this, retry](Clock::TimePoint) {
    Job j = std::move(*retry);
    j.work.emplace(clock_.begin_work());
    enqueue(std::move(j));
  }));
}

// Event invocations run in order of arrival, each waiting for room in the
// sandbox budget; see the header for their retries.
void Invoker::event_worker() {
  for (;;) {
    std::unique_ptr<Job> job;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    uint64_t generation = job->generation;
    auto given_up = [this, generation] {
      std::lock_guard lock(queue_mu_);
      return stopping_ || generation != generation_;
    };
    // Retries count from the attempt's start: a clock advance that begins
    // while the attempt finishes still finds its retry due.
    Clock::TimePoint attempted = clock_.now();
    AsyncRules rules = async_rules(job->ref);
    if (attempted - job->accepted > rules.max_age) {
      // Too old for the retry that came due: the runs made are its count.
      --job->attempt;
      give_up(*job, rules, "EventAgeExceeded", nullptr, "200", "Event age exceeded");
      continue;
    }
    auto r = run(job->ref, job->request_id, job->payload, "", true, given_up);
    if (given_up()) continue;
    if (!r && r.error().code == "TooManyRequestsException") {
      ++job->throttles;
      Clock::Duration delay = throttle_backoff(job->throttles);
      if (attempted + delay - job->accepted > rules.max_age) {
        spdlog::warn("lambda: event {} for {} dropped: throttled until too old", job->request_id, job->ref.name);
        give_up(*job, rules, "EventAgeExceeded", nullptr, "429", "Rate Exceeded.");
        continue;
      }
      retry_later(*job, attempted + delay);
      continue;
    }
    if (!r && r.error().code == "ResourceNotFoundException") continue;  // the function went
    if (r && r->function_error.empty()) {
      send_to_destination(*job, rules.on_success, "Success", &*r);
      continue;
    }
    const RunResult* last = r ? &*r : nullptr;
    // The function's error message, as AWS puts it in the dead-letter message.
    std::string message = r ? r->function_error : r.error().message;
    if (r) {
      Value error = documents::parse_json_or_discarded(r->payload);
      if (error.is_object() && error.contains("errorMessage") && error["errorMessage"].is_string())
        message = error["errorMessage"];
    }
    std::string code = r ? "200" : std::to_string(r.error().status);
    if (job->attempt >= rules.max_attempts) {
      give_up(*job, rules, "RetriesExhausted", last, code, message);
      continue;
    }
    Clock::Duration delay = std::chrono::minutes(job->attempt == 1 ? 1 : 2);
    if (attempted + delay - job->accepted > rules.max_age) {
      give_up(*job, rules, "EventAgeExceeded", last, code, message);
      continue;
    }
    ++job->attempt;
    retry_later(*job, attempted + delay);
  }
}

Invoker::AsyncRules Invoker::async_rules(const Ref& ref) {
  AsyncRules rules;
  std::lock_guard lock(shared_.mutex);
  auto found = shared_.function(ref);
  if (!found) return rules;
  Value config = event_invoke_config(**found, ref.qualifier);
  if (config.contains("MaximumRetryAttempts")) rules.max_attempts = 1 + config["MaximumRetryAttempts"].get<int>();
  if (config.contains("MaximumEventAgeInSeconds"))
    rules.max_age = std::chrono::seconds(config["MaximumEventAgeInSeconds"].get<int64_t>());
  const Value destinations = config.value("DestinationConfig", Value::object());
  rules.on_success = destinations.value("OnSuccess", Value::object()).value("Destination", "");
  rules.on_failure = destinations.value("OnFailure", Value::object()).value("Destination", "");
  return rules;
}

void Invoker::give_up(const Job& job, const AsyncRules& rules, const char* condition, const RunResult* last,
                      const std::string& error_code, const std::string& error_message) {
  dead_letter(job, error_code, error_message);
  send_to_destination(job, rules.on_failure, condition, last);
}

void Invoker::send_to_destination(const Job& job, const std::string& destination, const char* condition,
                                  const RunResult* last) {
  if (destination.empty()) return;
  std::string role;
  {
    std::lock_guard lock(shared_.mutex);
    auto config = shared_.configuration(job.ref);
    if (!config) return;
    role = config->value("Role", "");
  }
  InvocationOutcome outcome;
  outcome.request_id = job.request_id;
  outcome.function_arn = function_arn(job.ref.region, job.ref.account, job.ref.name) + ":" +
                         (job.ref.qualifier.empty() ? "$LATEST" : job.ref.qualifier);
  outcome.condition = condition;
  outcome.invoke_count = job.attempt;
  outcome.request_payload = job.payload;
  if (last) {
    outcome.ran = true;
    outcome.executed_version = last->executed_version;
    outcome.function_error = last->function_error;
    outcome.response_payload = last->payload;
  }
  std::string record = invocation_record(outcome, clock_.now());
  events::Delivery d;
  d.target_arn = destination;
  d.account = job.ref.account;
  d.region = job.ref.region;
  d.payload = record;
  if (destination.find(":events:") != std::string::npos) {
    // An EventBridge bus gets the record as an event's detail.
    bool success = std::string(condition) == "Success";
    d.payload = Value{{"source", "lambda"},
                      {"detail-type", success ? "Lambda Function Invocation Result - Success"
                                              : "Lambda Function Invocation Result - Failure"},
                      {"resources", {destination, outcome.function_arn}},
                      {"detail", Value::parse(record)}}
                    .dump();
  }
  // Sent with the function's role, as on AWS.
  auto creds = roles_.credentials(job.ref.account, job.ref.region, role, job.ref.name);
  if (!creds) {
    spdlog::warn("lambda: the record of {} not sent to {}: {}", job.request_id, destination, creds.error().message);
    return;
  }
  d.caller = *creds;
  Status sent = events::Targets(shared_.env).deliver(d);
  if (!sent.ok())
    spdlog::warn("lambda: the record of {} not sent to {}: {} {}", job.request_id, destination, sent.error().code,
                 sent.error().message);
}

Result<Invoker::RunResult> Invoker::run_for_source(const Ref& ref, const std::string& payload,
                                                   std::function<bool()> cancelled) {
  return run(ref, crypto::random_uuid(), payload, "", true, std::move(cancelled));
}

void Invoker::dead_letter(const Job& job, const std::string& error_code, const std::string& error_message) {
  std::string target, role;
  {
    std::lock_guard lock(shared_.mutex);
    auto found = shared_.function(job.ref);
    if (!found) return;
    auto entry = resolve_entry(job.ref, **found, job.ref.qualifier);
    if (!entry) return;
    const Value& config = (*entry)["config"];
    target = config.value("DeadLetterConfig", Value::object()).value("TargetArn", "");
    role = config.value("Role", "");
  }
  if (target.empty()) return;
  // The dead-letter queue or topic is reached with the function's role, as
  // on AWS (it needs sqs:SendMessage or sns:Publish).
  auto creds = roles_.credentials(job.ref.account, job.ref.region, role, job.ref.name);
  if (!creds) {
    spdlog::warn("lambda: event {} for {} not sent to {}: {}", job.request_id, job.ref.name, target,
                 creds.error().message);
    return;
  }
  events::Delivery d;
  d.target_arn = target;
  d.payload = job.payload;
  d.account = job.ref.account;
  d.region = job.ref.region;
  d.caller = *creds;
  d.message_attributes = {{"RequestID", {{"DataType", "String"}, {"StringValue", job.request_id}}},
                          {"ErrorCode", {{"DataType", "Number"}, {"StringValue", error_code}}},
                          {"ErrorMessage", {{"DataType", "String"}, {"StringValue", error_message.empty() ? "Unhandled" : error_message}}}};
  Status sent = events::Targets(shared_.env).deliver(d);
  if (!sent.ok())
    spdlog::warn("lambda: event {} for {} not sent to {}: {} {}", job.request_id, job.ref.name, target,
                 sent.error().code, sent.error().message);
}

void Invoker::register_operations(kit::OperationTable& table) {
  table.add("Invoke", this, &Invoker::invoke).iam_action("InvokeFunction");
  table.add("InvokeAsync", this, &Invoker::invoke_async);
}

}  // namespace nuage::services::lambda
