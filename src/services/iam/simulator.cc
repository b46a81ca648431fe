// The IAM policy simulator: SimulatePrincipalPolicy (an entity's own
// policies, plus any given) and SimulateCustomPolicy (only the given ones),
// evaluated by the same engine as requests.
#include "services/iam/internal.h"
#include "services/iam/util.h"

namespace nuage::services::iam {

using nuage::policy::PolicyKind;

Result<Output> Provider::simulate_principal_policy(Context& ctx, const Value& in) { return simulate(ctx, in, true); }

Result<Output> Provider::simulate_custom_policy(Context& ctx, const Value& in) { return simulate(ctx, in, false); }

Result<Output> Provider::simulate(Context& ctx, const Value& in, bool principal) {
  nuage::policy::PolicySet set;
  nuage::policy::Principal who;
  nuage::policy::Context keys;
  who.account = ctx.account_id;
  auto add_inputs = [&](const char* member, std::vector<nuage::policy::PolicyRef>& into, const char* type) -> Status {
    if (!in.contains(member)) return Status::Ok();
    size_t i = 0;
    for (const auto& text : in[member]) {
      auto doc = compile_doc(text, PolicyKind::kIdentity);
      if (!doc) return doc.error();
      into.push_back({"PolicyInputList." + std::to_string(++i), type, doc->compiled});
    }
    return Status::Ok();
  };
  if (principal) {
    std::string source = in.at("PolicySourceArn");
    auth::Credential caller;
    caller.account_id = ctx.account_id;
    caller.arn = source;
    std::string tail = source.substr(source.find(":", 13) + 1);
    if (text::starts_with(tail, "user/")) {
      caller.type = auth::PrincipalType::kUser;
      auto v = caller_view(caller);
      if (!v)
        return errors("NoSuchEntityException",
                      "The user with name " + source.substr(source.rfind('/') + 1) + " cannot be found.");
      set = v->policies;
      who = v->principal;
      keys = v->context;
    } else {
      std::shared_lock lock(mu_);
      const Account& a = account_view(ctx);
      std::string name = source.substr(source.rfind('/') + 1);
      const Entity* e = nullptr;
      if (text::starts_with(tail, "role/")) {
        auto it = a.roles.find(name);
        if (it != a.roles.end()) e = &it->second;
        who.type = nuage::policy::Principal::Type::kAssumedRole;
        who.role_arn = source;
      } else if (text::starts_with(tail, "group/")) {
        auto it = a.groups.find(name);
        if (it != a.groups.end()) e = &it->second;
        who.type = nuage::policy::Principal::Type::kUser;
      }
      if (!e) return errors("NoSuchEntityException", "The entity " + source + " cannot be found.");
      collect_entity_policies(ctx.account_id, *e, set);
      who.arn = source;
    }
    NUAGE_TRY(add_inputs("PolicyInputList", set.identity, "IAM Policy"));
  } else {
    who.type = nuage::policy::Principal::Type::kUser;
    who.arn = str(in, "CallerArn", "arn:aws:iam::" + ctx.account_id + ":user/SimulatedUser");
    NUAGE_TRY(add_inputs("PolicyInputList", set.identity, "IAM Policy"));
  }
  if (in.contains("PermissionsBoundaryPolicyInputList")) {
    set.boundary.clear();
    NUAGE_TRY(add_inputs("PermissionsBoundaryPolicyInputList", set.boundary, "PermissionsBoundaryPolicy"));
  }
  if (in.contains("ResourcePolicy")) {
    auto doc = compile_doc(in["ResourcePolicy"], PolicyKind::kResource);
    if (!doc) return doc.take_error();
    set.resource.push_back({"ResourcePolicy", "Resource Policy", doc->compiled});
  }
  if (in.contains("CallerArn")) who.arn = in["CallerArn"];
  if (in.contains("ContextEntries"))
    for (const auto& e : in["ContextEntries"]) {
      std::vector<std::string> values = e.value("ContextKeyValues", std::vector<std::string>{});
      std::string type = e.value("ContextKeyType", "string");
      if (type.size() > 4 && type.substr(type.size() - 4) == "List") keys.set_multi(e["ContextKeyName"].get<std::string>(), values);
      else if (!values.empty()) keys.set(e["ContextKeyName"].get<std::string>(), values[0]);
    }
  if (!keys.find("aws:currenttime")) keys.set("aws:CurrentTime", timefmt::iso8601(ctx.clock->now()));

  std::vector<std::string> resources = {"*"};
  if (in.contains("ResourceArns")) resources = in["ResourceArns"].get<std::vector<std::string>>();
  json results = json::array();
  auto statement = [](const nuage::policy::MatchedStatement& m) {
    return json{{"SourcePolicyId", m.policy_id},
                {"SourcePolicyType", m.policy_type},
                {"StartPosition", {{"Line", 1}, {"Column", static_cast<int>(m.index) + 1}}},
                {"EndPosition", {{"Line", 1}, {"Column", static_cast<int>(m.index) + 1}}}};
  };
  auto decision_name = [](const nuage::policy::Evaluation& ev) {
    return ev.decision == nuage::policy::Decision::kAllowed        ? "allowed"
           : ev.decision == nuage::policy::Decision::kExplicitDeny ? "explicitDeny"
                                                                 : "implicitDeny";
  };
  for (const auto& action : in.at("ActionNames")) {
    json per_resource = json::array();
    nuage::policy::Evaluation overall;
    bool first = true;
    for (const auto& resource : resources) {
      nuage::policy::Request req{action, resource, who, keys};
      auto ev = nuage::policy::evaluate(req, set);
      json matched = json::array();
      for (const auto& m : ev.matched)
        if (m.effect == (ev.allowed() ? nuage::policy::Effect::kAllow : nuage::policy::Effect::kDeny)) matched.push_back(statement(m));
      per_resource.push_back({{"EvalResourceName", resource},
                              {"EvalResourceDecision", decision_name(ev)},
                              {"MatchedStatements", matched},
                              {"MissingContextValues", json::array()}});
      // The overall decision: any deny wins, else the first result.
      if (first || (overall.allowed() && !ev.allowed()) ||
          (ev.decision == nuage::policy::Decision::kExplicitDeny)) overall = ev;
      first = false;
    }
    json matched = json::array();
    for (const auto& m : overall.matched)
      if (m.effect == (overall.allowed() ? nuage::policy::Effect::kAllow : nuage::policy::Effect::kDeny)) matched.push_back(statement(m));
    json result = {{"EvalActionName", action},
                   {"EvalResourceName", resources.size() == 1 ? resources[0] : std::string("*")},
                   {"EvalDecision", decision_name(overall)},
                   {"MatchedStatements", matched},
                   {"MissingContextValues", json::array()}};
    if (!set.boundary.empty())
      result["PermissionsBoundaryDecisionDetail"] = {
          {"AllowedByPermissionsBoundary",
           !(overall.decided_by == nuage::policy::PolicyType::kBoundary && !overall.allowed())}};
    if (in.contains("ResourceArns")) result["ResourceSpecificResults"] = per_resource;
    results.push_back(result);
  }
  Output out;
  page(out, "EvaluationResults", results, in);
  return out;
}

}  // namespace nuage::services::iam
