// Evaluation results and compliance: PutEvaluations (the answer of a custom
// rule's function, authorized by its role's IAM policies and bound to the
// invocation by its result token), the results of managed rules, and the
// compliance views AWS Config answers. A change of a resource's compliance
// under a rule is published on the default EventBridge bus ("Config Rules
// Compliance Change"), recorded as an AWS::Config::ResourceCompliance item
// when the recorder records that type, and may start an automatic
// remediation.
#include "common/text.h"
#include "services/config/internal.h"

namespace nuage::services::config {

namespace {

const std::vector<std::string> kComplianceTypes = {"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"};

Value evaluation_event_result(const Evaluation& e) {
  Value out = {{"evaluationResultIdentifier",
                {{"evaluationResultQualifier",
                  {{"configRuleName", e.rule},
                   {"resourceType", e.resource_type},
                   {"resourceId", e.resource_id},
                   {"evaluationMode", "DETECTIVE"}}},
                 {"orderingTimestamp", timefmt::iso8601_millis(e.ordering_time)}}},
               {"complianceType", e.compliance},
               {"resultRecordedTime", timefmt::iso8601_millis(e.recorded_time)},
               {"configRuleInvokedTime", timefmt::iso8601_millis(e.invoked_time)}};
  if (!e.annotation.empty()) out["annotation"] = e.annotation;
  return out;
}

// Compliance of a set of results (a rule's, or a resource's): any
// NON_COMPLIANT wins, then COMPLIANT; nothing else counts.
struct Tally {
  int64_t compliant = 0, non_compliant = 0;
  void add(const std::string& c) {
    if (c == "COMPLIANT") ++compliant;
    if (c == "NON_COMPLIANT") ++non_compliant;
  }
  std::string compliance() const {
    return non_compliant ? "NON_COMPLIANT" : compliant ? "COMPLIANT" : "INSUFFICIENT_DATA";
  }
  Value value() const {
    Value v = {{"ComplianceType", compliance()}};
    if (non_compliant) v["ComplianceContributorCount"] = {{"CappedCount", non_compliant}, {"CapExceeded", false}};
    return v;
  }
};

Result<std::vector<std::string>> compliance_filter(const Value& in) {
  std::vector<std::string> out;
  const Value given = in.value("ComplianceTypes", Value::array());
  if (given.size() > 3) return too_long("complianceTypes", 3);
  for (const auto& c : given) {
    std::string s = c.get<std::string>();
    if (std::find(kComplianceTypes.begin(), kComplianceTypes.end(), s) == kComplianceTypes.end())
      return enum_error(s, "complianceTypes.member", kComplianceTypes);
    out.push_back(s);
  }
  return out;
}

bool wanted(const std::vector<std::string>& filter, const std::string& c) {
  return filter.empty() || std::find(filter.begin(), filter.end(), c) != filter.end();
}

}  // namespace

// ------------------------------------------------------------ tokens

std::string Provider::result_token(const Scope& scope, const Value& rule, double ordering_time) const {
  Value claims = {{"a", scope.account},
                  {"r", scope.region},
                  {"n", rule["ConfigRuleName"]},
                  {"i", rule["ConfigRuleId"]},
                  {"t", epoch(env_.clock.now())},
                  {"o", ordering_time}};
  std::string payload = text::base64_encode(claims.dump());
  return payload + "." + text::hex_encode(crypto::hmac_sha256(token_secret_, payload));
}

std::optional<Provider::TokenClaims> Provider::read_token(const std::string& token) const {
  auto dot = token.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  std::string payload = token.substr(0, dot);
  if (text::hex_encode(crypto::hmac_sha256(token_secret_, payload)) != token.substr(dot + 1)) return std::nullopt;
  auto raw = text::base64_decode(payload);
  Value claims = raw ? Value::parse(*raw, nullptr, false) : Value();
  if (!claims.is_object()) return std::nullopt;
  return TokenClaims{{claims.value("a", ""), claims.value("r", "")},
                     claims.value("n", ""),
                     claims.value("i", ""),
                     claims.value("t", 0.0)};
}

// ------------------------------------------------------------ results

Status Provider::record_evaluation(const Evaluation& e, Effects& fx) {
  bool stored = false;
  auto before = evaluations_.put(e, &stored);
  if (!before) return before.error();
  if (stored) compliance_changed(e, *before, fx);
  return Status::Ok();
}

Status Provider::forget_evaluation(const Scope& scope, const std::string& rule, const std::string& type,
                                   const std::string& id, Effects&) {
  auto before = evaluations_.erase(scope.account, scope.region, rule, type, id);
  if (!before) return before.error();
  return Status::Ok();
}

void Provider::compliance_changed(const Evaluation& e, const std::optional<Evaluation>& before, Effects& fx) {
  Scope scope{e.account, e.region};
  if (!before || before->compliance != e.compliance) {
    const Value* rule = store_->get(scope, kRule, e.rule);
    Value detail = {{"resourceId", e.resource_id},
                    {"awsRegion", e.region},
                    {"awsAccountId", e.account},
                    {"configRuleName", e.rule},
                    {"recordVersion", "1.0"},
                    {"configRuleARN", rule ? (*rule)["ConfigRuleArn"] : Value()},
                    {"messageType", "ComplianceChangeNotification"},
                    {"newEvaluationResult", evaluation_event_result(e)},
                    {"notificationCreationTime", iso_millis(env_.clock.now())},
                    {"resourceType", e.resource_type}};
    if (before) detail["oldEvaluationResult"] = evaluation_event_result(*before);
    fx.events.push_back(config_event(e.account, e.region, "Config Rules Compliance Change", Value::array(),
                                     std::move(detail), env_.clock.now()));
    // The resource's compliance history, as AWS records it.
    const std::string kCompliance = "AWS::Config::ResourceCompliance";
    if (records_type(scope, kCompliance)) {
      auto results = evaluations_.list(e.account, e.region, "", e.resource_type, e.resource_id, {}, "", 0);
      if (results) {
        Tally tally;
        Value rules = Value::array();
        for (const auto& r : results->results) {
          tally.add(r.compliance);
          const Value* doc = store_->get(scope, kRule, r.rule);
          rules.push_back({{"configRuleName", r.rule},
                           {"configRuleArn", doc ? (*doc)["ConfigRuleArn"] : Value()},
                           {"configRuleId", doc ? (*doc)["ConfigRuleId"] : Value()},
                           {"complianceType", r.compliance}});
        }
        Described d;
        d.type = kCompliance;
        d.id = e.resource_type + "/" + e.resource_id;
        d.aws_region = e.region;
        d.availability_zone = "Not Applicable";
        std::string overall = tally.compliance() == "INSUFFICIENT_DATA" ? "NOT_APPLICABLE" : tally.compliance();
        d.configuration = {{"complianceType", overall},
                           {"targetResourceId", e.resource_id},
                           {"targetResourceType", e.resource_type},
                           {"configRuleList", rules}};
        d.relationships = Value::array({{{"relationshipName", "Is associated with "},
                                         {"resourceType", e.resource_type},
                                         {"resourceId", e.resource_id}}});
        ItemPtr previous;
        auto item = items_.record(e.account, e.region, "config/compliance/" + d.id, std::move(d),
                                  epoch(env_.clock.now()), &previous);
        if (item && *item) after_item(**item, previous.get(), fx);
      }
    }
  }
  if (e.compliance == "NON_COMPLIANT") maybe_remediate(e, fx);
}

Result<Output> Provider::put_evaluations(Context& ctx, const Value& in, Effects& fx) {
  const Value evaluations = in.value("Evaluations", Value::array());
  if (evaluations.size() > 100)
    return errors("ValidationException", "1 validation error detected: Value at 'evaluations' failed to satisfy "
                                         "constraint: Member must have length less than or equal to 100");
  for (const auto& e : evaluations) {
    NUAGE_TRY(check_enum(e, "ComplianceType", "evaluations.member.complianceType", kComplianceTypes));
    if (e.value("ComplianceType", "") == "INSUFFICIENT_DATA")
      return errors("InvalidParameterValueException",
                    "The ComplianceType INSUFFICIENT_DATA is not valid for evaluations: AWS Config supports only "
                    "COMPLIANT, NON_COMPLIANT and NOT_APPLICABLE.");
    if (e.value("Annotation", "").size() > 256) return too_long("evaluations.member.annotation", 256);
    if (e.value("ComplianceResourceType", "").size() > 256)
      return too_long("evaluations.member.complianceResourceType", 256);
    if (e.value("ComplianceResourceId", "").size() > 768) return too_long("evaluations.member.complianceResourceId", 768);
  }
  Output out;
  out.value["FailedEvaluations"] = Value::array();
  // A test run checks what the function would send and records nothing.
  if (in.value("TestMode", false)) return out;
  auto claims = read_token(in.at("ResultToken"));
  if (!claims || claims->scope.account != ctx.account_id)
    return errors("InvalidResultTokenException", "The resultToken provided is invalid");
  const Value* rule = store_->get(claims->scope, kRule, claims->rule);
  if (!rule || (*rule)["ConfigRuleId"] != claims->rule_id) return errors("NoSuchConfigRuleException",
      "The ConfigRule '" + claims->rule + "' provided in the request is invalid. Please check the configRule name");
  double now = epoch(env_.clock.now());
  Status written = env_.db.transaction([&]() -> Status {
    for (const auto& e : evaluations) {
      auto ordering = kit::timestamp_seconds(e.at("OrderingTimestamp"));
      NUAGE_TRY(record_evaluation({claims->scope.account, claims->scope.region, claims->rule,
                                   e.at("ComplianceResourceType"), e.at("ComplianceResourceId"),
                                   e.at("ComplianceType"), e.value("Annotation", ""), ordering.value_or(now), now,
                                   claims->invoked_time},
                                  fx));
    }
    return Status::Ok();
  });
  if (!written.ok()) {
    items_.discard_cache();  // compliance items of the rolled-back results
    return written.error();
  }
  update_rule_status(claims->scope, claims->rule,
                     Value{{"LastSuccessfulEvaluationTime", now}, {"LastErrorCode", nullptr}, {"LastErrorMessage", nullptr}});
  return out;
}

Result<Output> Provider::delete_evaluation_results(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = in.at("ConfigRuleName");
  NUAGE_TRY(find_rule(scope, name));
  NUAGE_TRY(evaluations_.erase_rule(scope.account, scope.region, name));
  return Output{};
}

// ------------------------------------------------------------ compliance views

Result<Output> Provider::describe_compliance_by_config_rule(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  auto filter = compliance_filter(in);
  if (!filter) return filter.take_error();
  const Value names = in.value("ConfigRuleNames", Value::array());
  for (const auto& n : names) NUAGE_TRY(find_rule(scope, n.get<std::string>()));
  std::map<std::string, Tally> tallies;
  for (const auto& [name, doc] : store_->all(scope, kRule)) tallies[name];
  NUAGE_TRY(evaluations_.for_each(scope.account, scope.region, [&](const Evaluation& e) { tallies[e.rule].add(e.compliance); }));
  auto after = page_key(in, "NextToken");
  if (!after) return after.take_error();
  Output out;
  out.value["ComplianceByConfigRules"] = Value::array();
  Value& list = out.value["ComplianceByConfigRules"];
  for (auto it = tallies.upper_bound(*after); it != tallies.end(); ++it) {
    const auto& [name, tally] = *it;
    if (!store_->get(scope, kRule, name)) continue;
    bool named = names.empty();
    for (const auto& n : names) named |= n == name;
    if (!named || !wanted(*filter, tally.compliance())) continue;
    if (list.size() == 25) {
      out.value["NextToken"] = page_token(list.back()["ConfigRuleName"]);
      break;
    }
    list.push_back({{"ConfigRuleName", name}, {"Compliance", tally.value()}});
  }
  return out;
}

Result<Output> Provider::describe_compliance_by_resource(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  auto filter = compliance_filter(in);
  if (!filter) return filter.take_error();
  auto limit = limit_of(in, "Limit", 100, 100);
  if (!limit) return limit.take_error();
  std::string type = in.value("ResourceType", ""), id = in.value("ResourceId", "");
  if (!id.empty() && type.empty())
    return errors("InvalidParameterValueException", "The ResourceType is required when a ResourceId is provided.");
  std::map<std::pair<std::string, std::string>, Tally> tallies;
  NUAGE_TRY(evaluations_.for_each(scope.account, scope.region, [&](const Evaluation& e) {
    if ((type.empty() || e.resource_type == type) && (id.empty() || e.resource_id == id))
      tallies[{e.resource_type, e.resource_id}].add(e.compliance);
  }));
  if (!id.empty()) tallies[{type, id}];
  auto after = page_key(in, "NextToken");
  if (!after) return after.take_error();
  Output out;
  out.value["ComplianceByResources"] = Value::array();
  Value& list = out.value["ComplianceByResources"];
  for (const auto& [key, tally] : tallies) {
    if (!after->empty() && key.first + "/" + key.second <= *after) continue;
    if (!wanted(*filter, tally.compliance())) continue;
    if (static_cast<int>(list.size()) == *limit) {
      out.value["NextToken"] = page_token(list.back()["ResourceType"].get<std::string>() + "/" +
                                          list.back()["ResourceId"].get<std::string>());
      break;
    }
    list.push_back({{"ResourceType", key.first}, {"ResourceId", key.second}, {"Compliance", tally.value()}});
  }
  return out;
}

Result<Output> Provider::get_compliance_details_by_config_rule(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = in.at("ConfigRuleName");
  NUAGE_TRY(find_rule(scope, name));
  auto filter = compliance_filter(in);
  if (!filter) return filter.take_error();
  auto limit = limit_of(in, "Limit", 100, 10);
  if (!limit) return limit.take_error();
  auto page = evaluations_.list(scope.account, scope.region, name, "", "", *filter, in.value("NextToken", ""), *limit);
  if (!page) return page.take_error();
  Output out;
  out.value["EvaluationResults"] = Value::array();
  for (const auto& e : page->results) out.value["EvaluationResults"].push_back(evaluation_result(e));
  if (!page->next.empty()) out.value["NextToken"] = page->next;
  return out;
}

Result<Output> Provider::get_compliance_details_by_resource(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string type = in.value("ResourceType", ""), id = in.value("ResourceId", "");
  if (type.empty() || id.empty())
    return errors("InvalidParameterValueException", "ResourceType and ResourceId are required.");
  auto filter = compliance_filter(in);
  if (!filter) return filter.take_error();
  auto page = evaluations_.list(scope.account, scope.region, "", type, id, *filter, in.value("NextToken", ""), 100);
  if (!page) return page.take_error();
  Output out;
  out.value["EvaluationResults"] = Value::array();
  for (const auto& e : page->results) out.value["EvaluationResults"].push_back(evaluation_result(e));
  if (!page->next.empty()) out.value["NextToken"] = page->next;
  return out;
}

Result<Output> Provider::get_compliance_summary_by_config_rule(Context& ctx, const Value&, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::map<std::string, Tally> tallies;
  NUAGE_TRY(evaluations_.for_each(scope.account, scope.region, [&](const Evaluation& e) { tallies[e.rule].add(e.compliance); }));
  int64_t compliant = 0, non_compliant = 0;
  for (const auto& [name, tally] : tallies) {
    if (!store_->get(scope, kRule, name)) continue;
    if (tally.compliance() == "NON_COMPLIANT") ++non_compliant;
    else if (tally.compliance() == "COMPLIANT") ++compliant;
  }
  Output out;
  out.value["ComplianceSummary"] = {{"CompliantResourceCount", {{"CappedCount", compliant}, {"CapExceeded", false}}},
                                    {"NonCompliantResourceCount", {{"CappedCount", non_compliant}, {"CapExceeded", false}}},
                                    {"ComplianceSummaryTimestamp", epoch(env_.clock.now())}};
  return out;
}

Result<Output> Provider::get_compliance_summary_by_resource_type(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value types = in.value("ResourceTypes", Value::array());
  if (types.size() > 20) return too_long("resourceTypes", 20);
  std::map<std::pair<std::string, std::string>, Tally> by_resource;
  NUAGE_TRY(evaluations_.for_each(scope.account, scope.region, [&](const Evaluation& e) {
    by_resource[{e.resource_type, e.resource_id}].add(e.compliance);
  }));
  auto summary = [&](const std::string& type) {
    int64_t compliant = 0, non_compliant = 0;
    for (const auto& [key, tally] : by_resource) {
      if (!type.empty() && key.first != type) continue;
      if (tally.compliance() == "NON_COMPLIANT") ++non_compliant;
      else if (tally.compliance() == "COMPLIANT") ++compliant;
    }
    return Value{{"CompliantResourceCount", {{"CappedCount", compliant}, {"CapExceeded", false}}},
                 {"NonCompliantResourceCount", {{"CappedCount", non_compliant}, {"CapExceeded", false}}},
                 {"ComplianceSummaryTimestamp", epoch(env_.clock.now())}};
  };
  Output out;
  out.value["ComplianceSummariesByResourceType"] = Value::array();
  if (types.empty()) out.value["ComplianceSummariesByResourceType"].push_back({{"ComplianceSummary", summary("")}});
  for (const auto& t : types)
    out.value["ComplianceSummariesByResourceType"].push_back(
        {{"ResourceType", t}, {"ComplianceSummary", summary(t.get<std::string>())}});
  return out;
}

}  // namespace nuage::services::config
