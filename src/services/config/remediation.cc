// Remediation: a rule's remediation configuration names an SSM Automation
// document (checked with SSM's GetDocument, its parameters too) and how
// its parameters are filled (a static value, or the non-compliant
// resource's id). Executions run through SSM's StartAutomationExecution as
// config.amazonaws.com; the document assumes its AutomationAssumeRole, so
// the role's IAM policies decide what it may change.
//
// Automatic remediation starts when a resource is evaluated NON_COMPLIANT.
// MaximumAutomaticAttempts (default 5) attempts may be made within
// RetryAttemptSeconds (default 60): a failed attempt is retried after
// RetryAttemptSeconds / MaximumAutomaticAttempts of clock, and once the
// attempts within the window are used up the resource gets a remediation
// exception (no more automatic attempts), as AWS describes it.
//
// Executions run one at a time on the provider's worker thread, each
// holding a Clock::Work.
#include <spdlog/spdlog.h>

#include "services/config/internal.h"

namespace nuage::services::config {

namespace {


AwsError no_remediation(const std::string& rule) {
  return errors("NoSuchRemediationConfigurationException",
                "No RemediationConfiguration for rule " + rule + " exists.");
}

std::string execution_id(const std::string& rule, const std::string& type, const std::string& id) {
  return rule + "/" + type + "/" + id;
}

std::string step_state(const std::string& ssm_status) {
  if (ssm_status == "Success") return "SUCCEEDED";
  if (ssm_status == "Pending") return "PENDING";
  if (ssm_status == "InProgress" || ssm_status == "Waiting") return "IN_PROGRESS";
  if (ssm_status == "Exited") return "EXITED";
  if (ssm_status.empty()) return "UNKNOWN";
  return "FAILED";
}

Value status_of(const Value& execution) {
  Value out = public_doc(execution);
  if (!out.contains("StepDetails")) out["StepDetails"] = Value::array();
  return out;
}

}  // namespace

Result<Output> Provider::put_remediation_configurations(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value& configs = in.at("RemediationConfigurations");
  if (configs.size() > 25) return too_long("remediationConfigurations", 25);
  std::vector<std::pair<std::string, Value>> accepted;
  for (const auto& given : configs) {
    std::string rule = given.at("ConfigRuleName");
    NUAGE_TRY(find_rule(scope, rule));
    NUAGE_TRY(check_enum(given, "TargetType", "remediationConfigurations.member.targetType", {"SSM_DOCUMENT"}));
    std::string document = given.at("TargetId");
    Value get = {{"Name", document}};
    if (given.contains("TargetVersion")) get["DocumentVersion"] = given["TargetVersion"];
    auto found = env_.call("ssm", "GetDocument", get, kit::Environment::service_principal(kConfigPrincipal, ctx.account_id),
                           ctx.region);
    if (!found) return invalid("The document " + document + " cannot be used for remediation: " + found.error().message);
    Value content = Value::parse(found->value.value("Content", "{}"), nullptr, false);
    Value declared = content.is_object() ? content.value("parameters", Value::object()) : Value::object();
    int resource_values = 0;
    const Value parameters = given.value("Parameters", Value::object());
    for (const auto& [name, value] : parameters.items()) {
      if (!declared.contains(name)) return invalid("The parameter " + name + " is not defined in document " + document + ".");
      bool resource = value.contains("ResourceValue"), fixed = value.contains("StaticValue");
      if (resource == fixed)
        return invalid("Parameter " + name + " must have exactly one of ResourceValue and StaticValue.");
      if (resource) {
        NUAGE_TRY(check_enum(value["ResourceValue"], "Value",
                             "remediationConfigurations.member.parameters." + name + ".resourceValue.value",
                             {"RESOURCE_ID"}));
        if (++resource_values > 1) return invalid("Only one parameter can take its value from the resource (RESOURCE_ID).");
      }
    }
    int64_t attempts = given.value("MaximumAutomaticAttempts", int64_t{5});
    int64_t window = given.value("RetryAttemptSeconds", int64_t{60});
    if (attempts < 1 || attempts > 25)
      return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(attempts) +
                                               "' at 'remediationConfigurations.member.maximumAutomaticAttempts' "
                                               "failed to satisfy constraint: Member must have value between 1 and 25");
    if (window < 1 || window > 2678000)
      return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(window) +
                                               "' at 'remediationConfigurations.member.retryAttemptSeconds' failed "
                                               "to satisfy constraint: Member must have value between 1 and 2678000");
    Value doc = given;
    doc["TargetType"] = "SSM_DOCUMENT";
    doc["Automatic"] = given.value("Automatic", false);
    if (doc["Automatic"].get<bool>()) {
      doc["MaximumAutomaticAttempts"] = attempts;
      doc["RetryAttemptSeconds"] = window;
    }
    const Value* existing = store_->get(scope, kRemediation, rule);
    doc["Arn"] = existing ? (*existing)["Arn"]
                          : Value("arn:aws:config:" + ctx.region + ":" + ctx.account_id + ":remediation-configuration/" +
                                  rule + "/" + crypto::random_uuid());
    accepted.emplace_back(rule, std::move(doc));
  }
  for (auto& [rule, doc] : accepted) NUAGE_TRY(store_->put(scope, kRemediation, rule, std::move(doc)));
  Output out;
  out.value["FailedBatches"] = Value::array();
  return out;
}

