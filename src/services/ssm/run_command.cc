#include "services/ssm/run_command.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "runtime/instance_environment.h"
#include "services/ssm/command_status.h"
#include "services/ssm/errors.h"

namespace nuage::services::ssm {

using kit::Output;
using kit::Value;

namespace {

const char* kCommand = "command";
const char* kInvocation = "command-invocation";
const char* kShellDocument = "AWS-RunShellScript";
const size_t kMaxInstanceIds = 50;
const size_t kMaxCommandChars = 64 * 1024;  // AWS's document parameters stay well within this
const size_t kKeptOutputBytes = 4 << 20;    // of each stream, for S3 and Logs

std::string invocation_key(const std::string& command_id, const std::string& instance_id) {
  return command_id + "/" + instance_id;
}

double clock_seconds(const kit::Environment& env) { return timefmt::epoch_seconds(env.clock.now()); }

std::string string_date(double epoch_seconds) { return timefmt::iso8601_millis(epoch_seconds); }

AwsError invalid_parameters(const std::string& message) { return errors("InvalidParameters", message); }

// A document parameter's values: a list of strings (AWS takes only lists).
Result<std::vector<std::string>> parameter_list(const Value& parameters, const char* name) {
  std::vector<std::string> out;
  if (!parameters.contains(name)) return out;
  const Value& v = parameters[name];
  if (!v.is_array()) return invalid_parameters("Parameter \"" + std::string(name) + "\" must be a list of strings.");
  for (const auto& item : v) {
    if (!item.is_string()) return invalid_parameters("Parameter \"" + std::string(name) + "\" must be a list of strings.");
    out.push_back(item.get<std::string>());
  }
  return out;
}

bool has_tag(const ManagedInstance& m, const std::string& key, const std::vector<std::string>* values) {
  for (const auto& t : m.tags)
    if (t.value("Key", "") == key &&
        (!values || std::find(values->begin(), values->end(), t.value("Value", "")) != values->end()))
      return true;
  return false;
}

std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

AwsError no_such_command(const std::string& id) { return errors("InvalidCommandId", "Command ID " + id + " is not valid."); }

// The command's instances, in the order they were targeted.
std::vector<std::string> order_of(const Value& command) { return command["_Order"].get<std::vector<std::string>>(); }

bool valid_command_id(const std::string& id) { return id.size() == 36 && id[8] == '-' && id[13] == '-'; }

}  // namespace

RunCommand::RunCommand(kit::Environment& env, std::mutex& mutex, std::unique_ptr<storage::ResourceStore>& store,
                       const ManagedInstances& instances)
    : env_(env), mutex_(mutex), store_(store), instances_(instances), mode_(runtime::detect_sandbox()) {}

RunCommand::~RunCommand() { stop(); }

void RunCommand::stop() {
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, cancel] : running_) cancel->store(true);
  }
  workers_.stop();
}

void RunCommand::reset() {
  for (auto& [key, cancel] : running_) cancel->store(true);
  running_.clear();
  active_.clear();
}

Status RunCommand::recover() {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<Scope, Value>> unfinished;
  std::set<std::pair<Scope, std::string>> commands;
  store_->for_each(kCommand, [&](const Scope&, const std::string&, const Value& doc) {
    sequence_ = std::max(sequence_, doc.value("_Seq", int64_t{0}));
  });
  store_->for_each(kInvocation, [&](const Scope& scope, const std::string&, const Value& doc) {
    std::string status = doc.value("Status", "");
    if (status == "Pending" || status == "InProgress" || status == "Cancelling") unfinished.push_back({scope, doc});
  });
  for (auto& [scope, doc] : unfinished) {
    bool started = doc.value("Status", "") != "Pending";
    std::string command_id = doc["CommandId"];
    commands.insert({scope, command_id});
    NUAGE_TRY(end_invocation(scope, std::move(doc), "Failed", started ? "Failed" : "Undeliverable"));
  }
  for (const auto& [scope, id] : commands) NUAGE_TRY(refresh_command(scope, id));
  return Status::Ok();
}

