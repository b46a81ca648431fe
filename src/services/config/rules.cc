// AWS Config rules: their definition (PutConfigRule's validation, as AWS
// words it), scope, triggers and evaluation.
//   - Managed rules (Owner AWS) are evaluated here, natively
//     (managed_rules.h), on every item in their scope and, for the rules AWS
//     runs periodically, every MaximumExecutionFrequency (24 hours unless
//     given) while the recorder records.
//   - Custom Lambda rules invoke their function asynchronously as
//     config.amazonaws.com with the rule's ARN as aws:SourceArn (so the
//     function's resource policy decides), with AWS's event: a
//     ConfigurationItemChangeNotification per item, its oversized form when
//     the event would exceed Lambda's 256 KB, a ScheduledNotification per
//     period, a ConfigurationSnapshotDeliveryCompleted per snapshot.
// Creating a rule and StartConfigRulesEvaluation evaluate every resource in
// scope at once.
#include <algorithm>
#include <regex>

#include "common/text.h"
#include "services/config/internal.h"
#include "services/config/managed_rules.h"

namespace nuage::services::config {

namespace {

const std::vector<std::string> kOwners = {"CUSTOM_LAMBDA", "AWS", "CUSTOM_POLICY"};
const std::vector<std::string> kMessageTypes = {"ConfigurationItemChangeNotification",
                                                "ConfigurationSnapshotDeliveryCompleted", "ScheduledNotification",
                                                "OversizedConfigurationItemChangeNotification"};
constexpr size_t kMaxRules = 1000;
// Lambda's limit for an asynchronous payload; a larger event is oversized.
constexpr size_t kMaxEvent = 256 * 1024;


AwsError no_such_rule(const std::string& name) {
  return errors("NoSuchConfigRuleException",
                "The ConfigRule '" + name + "' provided in the request is invalid. Please check the configRule name");
}

std::string new_rule_id() {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes = crypto::random_bytes(6), out = "config-rule-";
  for (unsigned char b : bytes) out += kAlphabet[b % 36];
  return out;
}

Value parameters_of(const Value& rule) {
  Value p = Value::parse(rule.value("InputParameters", "{}"), nullptr, false);
  return p.is_object() ? p : Value::object();
}

bool has_message(const Value& rule, const std::string& type) {
  for (const auto& d : rule["Source"].value("SourceDetails", Value::array()))
    if (d.value("MessageType", "") == type) return true;
  return false;
}

bool is_managed(const Value& rule) { return rule["Source"].value("Owner", "") == "AWS"; }

// What a managed rule's verdicts depend on.
Value evaluated_form(const Value& rule) {
  Value out = Value::object();
  for (const char* m : {"ConfigRuleId", "Source", "Scope", "InputParameters"})
    if (rule.contains(m)) out[m] = rule[m];
  return out;
}

// Seconds between periodic evaluations; nullopt for rules that are not periodic.
std::optional<int64_t> period_of(const Value& rule) {
  std::string rule_frequency = rule.value("MaximumExecutionFrequency", "TwentyFour_Hours");
  if (is_managed(rule)) {
    const ManagedRule* m = find_managed_rule(rule["Source"].value("SourceIdentifier", ""));
    if (!m || !m->periodic) return std::nullopt;
    return frequency_seconds(rule_frequency);
  }
  for (const auto& d : rule["Source"].value("SourceDetails", Value::array()))
    if (d.value("MessageType", "") == "ScheduledNotification")
      return frequency_seconds(d.value("MaximumExecutionFrequency", rule_frequency));
  return std::nullopt;
}

bool listed(const Value& list, const std::string& s) {
  for (const auto& v : list)
    if (v == s) return true;
  return false;
}

// The types a rule judges: a managed rule's own, narrowed by the scope's;
// a custom rule's scope ("": any recorded type).
std::vector<std::string> rule_types(const Value& rule) {
  Value scoped = rule.value("Scope", Value::object()).value("ComplianceResourceTypes", Value::array());
  std::vector<std::string> out;
  if (is_managed(rule)) {
    const ManagedRule* m = find_managed_rule(rule["Source"].value("SourceIdentifier", ""));
    if (!m) return out;
    for (const auto& t : m->resource_types)
      if (scoped.empty() || listed(scoped, t)) out.push_back(t);
    return out;
  }
  for (const auto& t : scoped) out.push_back(t.get<std::string>());
  if (out.empty()) out.push_back("");
  return out;
}

Status check_scope(const Value& scope) {
  if (scope.is_null()) return Status::Ok();
  Value types = scope.value("ComplianceResourceTypes", Value::array());
  bool tag = scope.contains("TagKey") || scope.contains("TagValue");
  if (scope.contains("TagValue") && !scope.contains("TagKey"))
    return invalid("Tag key should not be empty when tag value is provided in scope");
  if (tag && (!types.empty() || scope.contains("ComplianceResourceId")))
    return invalid("Scope cannot be applied to both resource and tag");
  if (scope.contains("ComplianceResourceId") && types.size() != 1)
    return invalid("A single resourceType should be provided when resourceId is provided in scope");
  if (types.size() > 100) return too_long("configRule.scope.complianceResourceTypes", 100);
  for (const auto& t : types)
    if (!is_known_type(t.get<std::string>()))
      return enum_error(t.get<std::string>(), "configRule.scope.complianceResourceTypes.member", recorded_types());
  return Status::Ok();
}

Status check_custom_source(const Value& source, const Value& given) {
  const Value details = source.value("SourceDetails", Value::array());
  if (details.empty())
    return invalid("SourceDetails should be null/empty if the owner is AWS. SourceDetails should be provided if the "
                   "owner is CUSTOM_LAMBDA.");
  if (details.size() > 25) return too_long("configRule.source.sourceDetails", 25);
  for (const auto& d : details) {
    NUAGE_TRY(check_enum(d, "EventSource", "configRule.source.sourceDetails.member.eventSource", {"aws.config"}));
    if (!d.contains("MessageType"))
      return invalid("Missing required parameter in ConfigRule.SourceDetails: 'MessageType'");
    NUAGE_TRY(check_enum(d, "MessageType", "configRule.source.sourceDetails.member.messageType", kMessageTypes));
    NUAGE_TRY(check_enum(d, "MaximumExecutionFrequency",
                         "configRule.source.sourceDetails.member.maximumExecutionFrequency", frequencies()));
    std::string type = d["MessageType"];
    if (d.contains("MaximumExecutionFrequency") && type != "ScheduledNotification" &&
        type != "ConfigurationSnapshotDeliveryCompleted")
      return invalid("A maximum execution frequency is not allowed if MessageType is ConfigurationItemChangeNotification "
                     "or OversizedConfigurationItemChangeNotification");
  }
  static const std::regex kFunctionArn(R"(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?)");
  std::string function = source.value("SourceIdentifier", "");
  if (!std::regex_match(function, kFunctionArn))
    return invalid("The sourceIdentifier " + function + " is invalid. The sourceIdentifier of a CUSTOM_LAMBDA rule is the ARN of its Lambda function.");
  (void)given;
  return Status::Ok();
}

}  // namespace

Result<const Value*> Provider::find_rule(const Scope& scope, const std::string& name) const {
  const Value* rule = store_->get(scope, kRule, name);
  if (!rule) return no_such_rule(name);
  return rule;
}

bool Provider::in_scope(const Value& rule, const Item& item) const {
  const Described& r = item.resource;
  std::vector<std::string> types = rule_types(rule);
  bool any_type = types.size() == 1 && types[0].empty();
  if (any_type ? r.type == "AWS::Config::ResourceCompliance"
               : std::find(types.begin(), types.end(), r.type) == types.end())
    return false;
  const Value scope = rule.value("Scope", Value::object());
  if (scope.contains("ComplianceResourceId") && scope["ComplianceResourceId"] != r.id) return false;
  if (scope.contains("TagKey")) {
    auto tag = r.tags.find(scope["TagKey"].get<std::string>());
    if (tag == r.tags.end()) return false;
    if (scope.contains("TagValue") && *tag != scope["TagValue"]) return false;
  }
  return true;
}

// ------------------------------------------------------------ definition

Result<Output> Provider::put_config_rule(Context& ctx, const Value& in, Effects& fx) {
  Scope scope{ctx.account_id, ctx.region};
  const Value& given = in.at("ConfigRule");
  // A rule is named by its name, or (updates) by its ARN or id.
  std::string name = given.value("ConfigRuleName", "");
  const Value* existing = name.empty() ? nullptr : store_->get(scope, kRule, name);
  if (name.empty()) {
    for (const auto& [n, doc] : store_->all(scope, kRule))
      if ((given.contains("ConfigRuleArn") && doc["ConfigRuleArn"] == given["ConfigRuleArn"]) ||
          (given.contains("ConfigRuleId") && doc["ConfigRuleId"] == given["ConfigRuleId"])) {
        name = n;
        existing = &doc;
      }
    if (name.empty()) return invalid("The ConfigRuleName is required to create a rule.");
  }
  if (name.size() > 128) return too_long("configRule.configRuleName", 128);
  const Value& source = given.at("Source");
  NUAGE_TRY(check_enum(source, "Owner", "configRule.source.owner", kOwners));
  std::string owner = source.value("Owner", "");
  if (owner == "CUSTOM_POLICY")
    return errors("NotImplemented", "nuage does not evaluate CUSTOM_POLICY (Guard) rules: use a managed rule or CUSTOM_LAMBDA");
  NUAGE_TRY(check_enum(given, "MaximumExecutionFrequency", "configRule.maximumExecutionFrequency", frequencies()));
  Value params = Value::object();
  if (given.contains("InputParameters")) {
    std::string text = given["InputParameters"];
    if (text.size() > 1024) return too_long("configRule.inputParameters", 1024);
    params = Value::parse(text, nullptr, false);
    if (!params.is_object()) return invalid("Invalid json " + text + " passed in the InputParameters field");
  }
  if (owner == "AWS") {
    std::string id = source.value("SourceIdentifier", "");
    const ManagedRule* managed = find_managed_rule(id);
    if (!managed)
      return invalid("The sourceIdentifier " + id + " is invalid. Please refer to the documentation for a list of "
                     "valid sourceIdentifiers that can be used when AWS is the Owner.");
    if (!source.value("SourceDetails", Value::array()).empty())
      return invalid("SourceDetails should be null/empty if the owner is AWS. SourceDetails should be provided if the "
                     "owner is CUSTOM_LAMBDA.");
    if (given.contains("MaximumExecutionFrequency") && !managed->periodic)
      return invalid("A maximum execution frequency for this rule is not allowed because only a change in resources "
                     "triggers this managed rule.");
    NUAGE_TRY(managed->check(name, params));
  } else {
    NUAGE_TRY(check_custom_source(source, given));
  }
  NUAGE_TRY(check_scope(given.value("Scope", Value())));
  if (given.contains("Description") && given["Description"].get<std::string>().size() > 256)
    return too_long("configRule.description", 256);
  if (in.value("Tags", Value::array()).size() > 50) return too_long("tags", 50);
  if (!recorder(scope))
    return errors("NoAvailableConfigurationRecorderException",
                  "There are no configuration recorders available to provide the configuration needed for the "
                  "evaluation.");
  if (!existing && store_->all(scope, kRule).size() >= kMaxRules)
    return errors("MaxNumberOfConfigRulesExceededException",
                  "Failed to put config rule '" + name + "' because the maximum number of config rules: " +
                      std::to_string(kMaxRules) + " is reached.");
  Value doc = {{"ConfigRuleName", name}, {"Source", source}, {"ConfigRuleState", "ACTIVE"},
               {"EvaluationModes", Value::array({{{"Mode", "DETECTIVE"}}})}};
  for (const char* m : {"Description", "Scope", "InputParameters", "MaximumExecutionFrequency"})
    if (given.contains(m)) doc[m] = given[m];
  if (existing) {
    doc["ConfigRuleId"] = (*existing)["ConfigRuleId"];
    doc["ConfigRuleArn"] = (*existing)["ConfigRuleArn"];
    doc["_Status"] = (*existing)["_Status"];
    if (existing->contains("Tags")) doc["Tags"] = (*existing)["Tags"];
  } else {
    std::string id = new_rule_id();
    doc["ConfigRuleId"] = id;
    doc["ConfigRuleArn"] = rule_arn(scope, id);
    doc["_Status"] = {{"FirstActivatedTime", epoch(env_.clock.now())}, {"FirstEvaluationStarted", false}};
  }
  if (in.contains("Tags")) doc["Tags"] = in["Tags"];
  if (owner == "CUSTOM_LAMBDA") {
    // Config must be able to invoke the function: its resource policy has to
    // allow config.amazonaws.com for this rule.
    auto dry = env_.call("lambda", "Invoke",
                         Value{{"FunctionName", source["SourceIdentifier"]}, {"InvocationType", "DryRun"}},
                         kit::Environment::service_principal(kConfigPrincipal, ctx.account_id, doc["ConfigRuleArn"]),
                         ctx.region);
    if (!dry)
      return errors("InsufficientPermissionsException",
                    "The AWS Lambda function " + source["SourceIdentifier"].get<std::string>() +
                        " cannot be invoked. Check the specified function ARN, and check the function's permissions.");
  }
  NUAGE_TRY(store_->put(scope, kRule, name, std::move(doc)));
  arm_rule(scope, name);
  evaluate_rule(scope, name, false, fx);
  return Output{};
}

Result<Output> Provider::describe_config_rules(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value names = in.value("ConfigRuleNames", Value::array());
  for (const auto& n : names) NUAGE_TRY(find_rule(scope, n.get<std::string>()));
  std::string mode = in.value("Filters", Value::object()).value("EvaluationMode", "DETECTIVE");
  auto after = page_key(in, "NextToken");
  if (!after) return after.take_error();
  Output out;
  out.value["ConfigRules"] = Value::array();
  if (mode != "DETECTIVE") return out;
  const size_t kPage = 25;
  auto view = store_->all(scope, kRule);
  for (auto it = after->empty() ? view.begin() : view.after(*after); it != view.end(); ++it) {
    auto [name, doc] = *it;
    if (!names.empty() && !listed(names, name)) continue;
    if (out.value["ConfigRules"].size() == kPage) {
      out.value["NextToken"] = page_token(out.value["ConfigRules"].back()["ConfigRuleName"]);
      break;
    }
    Value shown = public_doc(doc);
    shown.erase("Tags");
    out.value["ConfigRules"].push_back(std::move(shown));
  }
  return out;
}

Result<Output> Provider::describe_config_rule_evaluation_status(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value names = in.value("ConfigRuleNames", Value::array());
  for (const auto& n : names) NUAGE_TRY(find_rule(scope, n.get<std::string>()));
  auto limit = limit_of(in, "Limit", 50, 50);
  if (!limit) return limit.take_error();
  auto after = page_key(in, "NextToken");
  if (!after) return after.take_error();
  Output out;
  out.value["ConfigRulesEvaluationStatus"] = Value::array();
  auto view = store_->all(scope, kRule);
  for (auto it = after->empty() ? view.begin() : view.after(*after); it != view.end(); ++it) {
    auto [name, doc] = *it;
    if (!names.empty() && !listed(names, name)) continue;
    Value& list = out.value["ConfigRulesEvaluationStatus"];
    if (static_cast<int>(list.size()) == *limit) {
      out.value["NextToken"] = page_token(list.back()["ConfigRuleName"]);
      break;
    }
    Value status = doc.value("_Status", Value::object());
    status["ConfigRuleName"] = name;
    status["ConfigRuleArn"] = doc["ConfigRuleArn"];
    status["ConfigRuleId"] = doc["ConfigRuleId"];
    list.push_back(std::move(status));
  }
  return out;
}

Result<Output> Provider::delete_config_rule(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = in.at("ConfigRuleName");
  NUAGE_TRY(find_rule(scope, name));
  if (store_->get(scope, kRemediation, name))
    return errors("ResourceInUseException", "The rule " + name + " has a remediation configuration. Delete the "
                                            "remediation configuration before you delete the rule.");
  disarm_rule(scope, name);
  NUAGE_TRY(evaluations_.erase_rule(scope.account, scope.region, name));
  std::vector<std::string> executions;
  for (const auto& [id, doc] : store_->all(scope, kExecution))
    if (doc.value("_Rule", "") == name) executions.push_back(id);
  for (const auto& id : executions) NUAGE_TRY(store_->erase(scope, kExecution, id));
  NUAGE_TRY(store_->erase(scope, kRule, name));
  return Output{};
}

Result<Output> Provider::start_config_rules_evaluation(Context& ctx, const Value& in, Effects& fx) {
  Scope scope{ctx.account_id, ctx.region};
  const Value names = in.value("ConfigRuleNames", Value::array());
  if (names.size() > 25) return too_long("configRuleNames", 25);
  for (const auto& n : names) NUAGE_TRY(find_rule(scope, n.get<std::string>()));
  std::vector<std::string> all;
  if (names.empty())
    for (const auto& [name, doc] : store_->all(scope, kRule)) all.push_back(name);
  for (const auto& n : names) all.push_back(n.get<std::string>());
  for (const auto& name : all) evaluate_rule(scope, name, false, fx);
  return Output{};
}

// ------------------------------------------------------------ evaluation

void Provider::update_rule_status(const Scope& scope, const std::string& name, const Value& fields) {
  Value* rule = store_->find(scope, kRule, name);
  if (!rule) return;
  Value& status = (*rule)["_Status"];
  for (const auto& [k, v] : fields.items()) {
    if (v.is_null()) status.erase(k);
    else status[k] = v;
  }
  (void)store_->put(scope, kRule, name, *rule);
}

void Provider::evaluate_item(const Item& item, const Item* previous, ItemNotification& notification, Effects& fx) {
  Scope scope{item.account, item.region};
  double now = epoch(env_.clock.now());
  std::vector<std::string> names;
  for (const auto& [name, rule] : store_->all(scope, kRule)) names.push_back(name);
  for (const auto& name : names) {
    const Value* found = store_->get(scope, kRule, name);
    if (!found) continue;
    const Value rule = *found;  // evaluating may change the stored document
    bool before = previous && !previous->deleted() && in_scope(rule, *previous);
    bool now_in = !item.deleted() && in_scope(rule, item);
    if (!before && !now_in) continue;
    bool left = !now_in;
    if (!is_managed(rule)) {
      if (has_message(rule, "ConfigurationItemChangeNotification") ||
          has_message(rule, "OversizedConfigurationItemChangeNotification"))
        invoke_for_item(scope, rule, item, notification, left, fx);
      continue;
    }
    if (left) {
      (void)forget_evaluation(scope, name, item.resource.type, item.resource.id, fx);
      continue;
    }
    const ManagedRule* managed = find_managed_rule(rule["Source"].value("SourceIdentifier", ""));
    if (!managed) continue;
    Verdict v = managed->evaluate(item, parameters_of(rule));
    Evaluation e{scope.account, scope.region, name, item.resource.type, item.resource.id, v.compliance, v.annotation,
                 item.capture_time, now, now};
    Status s = record_evaluation(e, fx);
    update_rule_status(scope, name,
                       s.ok() ? Value{{"LastSuccessfulInvocationTime", now}, {"LastSuccessfulEvaluationTime", now}}
                              : Value{{"LastFailedEvaluationTime", now},
                                      {"LastErrorCode", s.error().code},
                                      {"LastErrorMessage", s.error().message}});
  }
}

void Provider::evaluate_rule(const Scope& scope, const std::string& name, bool periodic, Effects& fx) {
  const Value* found = store_->get(scope, kRule, name);
  if (!found) return;
  const Value rule = *found;
  double now = epoch(env_.clock.now());
  update_rule_status(scope, name, Value{{"FirstEvaluationStarted", true}});
  if (!is_managed(rule)) {
    if (!periodic && (has_message(rule, "ConfigurationItemChangeNotification") ||
                      has_message(rule, "OversizedConfigurationItemChangeNotification")))
      for (const auto& type : rule_types(rule))
        (void)items_.for_each_current(scope.account, scope.region, type, [&](const ItemPtr& item) {
          if (!in_scope(rule, *item)) return;
          ItemNotification notification;
          notification.item = notification_item(*item);
          invoke_for_item(scope, rule, *item, notification, false, fx);
        });
    if (has_message(rule, "ScheduledNotification")) invoke_scheduled(scope, rule, fx);
    return;
  }
  if (!find_managed_rule(rule["Source"].value("SourceIdentifier", ""))) return;
  ManagedRun job{scope, name, evaluated_form(rule), periodic, now, {}};
  for (const auto& type : rule_types(rule))
    (void)items_.for_each_current(scope.account, scope.region, type, [&](const ItemPtr& item) {
      if (in_scope(rule, *item)) job.items.push_back(item);
    });
  fx.managed_runs.push_back(std::move(job));
}

void Provider::run_managed(const ManagedRun& job) {
  // Chunks of results written under the mutex at a time.
  constexpr size_t kChunk = 500;
  const ManagedRule* managed = find_managed_rule(job.definition["Source"].value("SourceIdentifier", ""));
  Value params = parameters_of(job.definition);
  // Items never change once recorded: judged without the mutex.
  std::vector<Verdict> verdicts;
  verdicts.reserve(job.items.size());
  for (const auto& item : job.items) verdicts.push_back(managed->evaluate(*item, params));
  Status s = Status::Ok();
  for (size_t start = 0; start < job.items.size() && s.ok(); start += kChunk) {
    Effects fx;
    {
      std::lock_guard lock(mutex_);
      // A rule changed or deleted meanwhile: its own evaluation follows.
      const Value* rule = store_->get(job.scope, kRule, job.rule);
      if (!rule || evaluated_form(*rule) != job.definition) return;
      s = env_.db.transaction([&]() -> Status {
        for (size_t i = start; i < std::min(start + kChunk, job.items.size()); ++i) {
          const Item& item = *job.items[i];
          // A resource that changed since was judged on its change.
          auto latest = items_.latest(job.scope.account, job.scope.region, item.resource.type, item.resource.id);
          if (!latest) return latest.error();
          if (*latest != job.items[i]) continue;
          NUAGE_TRY(record_evaluation({job.scope.account, job.scope.region, job.rule, item.resource.type,
                                       item.resource.id, verdicts[i].compliance, verdicts[i].annotation,
                                       job.periodic ? job.now : item.capture_time, job.now, job.now},
                                      fx));
        }
        return Status::Ok();
      });
      // Items the rolled-back transaction recorded (compliance) are not kept.
      if (!s.ok()) items_.discard_cache();
    }
    if (s.ok()) run(std::move(fx));
  }
  std::lock_guard lock(mutex_);
  if (!s.ok()) {
    update_rule_status(job.scope, job.rule, Value{{"LastFailedEvaluationTime", job.now},
                                                  {"LastErrorCode", s.error().code},
                                                  {"LastErrorMessage", s.error().message}});
    return;
  }
  update_rule_status(job.scope, job.rule, Value{{"LastSuccessfulInvocationTime", job.now},
                                                {"LastSuccessfulEvaluationTime", job.now},
                                                {"LastErrorCode", nullptr},
                                                {"LastErrorMessage", nullptr}});
}

void Provider::invoke_for_item(const Scope& scope, const Value& rule, const Item& item,
                               ItemNotification& notification, bool left_scope, Effects& fx) {
  const Value& current = notification.item;
  if (notification.text.empty())
    notification.text = Value{{"configurationItemDiff", notification.diff},
                              {"configurationItem", current},
                              {"notificationCreationTime", iso_millis(env_.clock.now())},
                              {"messageType", "ConfigurationItemChangeNotification"},
                              {"recordVersion", "1.3"}}
                            .dump();
  if (notification.text.size() <= kMaxEvent) {
    if (has_message(rule, "ConfigurationItemChangeNotification"))
      fx.invocations.push_back(invocation(scope, rule, notification.text, left_scope, item.capture_time));
    return;
  }
  if (!has_message(rule, "OversizedConfigurationItemChangeNotification")) return;
  Value summary = {{"changeType", item.deleted() ? "DELETE" : notification.diff.is_null() ? "CREATE" : "UPDATE"},
                   {"configurationItemVersion", "1.3"}};
  for (const char* m : {"configurationItemCaptureTime", "configurationStateId", "awsAccountId",
                        "configurationItemStatus", "resourceType", "resourceId", "resourceName", "ARN", "awsRegion",
                        "availabilityZone", "configurationStateMd5Hash", "resourceCreationTime"})
    summary[m] = current[m];
  if (!notification.oversized_at) notification.oversized_at = deliver_oversized(item, fx);
  const std::string& location = *notification.oversized_at;
  Value oversized = {{"configurationItemSummary", summary},
                     {"s3DeliverySummary",
                      {{"s3BucketLocation", location.empty() ? Value() : Value(location)},
                       {"errorCode", location.empty() ? Value("NoAvailableDeliveryChannel") : Value()},
                       {"errorMessage", nullptr}}},
                     {"notificationCreationTime", iso_millis(env_.clock.now())},
                     {"messageType", "OversizedConfigurationItemChangeNotification"},
                     {"recordVersion", "1.0"}};
  fx.invocations.push_back(invocation(scope, rule, oversized.dump(), left_scope, item.capture_time));
}

void Provider::invoke_scheduled(const Scope& scope, const Value& rule, Effects& fx) {
  Clock::TimePoint now = env_.clock.now();
  Value invoking = {{"awsAccountId", scope.account},
                    {"notificationCreationTime", iso_millis(now)},
                    {"messageType", "ScheduledNotification"},
                    {"recordVersion", "1.0"}};
  fx.invocations.push_back(invocation(scope, rule, invoking.dump(), false, epoch(now)));
}

Provider::Invocation Provider::invocation(const Scope& scope, const Value& rule, const std::string& invoking_event,
                                          bool left_scope, double ordering_time) {
  const Value* rec = recorder(scope);
  Value event = {{"invokingEvent", invoking_event},
                 {"resultToken", result_token(scope, rule, ordering_time)},
                 {"eventLeftScope", left_scope},
                 {"executionRoleArn", rec ? (*rec)["roleARN"] : Value()},
                 {"configRuleArn", rule["ConfigRuleArn"]},
                 {"configRuleName", rule["ConfigRuleName"]},
                 {"configRuleId", rule["ConfigRuleId"]},
                 {"accountId", scope.account},
                 {"version", "1.0"}};
  if (rule.contains("InputParameters")) event["ruleParameters"] = rule["InputParameters"];
  return {scope, rule["ConfigRuleName"], rule["Source"]["SourceIdentifier"], rule["ConfigRuleArn"], event.dump()};
}

void Provider::invoked(const Invocation& invocation, const Status& status) {
  std::lock_guard lock(mutex_);
  double now = epoch(env_.clock.now());
  if (status.ok()) {
    update_rule_status(invocation.scope, invocation.rule, Value{{"LastSuccessfulInvocationTime", now}});
    return;
  }
  update_rule_status(invocation.scope, invocation.rule,
                     Value{{"LastFailedInvocationTime", now},
                           {"LastErrorCode", status.error().code},
                           {"LastErrorMessage", status.error().message}});
}

// ------------------------------------------------------------ periodic runs

void Provider::disarm_rule(const Scope& scope, const std::string& name) {
  auto it = rule_timers_.find(scope.account + "/" + scope.region + "/" + name);
  if (it == rule_timers_.end()) return;
  env_.clock.cancel(it->second);
  rule_timers_.erase(it);
}

void Provider::arm_rule(const Scope& scope, const std::string& name) {
  disarm_rule(scope, name);
  const Value* rule = store_->get(scope, kRule, name);
  if (!rule) return;
  auto period = period_of(*rule);
  if (!period) return;
  // Runs fall at whole periods from the rule's activation.
  double first = (*rule)["_Status"].value("FirstActivatedTime", epoch(env_.clock.now()));
  double now = epoch(env_.clock.now());
  double steps = std::floor((now - first) / static_cast<double>(*period)) + 1;
  double at = first + std::max(1.0, steps) * static_cast<double>(*period);
  rule_timers_[scope.account + "/" + scope.region + "/" + name] =
      env_.clock.schedule(timefmt::from_epoch_seconds(at), [this, scope, name](Clock::TimePoint) {
        Effects fx;
        {
          std::lock_guard lock(mutex_);
          if (recording(scope)) evaluate_rule(scope, name, true, fx);
          arm_rule(scope, name);
        }
        run(std::move(fx));
      });
}

}  // namespace nuage::services::config