Result<Output> Provider::describe_remediation_configurations(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  Output out;
  out.value["RemediationConfigurations"] = Value::array();
  for (const auto& name : in.at("ConfigRuleNames"))
    if (const Value* doc = store_->get(scope, kRemediation, name.get<std::string>()))
      out.value["RemediationConfigurations"].push_back(public_doc(*doc));
  return out;
}

Result<Output> Provider::delete_remediation_configuration(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string rule = in.at("ConfigRuleName");
  const Value* doc = store_->get(scope, kRemediation, rule);
  if (!doc || (in.contains("ResourceType") && doc->contains("ResourceType") && (*doc)["ResourceType"] != in["ResourceType"]))
    return no_remediation(rule);
  std::vector<std::string> executions;
  for (const auto& [id, e] : store_->all(scope, kExecution))
    if (e.value("_Rule", "") == rule) executions.push_back(id);
  for (const auto& id : executions) {
    if (auto t = retry_timers_.find(id); t != retry_timers_.end()) {
      env_.clock.cancel(t->second);
      retry_timers_.erase(t);
    }
    NUAGE_TRY(store_->erase(scope, kExecution, id));
  }
  NUAGE_TRY(store_->erase(scope, kRemediation, rule));
  return Output{};
}

Result<Output> Provider::start_remediation_execution(Context& ctx, const Value& in, Effects& fx) {
  Scope scope{ctx.account_id, ctx.region};
  std::string rule = in.at("ConfigRuleName");
  if (!store_->get(scope, kRemediation, rule)) return no_remediation(rule);
  const Value& keys = in.at("ResourceKeys");
  if (keys.empty() || keys.size() > 100) return too_long("resourceKeys", 100);
  double now = epoch(env_.clock.now());
  for (const auto& k : keys) {
    std::string type = k.at("resourceType"), id = k.at("resourceId");
    std::string eid = execution_id(rule, type, id);
    Value doc = store_->get(scope, kExecution, eid) ? *store_->get(scope, kExecution, eid) : Value::object();
    doc["_Rule"] = rule;
    doc["ResourceKey"] = {{"resourceType", type}, {"resourceId", id}};
    doc["State"] = "QUEUED";
    doc["InvocationTime"] = now;
    doc["LastUpdatedTime"] = now;
    doc["StepDetails"] = Value::array();
    NUAGE_TRY(store_->put(scope, kExecution, eid, std::move(doc)));
    fx.remediations.push_back({scope, rule, type, id, false});
  }
  Output out;
  out.value["FailedItems"] = Value::array();
  return out;
}