Result<Output> RunCommand::send_command(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string document = in.at("DocumentName");
  if (document == "AWS-RunPowerShellScript" || document == "AWS-RunPowerShell")
    return errors("UnsupportedPlatformType",
                  "The document " + document + " runs PowerShell, which nuage's Linux instances do not have. Use "
                  "AWS-RunShellScript.");
  if (document != kShellDocument && document != "arn:aws:ssm:" + ctx.region + "::document/" + kShellDocument)
    return errors("InvalidDocument", "Document with name " + document + " does not exist.");
  std::string version = in.value("DocumentVersion", "$DEFAULT");
  if (version != "$DEFAULT" && version != "$LATEST" && version != "1")
    return errors("InvalidDocumentVersion", "Document version " + version + " does not exist for document " +
                                                document + ".");
  // Parameters.
  Value parameters = in.value("Parameters", Value::object());
  for (const auto& [name, v] : parameters.items())
    if (name != "commands" && name != "workingDirectory" && name != "executionTimeout")
      return invalid_parameters("document " + std::string(kShellDocument) + " does not support parameters.");
  auto commands = parameter_list(parameters, "commands");
  if (!commands) return commands.take_error();
  if (commands->empty()) return invalid_parameters("Parameters required: commands.");
  std::string script;
  for (const auto& line : *commands) script += line + "\n";
  if (script.size() > kMaxCommandChars)
    return errors("MaxDocumentSizeExceeded", "The parameters exceed the maximum document size.");
  auto working = parameter_list(parameters, "workingDirectory");
  if (!working) return working.take_error();
  std::string working_directory = working->empty() ? "" : working->front();
  if (!working_directory.empty() && working_directory[0] != '/')
    return invalid_parameters("workingDirectory must be an absolute path: " + working_directory);
  auto timeout_values = parameter_list(parameters, "executionTimeout");
  if (!timeout_values) return timeout_values.take_error();
  int64_t execution_timeout = 3600;
  if (!timeout_values->empty()) {
    const std::string& t = timeout_values->front();
    if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(t) < 1 || std::stoll(t) > 172800)
      return invalid_parameters("Parameter executionTimeout value " + t +
                                " must be an integer between 1 and 172800 seconds.");
    execution_timeout = std::stoll(t);
  }
  int64_t timeout_seconds = in.value("TimeoutSeconds", int64_t{3600});
  if (timeout_seconds < 30 || timeout_seconds > 2592000)
    return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(timeout_seconds) +
                                             "' at 'timeoutSeconds' failed to satisfy constraint: Member must have "
                                             "value between 30 and 2592000");
  // Targets.
  bool by_ids = in.contains("InstanceIds") && !in["InstanceIds"].empty();
  bool by_targets = in.contains("Targets") && !in["Targets"].empty();
  if (by_ids == by_targets)
    return errors("ValidationException", by_ids ? "Specify either InstanceIds or Targets, not both."
                                                : "Either InstanceIds or Targets must be specified.");
  std::vector<std::string> ids;
  const Value* tag_targets = nullptr;
  if (by_ids) {
    for (const auto& v : in["InstanceIds"]) ids.push_back(v.get<std::string>());
  } else {
    if (in["Targets"].size() > 5) return errors("ValidationException", "A maximum of 5 targets is allowed.");
    for (const auto& t : in["Targets"]) {
      std::string key = t.value("Key", "");
      if (key == "InstanceIds" || key == "instanceids") {
        for (const auto& v : t.value("Values", Value::array())) ids.push_back(v.get<std::string>());
      } else if (text::starts_with(key, "tag:") || key == "tag-key") {
        tag_targets = &in["Targets"];
      } else {
        return invalid_parameters("Target key " + key + " is not supported.");
      }
    }
    if (tag_targets && !ids.empty())
      return invalid_parameters("Targets cannot combine InstanceIds with tags.");
  }
  if (ids.size() > kMaxInstanceIds)
    return errors("ValidationException", "1 validation error detected: Value at 'instanceIds' failed to satisfy "
                                         "constraint: Member must have length less than or equal to 50");
  std::set<std::string> seen;
  for (const auto& id : ids)
    if (!seen.insert(id).second) return errors("DuplicateInstanceId", "Instance Id " + id + " is duplicated.");
  // Which instances: by id each must be managed; by tags, the managed ones that match.
  auto listed = instances_.list(ctx.account_id, ctx.region, tag_targets ? std::vector<std::string>{} : ids);
  if (!listed) return listed.take_error();
  std::vector<ManagedInstance> targets;
  if (!tag_targets) {
    std::vector<std::string> invalid;
    for (const auto& id : ids) {
      auto it = std::find_if(listed->begin(), listed->end(), [&](const ManagedInstance& m) { return m.instance_id == id; });
      if (it == listed->end() || !it->managed) invalid.push_back(id);
      else targets.push_back(*it);
    }
    if (!invalid.empty())
      return errors("InvalidInstanceId", "Instances [[" + join_ids(invalid) + "]] not in a valid state for account " +
                                             ctx.account_id);
  } else {
    for (const auto& m : *listed) {
      if (!m.managed) continue;
      bool all = true;
      for (const auto& t : *tag_targets) {
        std::string key = t.value("Key", "");
        std::vector<std::string> values;
        for (const auto& v : t.value("Values", Value::array())) values.push_back(v.get<std::string>());
        all = all && (key == "tag-key" ? std::any_of(values.begin(), values.end(),
                                                     [&](const std::string& k) { return has_tag(m, k, nullptr); })
                                       : has_tag(m, key.substr(4), &values));
      }
      if (all) targets.push_back(m);
    }
  }
  auto target_count = static_cast<int64_t>(targets.size());
  std::string max_concurrency = in.value("MaxConcurrency", "50");
  std::string max_errors = in.value("MaxErrors", "0");
  if (!concurrency_limit(max_concurrency, target_count))
    return errors("ValidationException", "1 validation error detected: Value '" + max_concurrency +
                                             "' at 'maxConcurrency' failed to satisfy constraint: Member must "
                                             "satisfy regular expression pattern: ^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$");
  if (!error_limit(max_errors, target_count))
    return errors("ValidationException", "1 validation error detected: Value '" + max_errors +
                                             "' at 'maxErrors' failed to satisfy constraint: Member must satisfy "
                                             "regular expression pattern: ^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$");
  // Outputs.
  std::string bucket = in.value("OutputS3BucketName", "");
  std::string prefix = in.value("OutputS3KeyPrefix", "");
  Value cloudwatch = in.value("CloudWatchOutputConfig", Value::object());
  bool cloudwatch_on = cloudwatch.value("CloudWatchOutputEnabled", false);
  Value cloudwatch_answer = {
      {"CloudWatchLogGroupName",
       cloudwatch_on ? cloudwatch.value("CloudWatchLogGroupName", "/aws/ssm/" + std::string(kShellDocument)) : ""},
      {"CloudWatchOutputEnabled", cloudwatch_on}};
  double now = clock_seconds(env_);
  std::string command_id = crypto::random_uuid();
  Value instance_ids = Value::array();
  for (const auto& m : targets) instance_ids.push_back(m.instance_id);
  Value command = {{"CommandId", command_id},
                   {"DocumentName", kShellDocument},
                   {"DocumentVersion", version},
                   {"Comment", in.value("Comment", "")},
                   {"ExpiresAfter", now + static_cast<double>(timeout_seconds)},
                   {"Parameters", parameters},
                   {"InstanceIds", by_ids ? instance_ids : Value::array()},
                   {"Targets", in.value("Targets", Value::array())},
                   {"RequestedDateTime", now},
                   {"Status", "Pending"},
                   {"StatusDetails", "Pending"},
                   {"OutputS3Region", in.value("OutputS3Region", ctx.region)},
                   {"OutputS3BucketName", bucket},
                   {"OutputS3KeyPrefix", prefix},
                   {"MaxConcurrency", max_concurrency},
                   {"MaxErrors", max_errors},
                   {"TargetCount", target_count},
                   {"CompletedCount", 0},
                   {"ErrorCount", 0},
                   {"DeliveryTimedOutCount", 0},
                   {"ServiceRole", in.value("ServiceRoleArn", "")},
                   {"NotificationConfig", {{"NotificationArn", ""}, {"NotificationEvents", Value::array()},
                                           {"NotificationType", ""}}},
                   {"CloudWatchOutputConfig", cloudwatch_answer},
                   {"TimeoutSeconds", timeout_seconds},
                   {"_Script", script},
                   {"_WorkingDirectory", working_directory},
                   {"_ExecutionTimeout", execution_timeout},
                   {"_Order", instance_ids}};
  std::lock_guard lock(mutex_);
  command["_Seq"] = ++sequence_;
  Status st = store_->transaction([&]() -> Status {
    for (const auto& m : targets) {
      Value invocation = {{"CommandId", command_id},
                          {"InstanceId", m.instance_id},
                          {"InstanceName", m.hostname},
                          {"Comment", command["Comment"]},
                          {"DocumentName", kShellDocument},
                          {"DocumentVersion", version},
                          {"RequestedDateTime", now},
                          {"Status", "Pending"},
                          {"StatusDetails", "Pending"},
                          {"ResponseCode", -1},
                          {"ExecutionStartDateTime", ""},
                          {"ExecutionEndDateTime", ""},
                          {"ExecutionElapsedTime", ""},
                          {"StandardOutputContent", ""},
                          {"StandardErrorContent", ""},
                          {"StandardOutputUrl", ""},
                          {"StandardErrorUrl", ""},
                          {"CloudWatchOutputConfig", cloudwatch_answer},
                          {"_Hostname", m.hostname},
                          {"_PrivateIp", m.private_ip},
                          {"_Role", m.role_arn}};
      NUAGE_TRY(store_->put(scope, kInvocation, invocation_key(command_id, m.instance_id), std::move(invocation)));
    }
    NUAGE_TRY(store_->put(scope, kCommand, command_id, command));
    if (targets.empty()) NUAGE_TRY(refresh_command(scope, command_id));
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  NUAGE_TRY(dispatch(scope, command_id));
  Output out;
  Value answer = *store_->get(scope, kCommand, command_id);
  for (auto it = answer.begin(); it != answer.end();) it = it.key()[0] == '_' ? answer.erase(it) : std::next(it);
  out.value["Command"] = std::move(answer);
  return out;
}

Status RunCommand::dispatch(const Scope& scope, const std::string& command_id) {
  const Value* command = store_->get(scope, kCommand, command_id);
  if (!command) return Status::Ok();
  int64_t targets = (*command)["TargetCount"];
  int64_t limit = concurrency_limit((*command)["MaxConcurrency"].get<std::string>(), targets).value_or(1);
  int64_t max_errors = error_limit((*command)["MaxErrors"].get<std::string>(), targets).value_or(0);
  int64_t& active = active_[command_id];
  std::vector<std::string> to_start, to_terminate;
  bool over_errors = (*command)["ErrorCount"].get<int64_t>() > max_errors;
  for (const auto& id : order_of(*command)) {
    std::string key = invocation_key(command_id, id);
    const Value* invocation = store_->get(scope, kInvocation, key);
    if (!invocation || (*invocation)["Status"] != "Pending" || running_.count(key)) continue;
    if (over_errors) to_terminate.push_back(key);
    else if (active + static_cast<int64_t>(to_start.size()) < limit) to_start.push_back(id);
  }
  for (const auto& key : to_terminate) {
    Value invocation = *store_->get(scope, kInvocation, key);
    NUAGE_TRY(end_invocation(scope, std::move(invocation), "Cancelled", "Terminated"));
  }
  if (!to_terminate.empty()) NUAGE_TRY(refresh_command(scope, command_id));
  for (const auto& id : to_start) {
    std::string key = invocation_key(command_id, id);
    running_[key] = std::make_shared<std::atomic<bool>>(false);
    ++active;
    if (!workers_.post([this, scope, command_id, id] { execute(scope, command_id, id); })) {
      running_.erase(key);
      --active;
      Value invocation = *store_->get(scope, kInvocation, key);
      NUAGE_TRY(end_invocation(scope, std::move(invocation), "Failed", "Undeliverable"));
      NUAGE_TRY(refresh_command(scope, command_id));
    }
  }
  if (active == 0) active_.erase(command_id);
  return Status::Ok();
}

Status RunCommand::end_invocation(const Scope& scope, Value invocation, const std::string& status,
                                  const std::string& details) {
  double now = clock_seconds(env_);
  invocation["Status"] = status;
  invocation["StatusDetails"] = details;
  if (invocation.value("ExecutionEndDateTime", "").empty() && !invocation.value("ExecutionStartDateTime", "").empty())
    invocation["ExecutionEndDateTime"] = string_date(now);
  invocation["_Finished"] = now;
  std::string key = invocation_key(invocation["CommandId"].get<std::string>(), invocation["InstanceId"].get<std::string>());
  return store_->put(scope, kInvocation, key, std::move(invocation));
}

Status RunCommand::refresh_command(const Scope& scope, const std::string& command_id) {
  const Value* stored = store_->get(scope, kCommand, command_id);
  if (!stored) return Status::Ok();
  Value command = *stored;
  InvocationTally t;
  t.targets = command["TargetCount"];
  for (const auto& id : order_of(command))
    if (const Value* invocation = store_->get(scope, kInvocation, invocation_key(command_id, id)))
      tally(t, (*invocation)["Status"].get<std::string>(), (*invocation)["StatusDetails"].get<std::string>());
  int64_t max_errors = error_limit(command["MaxErrors"].get<std::string>(), t.targets).value_or(0);
  StatusPair s = command_status(t, max_errors, command.value("_CancelRequested", false));
  command["Status"] = s.status;
  command["StatusDetails"] = s.details;
  command["CompletedCount"] = t.completed();
  command["ErrorCount"] = t.errors();
  command["DeliveryTimedOutCount"] = t.delivery_timed_out;
  if (command == *stored) return Status::Ok();
  return store_->put(scope, kCommand, command_id, std::move(command));
}

void RunCommand::execute(const Scope& scope, const std::string& command_id, const std::string& instance_id) {
  std::string key = invocation_key(command_id, instance_id);
  Value command, invocation;
  std::shared_ptr<std::atomic<bool>> cancel;
  // The invocation's end, the command's counts and the next starts: one store transaction.
  auto settle = [&](const std::function<Status()>& body) {
    std::lock_guard lock(mutex_);
    running_.erase(key);
    auto active = active_.find(command_id);
    if (active != active_.end()) --active->second;
    Status st = store_->transaction([&]() -> Status {
      NUAGE_TRY(body());
      NUAGE_TRY(refresh_command(scope, command_id));
      return dispatch(scope, command_id);
    });
    if (!st.ok()) spdlog::warn("ssm: command {} on {}: {}", command_id, instance_id, st.error().message);
  };
  {
    std::lock_guard lock(mutex_);
    const Value* c = store_->get(scope, kCommand, command_id);
    const Value* i = store_->get(scope, kInvocation, key);
    auto flag = running_.find(key);
    if (!c || !i || flag == running_.end()) {
      running_.erase(key);
      return;
    }
    command = *c;
    invocation = *i;
    cancel = flag->second;
  }
  if (invocation["Status"] != "Pending") return settle([] { return Status::Ok(); });
  double now = clock_seconds(env_);
  if (now > command["RequestedDateTime"].get<double>() + command["TimeoutSeconds"].get<double>())
    return settle([&] { return end_invocation(scope, invocation, "TimedOut", "DeliveryTimedOut"); });
  invocation["Status"] = "InProgress";
  invocation["StatusDetails"] = "InProgress";
  invocation["ExecutionStartDateTime"] = string_date(now);
  invocation["_Started"] = now;
  {
    std::lock_guard lock(mutex_);
    Status st = store_->transaction([&]() -> Status {
      NUAGE_TRY(store_->put(scope, kInvocation, key, invocation));
      return refresh_command(scope, command_id);
    });
    if (!st.ok()) spdlog::warn("ssm: command {} on {}: {}", command_id, instance_id, st.error().message);
  }
  runtime::InstanceIdentity identity{scope.account, scope.region, instance_id,
                                     invocation["_Hostname"].get<std::string>(),
                                     invocation["_PrivateIp"].get<std::string>()};
  runtime::InstanceEnvironment environment(env_.work_dir, env_.hidden, mode_, identity);
  runtime::ScriptResult result;
  auto started = std::chrono::steady_clock::now();
  Status prepared = env_.work_dir.empty() ? Status(internal_error("no work folder")) : environment.prepare();
  if (!prepared.ok()) {
    result.error = prepared.error().message;
  } else {
    std::string cwd = command.value("_WorkingDirectory", "");
    runtime::SandboxSpec spec = environment.spec({"/bin/bash", "-c", command["_Script"].get<std::string>()}, cwd);
    if (mode_ != runtime::SandboxMode::kBubblewrap && !cwd.empty() && environment.host_path(cwd).empty())
      spec.cwd = environment.folder() / "root";
    runtime::ScriptLimits limits;
    limits.timeout = std::chrono::seconds(command["_ExecutionTimeout"].get<int64_t>());
    limits.max_bytes = kKeptOutputBytes;
    result = runtime::run_script(spec, limits, cancel.get());
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string err = result.err;
  if (!result.error.empty()) err += result.error + "\n";
  // The agent reports a failing script's exit status after its stderr.
  if (!result.timed_out && !result.cancelled && result.exit_code != 0)
    err += "failed to run commands: exit status " + std::to_string(result.exit_code);
  std::string status = "Success", details = "Success";
  if (result.cancelled) status = details = "Cancelled";
  else if (result.timed_out) status = "TimedOut", details = "ExecutionTimedOut";
  else if (result.exit_code != 0 || !result.error.empty()) status = details = "Failed";
  invocation["ResponseCode"] = result.cancelled ? -1 : result.exit_code;
  invocation["StandardOutputContent"] = first_chars(result.out, kStandardOutputChars);
  invocation["StandardErrorContent"] = first_chars(err, kStandardErrorChars);
  invocation["ExecutionElapsedTime"] = elapsed_text(elapsed);
  invocation["ExecutionEndDateTime"] = string_date(invocation["_Started"].get<double>() + elapsed);
  // The plugin's Output: stdout, then stderr under the agent's separator.
  invocation["_Output"] =
      first_chars(err.empty() ? result.out : result.out + "\n----------ERROR-------\n" + err, kPluginOutputChars);
  deliver_output(scope, command, invocation, result.out, err);
  if (!command.value("OutputS3BucketName", "").empty()) {
    std::string base = "https://s3." + command.value("OutputS3Region", scope.region) + ".amazonaws.com/" +
                       command["OutputS3BucketName"].get<std::string>() + "/";
    std::string prefix = command.value("OutputS3KeyPrefix", "");
    invocation["StandardOutputUrl"] = base + s3_output_key(prefix, command_id, instance_id, "stdout");
    invocation["StandardErrorUrl"] = base + s3_output_key(prefix, command_id, instance_id, "stderr");
  }
  settle([&] { return end_invocation(scope, invocation, status, details); });
}

void RunCommand::deliver_output(const Scope& scope, const Value& command, const Value& invocation,
                                const std::string& out, const std::string& err) {
  std::string command_id = command["CommandId"], instance_id = invocation["InstanceId"];
  std::string bucket = command.value("OutputS3BucketName", "");
  if (!bucket.empty()) {
    // The agent writes with the instance's credentials: its profile's role.
    auto credential = env_.assume_role(invocation["_Role"].get<std::string>(), "ec2.amazonaws.com", scope.account, scope.region,
                                       instance_id);
    if (!credential) {
      spdlog::info("ssm: command {} on {}: no S3 output: {}", command_id, instance_id, credential.error().message);
    } else {
      std::string prefix = command.value("OutputS3KeyPrefix", "");
      std::string region = command.value("OutputS3Region", scope.region);
      for (const auto& [stream, body] : {std::pair{"stdout", &out}, std::pair{"stderr", &err}}) {
        if (body->empty()) continue;
        Value in = {{"Bucket", bucket},
                    {"Key", s3_output_key(prefix, command_id, instance_id, stream)},
                    {"Body", kit::make_blob(*body)}};
        auto put = env_.call("s3", "PutObject", in, *credential, region);
        if (!put) spdlog::info("ssm: command {} on {}: S3 output: {}", command_id, instance_id, put.error().message);
      }
    }
  }
  const Value& cloudwatch = command["CloudWatchOutputConfig"];
  if (cloudwatch.value("CloudWatchOutputEnabled", false) && env_.logs) {
    auto now_ms = static_cast<int64_t>(clock_seconds(env_) * 1000);
    for (const auto& [stream, body] : {std::pair{"stdout", &out}, std::pair{"stderr", &err}}) {
      if (body->empty()) continue;
      std::vector<kit::LogEvent> events;
      for (const auto& line : text::split(*body, '\n'))
        if (!line.empty()) events.push_back({now_ms, line});
      Status st = env_.logs->write(scope.account, scope.region, cloudwatch["CloudWatchLogGroupName"].get<std::string>(),
                                   log_stream_name(command_id, instance_id, stream), events);
      if (!st.ok()) spdlog::info("ssm: command {} on {}: logs: {}", command_id, instance_id, st.error().message);
    }
  }
}

namespace {

Value public_fields(const Value& doc) {
  Value out = Value::object();
  for (const auto& [k, v] : doc.items())
    if (k[0] != '_') out[k] = v;
  return out;
}

Value plugin_of(const Value& invocation, const Value& command) {
  Value plugin = {{"Name", kShellPlugin},
                  {"Status", invocation["Status"]},
                  {"StatusDetails", invocation["StatusDetails"]},
                  {"ResponseCode", invocation["ResponseCode"]},
                  {"Output", invocation.value("_Output", "")},
                  {"StandardOutputUrl", invocation["StandardOutputUrl"]},
                  {"StandardErrorUrl", invocation["StandardErrorUrl"]},
                  {"OutputS3Region", command["OutputS3Region"]},
                  {"OutputS3BucketName", command["OutputS3BucketName"]},
                  {"OutputS3KeyPrefix", command["OutputS3KeyPrefix"]}};
  if (invocation.contains("_Started")) plugin["ResponseStartDateTime"] = invocation["_Started"];
  if (invocation.contains("_Finished") && invocation.contains("_Started"))
    plugin["ResponseFinishDateTime"] = invocation["_Finished"];
  return plugin;
}

}  // namespace

Result<Output> RunCommand::get_command_invocation(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string command_id = in.at("CommandId"), instance_id = in.at("InstanceId");
  if (!valid_command_id(command_id)) return no_such_command(command_id);
  std::string plugin = in.value("PluginName", kShellPlugin);
  if (plugin != kShellPlugin) return errors("InvalidPluginName", "");
  std::lock_guard lock(mutex_);
  const Value* invocation = store_->get(scope, kInvocation, invocation_key(command_id, instance_id));
  if (!invocation) return errors("InvocationDoesNotExist", "");
  static const char* kMembers[] = {"CommandId", "InstanceId", "Comment", "DocumentName", "DocumentVersion",
                                   "ResponseCode", "ExecutionStartDateTime", "ExecutionElapsedTime",
                                   "ExecutionEndDateTime", "Status", "StatusDetails", "StandardOutputContent",
                                   "StandardOutputUrl", "StandardErrorContent", "StandardErrorUrl",
                                   "CloudWatchOutputConfig"};
  Output out;
  for (const char* m : kMembers) out.value[m] = (*invocation)[m];
  out.value["PluginName"] = kShellPlugin;
  return out;
}

Result<Output> RunCommand::list_commands(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string command_id = in.value("CommandId", ""), instance_id = in.value("InstanceId", "");
  int64_t max_results = in.value("MaxResults", int64_t{50});
  if (max_results < 1 || max_results > 50)
    return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(max_results) +
                                             "' at 'maxResults' failed to satisfy constraint: Member must have "
                                             "value less than or equal to 50");
  std::string status_filter, document_filter;
  std::optional<double> after, before;
  for (const auto& f : in.value("Filters", Value::array())) {
    std::string key = f.value("key", ""), value = f.value("value", "");
    if (key == "Status") status_filter = value;
    else if (key == "DocumentName") document_filter = value;
    else if (key == "InvokedAfter" || key == "InvokedBefore") {
      auto t = kit::timestamp_seconds(Value(value));
      if (!t) return errors("ValidationException", "Invalid filter value " + value + " for " + key + ".");
      (key == "InvokedAfter" ? after : before) = *t;
    } else if (key != "ExecutionStage") {
      return errors("InvalidFilterKey", "");
    }
  }
  std::lock_guard lock(mutex_);
  std::vector<const Value*> matched;
  if (!command_id.empty()) {
    const Value* c = valid_command_id(command_id) ? store_->get(scope, kCommand, command_id) : nullptr;
    if (!c) return no_such_command(command_id);
    matched.push_back(c);
  } else {
    for (const auto& [id, c] : store_->all(scope, kCommand)) matched.push_back(&c);
  }
  std::erase_if(matched, [&](const Value* c) {
    if (!instance_id.empty() && !store_->get(scope, kInvocation, invocation_key((*c)["CommandId"].get<std::string>(), instance_id)))
      return true;
    if (!status_filter.empty() && (*c)["Status"] != status_filter) return true;
    if (!document_filter.empty() && (*c)["DocumentName"] != document_filter) return true;
    double requested = (*c)["RequestedDateTime"];
    return (after && requested < *after) || (before && requested > *before);
  });
  std::sort(matched.begin(), matched.end(),
            [](const Value* a, const Value* b) { return (*a)["_Seq"].get<int64_t>() > (*b)["_Seq"].get<int64_t>(); });
  size_t begin = 0;
  if (in.contains("NextToken")) {
    auto position = storage::ResourceStore::from_page_token(in["NextToken"]);
    if (!position || position->find_first_not_of("0123456789") != std::string::npos || position->empty())
      return errors("InvalidNextToken", "The specified token is not valid.");
    begin = std::stoull(*position);
  }
  Output out;
  out.value["Commands"] = Value::array();
  size_t end = std::min(matched.size(), begin + static_cast<size_t>(max_results));
  for (size_t i = begin; i < end; ++i) out.value["Commands"].push_back(public_fields(*matched[i]));
  if (end < matched.size()) out.value["NextToken"] = storage::ResourceStore::page_token(std::to_string(end));
  return out;
}

Result<Output> RunCommand::list_command_invocations(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string command_id = in.value("CommandId", ""), instance_id = in.value("InstanceId", "");
  bool details = in.value("Details", false);
  int64_t max_results = in.value("MaxResults", int64_t{50});
  if (max_results < 1 || max_results > 50)
    return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(max_results) +
                                             "' at 'maxResults' failed to satisfy constraint: Member must have "
                                             "value less than or equal to 50");
  std::string status_filter;
  for (const auto& f : in.value("Filters", Value::array())) {
    std::string key = f.value("key", "");
    if (key == "Status") status_filter = f.value("value", "");
    else if (key != "DocumentName" && key != "InvokedAfter" && key != "InvokedBefore" && key != "ExecutionStage")
      return errors("InvalidFilterKey", "");
  }
  std::lock_guard lock(mutex_);
  std::vector<const Value*> commands;
  if (!command_id.empty()) {
    const Value* c = valid_command_id(command_id) ? store_->get(scope, kCommand, command_id) : nullptr;
    if (!c) return no_such_command(command_id);
    commands.push_back(c);
  } else {
    for (const auto& [id, c] : store_->all(scope, kCommand)) commands.push_back(&c);
    std::sort(commands.begin(), commands.end(),
              [](const Value* a, const Value* b) { return (*a)["_Seq"].get<int64_t>() > (*b)["_Seq"].get<int64_t>(); });
  }
  std::vector<std::pair<const Value*, const Value*>> matched;  // (invocation, command)
  for (const Value* c : commands)
    for (const auto& id : order_of(*c)) {
      if (!instance_id.empty() && id != instance_id) continue;
      const Value* invocation = store_->get(scope, kInvocation, invocation_key((*c)["CommandId"].get<std::string>(), id));
      if (!invocation || (!status_filter.empty() && (*invocation)["Status"] != status_filter)) continue;
      matched.push_back({invocation, c});
    }
  size_t begin = 0;
  if (in.contains("NextToken")) {
    auto position = storage::ResourceStore::from_page_token(in["NextToken"]);
    if (!position || position->empty() || position->find_first_not_of("0123456789") != std::string::npos)
      return errors("InvalidNextToken", "The specified token is not valid.");
    begin = std::stoull(*position);
  }
  Output out;
  out.value["CommandInvocations"] = Value::array();
  size_t end = std::min(matched.size(), begin + static_cast<size_t>(max_results));
  for (size_t i = begin; i < end; ++i) {
    const Value& invocation = *matched[i].first;
    Value entry = {{"CommandId", invocation["CommandId"]},
                   {"InstanceId", invocation["InstanceId"]},
                   {"InstanceName", invocation["InstanceName"]},
                   {"Comment", invocation["Comment"]},
                   {"DocumentName", invocation["DocumentName"]},
                   {"DocumentVersion", invocation["DocumentVersion"]},
                   {"RequestedDateTime", invocation["RequestedDateTime"]},
                   {"Status", invocation["Status"]},
                   {"StatusDetails", invocation["StatusDetails"]},
                   {"TraceOutput", ""},
                   {"StandardOutputUrl", invocation["StandardOutputUrl"]},
                   {"StandardErrorUrl", invocation["StandardErrorUrl"]},
                   {"CommandPlugins", Value::array()},
                   {"ServiceRole", (*matched[i].second)["ServiceRole"]},
                   {"NotificationConfig", (*matched[i].second)["NotificationConfig"]},
                   {"CloudWatchOutputConfig", invocation["CloudWatchOutputConfig"]}};
    if (details) entry["CommandPlugins"].push_back(plugin_of(invocation, *matched[i].second));
    out.value["CommandInvocations"].push_back(std::move(entry));
  }
  if (end < matched.size()) out.value["NextToken"] = storage::ResourceStore::page_token(std::to_string(end));
  return out;
}