Result<Output> Provider::describe_remediation_execution_status(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string rule = in.at("ConfigRuleName");
  if (!store_->get(scope, kRemediation, rule)) return no_remediation(rule);
  auto limit = limit_of(in, "Limit", 100, 100);
  if (!limit) return limit.take_error();
  auto after = page_key(in, "NextToken");
  if (!after) return after.take_error();
  const Value keys = in.value("ResourceKeys", Value::array());
  Output out;
  out.value["RemediationExecutionStatuses"] = Value::array();
  Value& list = out.value["RemediationExecutionStatuses"];
  auto view = store_->all(scope, kExecution);
  for (auto it = after->empty() ? view.begin() : view.after(*after); it != view.end(); ++it) {
    auto [id, doc] = *it;
    if (doc.value("_Rule", "") != rule) continue;
    bool named = keys.empty();
    for (const auto& k : keys)
      named |= k.value("resourceType", "") == doc["ResourceKey"]["resourceType"] &&
               k.value("resourceId", "") == doc["ResourceKey"]["resourceId"];
    if (!named) continue;
    if (static_cast<int>(list.size()) == *limit) {
      out.value["NextToken"] = page_token(std::string(id));
      break;
    }
    list.push_back(status_of(doc));
  }
  return out;
}

// ------------------------------------------------------------ automatic remediation

void Provider::maybe_remediate(const Evaluation& e, Effects& fx) {
  Scope scope{e.account, e.region};
  const Value* config = store_->get(scope, kRemediation, e.rule);
  if (!config || !config->value("Automatic", false)) return;
  if (config->contains("ResourceType") && (*config)["ResourceType"] != e.resource_type) return;
  std::string eid = execution_id(e.rule, e.resource_type, e.resource_id);
  const Value* existing = store_->get(scope, kExecution, eid);
  Value doc = existing ? *existing : Value::object();
  std::string state = doc.value("State", "");
  if (state == "QUEUED" || state == "IN_PROGRESS" || doc.contains("_NextAttempt") || doc.value("_Exception", false))
    return;
  double now = epoch(env_.clock.now());
  double window = static_cast<double>(config->value("RetryAttemptSeconds", int64_t{60}));
  int64_t max = config->value("MaximumAutomaticAttempts", int64_t{5});
  int64_t recent = 0;
  for (const auto& t : doc.value("_Attempts", Value::array()))
    if (t.get<double>() > now - window) ++recent;
  if (recent >= max) {
    doc["_Exception"] = true;
    (void)store_->put(scope, kExecution, eid, std::move(doc));
    return;
  }
  doc["_Rule"] = e.rule;
  doc["ResourceKey"] = {{"resourceType", e.resource_type}, {"resourceId", e.resource_id}};
  doc["State"] = "QUEUED";
  doc["InvocationTime"] = now;
  doc["LastUpdatedTime"] = now;
  (void)store_->put(scope, kExecution, eid, std::move(doc));
  fx.remediations.push_back({scope, e.rule, e.resource_type, e.resource_id, true});
}

void Provider::queue_remediation(RemediationStart start) {
  std::lock_guard lock(jobs_mu_);
  if (stopping_) return;
  if (!worker_.joinable()) worker_ = std::thread([this] { remediation_worker(); });
  jobs_.push_back({std::move(start), std::make_unique<Clock::Work>(env_.clock.begin_work())});
  jobs_cv_.notify_one();
}

void Provider::remediation_worker() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(jobs_mu_);
      jobs_cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    remediate(job.start);
  }
}

void Provider::remediate(const RemediationStart& start) {
  const Scope& scope = start.scope;
  std::string eid = execution_id(start.rule, start.resource_type, start.resource_id);
  Value request = Value::object();
  {
    std::lock_guard lock(mutex_);
    const Value* config = store_->get(scope, kRemediation, start.rule);
    const Value* existing = store_->get(scope, kExecution, eid);
    if (!config || !existing) return;
    Value doc = *existing;
    double now = epoch(env_.clock.now());
    doc["State"] = "IN_PROGRESS";
    doc["LastUpdatedTime"] = now;
    doc.erase("_NextAttempt");
    if (start.automatic) doc["_Attempts"].push_back(now);
    (void)store_->put(scope, kExecution, eid, std::move(doc));
    Value params = Value::object();
    const Value parameters = config->value("Parameters", Value::object());
    for (const auto& [name, value] : parameters.items())
      params[name] = value.contains("ResourceValue") ? Value::array({start.resource_id})
                                                     : value["StaticValue"].value("Values", Value::array());
    request = {{"DocumentName", (*config)["TargetId"]}, {"Parameters", params}};
    if (config->contains("TargetVersion")) request["DocumentVersion"] = (*config)["TargetVersion"];
  }
  auto principal = kit::Environment::service_principal(kConfigPrincipal, scope.account);
  auto started = env_.call("ssm", "StartAutomationExecution", request, principal, scope.region);
  Result<Output> execution = started ? env_.call("ssm", "GetAutomationExecution",
                                                 Value{{"AutomationExecutionId", started->value["AutomationExecutionId"]}},
                                                 principal, scope.region)
                                     : Result<Output>(started.error());
  std::lock_guard lock(mutex_);
  const Value* existing = store_->get(scope, kExecution, eid);
  const Value* config = store_->get(scope, kRemediation, start.rule);
  if (!existing || !config) return;
  Value doc = *existing;
  double now = epoch(env_.clock.now());
  Value steps = Value::array();
  std::string state = "FAILED";
  if (execution) {
    const Value& run = execution->value["AutomationExecution"];
    doc["_AutomationExecutionId"] = run.value("AutomationExecutionId", "");
    if (run.value("AutomationExecutionStatus", "") == "Success") state = "SUCCEEDED";
    for (const auto& s : run.value("StepExecutions", Value::array())) {
      Value step = {{"Name", s.value("StepName", "")}, {"State", step_state(s.value("StepStatus", ""))}};
      if (s.contains("FailureMessage")) step["ErrorMessage"] = s["FailureMessage"];
      if (s.contains("ExecutionStartTime")) step["StartTime"] = s["ExecutionStartTime"];
      if (s.contains("ExecutionEndTime")) step["StopTime"] = s["ExecutionEndTime"];
      steps.push_back(std::move(step));
    }
  } else {
    steps.push_back({{"Name", "StartAutomationExecution"},
                     {"State", "FAILED"},
                     {"ErrorMessage", execution.error().code + ": " + execution.error().message},
                     {"StartTime", now},
                     {"StopTime", now}});
  }
  doc["State"] = state;
  doc["StepDetails"] = std::move(steps);
  doc["LastUpdatedTime"] = now;
  if (state == "FAILED" && start.automatic) {
    double window = static_cast<double>(config->value("RetryAttemptSeconds", int64_t{60}));
    int64_t max = config->value("MaximumAutomaticAttempts", int64_t{5});
    int64_t recent = 0;
    for (const auto& t : doc.value("_Attempts", Value::array()))
      if (t.get<double>() > now - window) ++recent;
    if (recent < max) {
      double at = now + window / static_cast<double>(max);
      doc["_NextAttempt"] = at;
      arm_remediation_retry(scope, eid, at);
    } else {
      doc["_Exception"] = true;
    }
  }
  if (state == "SUCCEEDED") doc.erase("_Exception");
  spdlog::info("config: remediation {} of {} {}: {}", start.rule, start.resource_type, start.resource_id, state);
  (void)store_->put(scope, kExecution, eid, std::move(doc));
}

void Provider::arm_remediation_retry(const Scope& scope, const std::string& execution_id, double at) {
  if (auto t = retry_timers_.find(execution_id); t != retry_timers_.end()) env_.clock.cancel(t->second);
  retry_timers_[execution_id] =
      env_.clock.schedule(timefmt::from_epoch_seconds(at), [this, scope, execution_id](Clock::TimePoint) {
        std::lock_guard lock(mutex_);
        retry_timers_.erase(execution_id);
        const Value* existing = store_->get(scope, kExecution, execution_id);
        if (!existing || !existing->contains("_NextAttempt")) return;
        Value doc = *existing;
        doc.erase("_NextAttempt");
        doc["State"] = "QUEUED";
        const Value key = doc["ResourceKey"];
        std::string rule = doc["_Rule"];
        (void)store_->put(scope, kExecution, execution_id, std::move(doc));
        queue_remediation({scope, rule, key["resourceType"], key["resourceId"], true});
      });
}

}  // namespace nuage::services::config