Result<Output> RunCommand::cancel_command(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string command_id = in.at("CommandId");
  std::vector<std::string> only;
  for (const auto& v : in.value("InstanceIds", Value::array())) only.push_back(v.get<std::string>());
  std::set<std::string> seen;
  for (const auto& id : only)
    if (!seen.insert(id).second) return errors("DuplicateInstanceId", "Instance Id " + id + " is duplicated.");
  std::lock_guard lock(mutex_);
  const Value* stored = valid_command_id(command_id) ? store_->get(scope, kCommand, command_id) : nullptr;
  if (!stored) return no_such_command(command_id);
  Value command = *stored;
  for (const auto& id : only)
    if (!store_->get(scope, kInvocation, invocation_key(command_id, id)))
      return errors("InvalidInstanceId", "Instances [[" + id + "]] not in a valid state for account " + ctx.account_id);
  Status st = store_->transaction([&]() -> Status {
    for (const auto& id : order_of(command)) {
      if (!only.empty() && std::find(only.begin(), only.end(), id) == only.end()) continue;
      std::string key = invocation_key(command_id, id);
      Value invocation = *store_->get(scope, kInvocation, key);
      std::string status = invocation["Status"];
      if (status == "Pending") {
        NUAGE_TRY(end_invocation(scope, std::move(invocation), "Cancelled", "Cancelled"));
      } else if (status == "InProgress") {
        if (auto flag = running_.find(key); flag != running_.end()) flag->second->store(true);
        invocation["Status"] = "Cancelling";
        invocation["StatusDetails"] = "Cancelling";
        NUAGE_TRY(store_->put(scope, kInvocation, key, std::move(invocation)));
      }
    }
    if (only.empty()) {
      command["_CancelRequested"] = true;
      NUAGE_TRY(store_->put(scope, kCommand, command_id, command));
    }
    return refresh_command(scope, command_id);
  });
  if (!st.ok()) return st.error();
  return Output{};
}

void RunCommand::register_operations(kit::OperationTable& table) {
  table.add("SendCommand", this, &RunCommand::send_command).iam_resources([](const Context& ctx, const Value& in) {
    std::vector<std::string> arns = {"arn:aws:ssm:" + ctx.region + "::document/" + kShellDocument};
    auto it = in.find("InstanceIds");
    if (it != in.end() && it->is_array())
      for (const auto& id : *it)
        if (id.is_string())
          arns.push_back("arn:aws:ec2:" + ctx.region + ":" + ctx.account_id + ":instance/" + id.get<std::string>());
    return arns;
  });
  auto any = [](const Context&, const Value&) { return std::vector<std::string>{"*"}; };
  table.add("GetCommandInvocation", this, &RunCommand::get_command_invocation).iam_resources(any);
  table.add("ListCommands", this, &RunCommand::list_commands).iam_resources(any);
  table.add("ListCommandInvocations", this, &RunCommand::list_command_invocations).iam_resources(any);
  table.add("CancelCommand", this, &RunCommand::cancel_command).iam_resources(any);
}

}  // namespace nuage::services::ssm
