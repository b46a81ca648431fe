#include "services/lambda/permissions.h"

#include "policy/evaluator.h"
#include "policy/policy.h"
#include "services/lambda/errors.h"

namespace nuage::services::lambda {

namespace {

AwsError statement_exists(const std::string& sid) {
  return errors("ResourceConflictException",
                "The statement id (" + sid +
                    ") provided already exists. Please provide a new statement id, or remove the existing "
                    "statement.");
}

AwsError statement_not_found(const std::string& sid) {
  return errors("ResourceNotFoundException", "Statement " + sid + " is not found in resource policy.");
}

// Removes the statement `sid`; false if there is none.
bool remove_statement(Value& policy, const std::string& sid) {
  for (auto it = policy.begin(); it != policy.end(); ++it)
    if ((*it)["Sid"] == sid) {
      policy.erase(it);
      return true;
    }
  return false;
}

bool has_statement(const Value& policy, const std::string& sid) {
  for (const auto& st : policy)
    if (st["Sid"] == sid) return true;
  return false;
}

std::string policy_document(const Value& statements) {
  return Value{{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", statements}}.dump();
}

}  // namespace

Status Permissions::check_service_invoke(const Context& ctx, const Ref& ref, const Value& statements) {
  std::string arn = function_arn(ref);
  std::string document = Value{{"Version", "2012-10-17"}, {"Statement", statements}}.dump();
  policy::Request request;
  request.action = "lambda:InvokeFunction";
  request.resource = arn;
  request.principal.type = policy::Principal::Type::kService;
  request.principal.service = ctx.caller.arn;
  request.principal.arn = ctx.caller.arn;
  request.principal.account = ctx.caller.account_id;
  if (!ctx.caller.source_arn.empty()) request.context.set("aws:SourceArn", ctx.caller.source_arn);
  request.context.set("aws:SourceAccount", ctx.caller.account_id);
  policy::PolicySet policies;
  policies.resource_required = true;
  if (!statements.empty()) {
    auto compiled = policy::compile_policy(document, policy::PolicyKind::kResource);
    if (!compiled) return compiled.error();
    policies.resource.push_back({arn, "resource", *compiled});
  }
  // A policy naming the unqualified function also covers its qualified ARNs.
  if (!ref.qualifier.empty()) request.resource = function_arn(ref.region, ref.account, ref.name);
  policy::Evaluation unqualified = policy::evaluate(request, policies);
  request.resource = arn;
  if (unqualified.allowed() || policy::evaluate(request, policies).allowed()) return Status::Ok();
  return errors("AccessDeniedException",
                "User: " + ctx.caller.arn + " is not authorized to perform: lambda:InvokeFunction on resource: " +
                    arn + " because no resource-based policy allows the lambda:InvokeFunction action");
}

Result<Output> Permissions::add_permission(Context& ctx, const Value& in) {
  std::string sid = in.at("StatementId"), principal = in.at("Principal"), action = in.at("Action");
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  Value doc = *found->doc;
  auto entry = resolve_entry(*ref, doc, ref->qualifier);
  if (!entry) return entry.take_error();
  if (has_statement(doc["policy"], sid)) return statement_exists(sid);
  Value p;
  if (principal == "*") p = "*";
  else if (principal.find(".amazonaws.com") != std::string::npos) p = {{"Service", principal}};
  else if (is_number(principal)) p = {{"AWS", "arn:aws:iam::" + principal + ":root"}};
  else p = {{"AWS", principal}};
  Value statement = {
      {"Sid", sid}, {"Effect", "Allow"}, {"Principal", p}, {"Action", action}, {"Resource", function_arn(*ref)}};
  Value condition = Value::object();
  if (in.contains("SourceArn")) condition["ArnLike"] = {{"AWS:SourceArn", in["SourceArn"]}};
  if (in.contains("SourceAccount")) condition["StringEquals"]["AWS:SourceAccount"] = in["SourceAccount"];
  if (in.contains("PrincipalOrgID")) condition["StringEquals"]["aws:PrincipalOrgID"] = in["PrincipalOrgID"];
  if (in.contains("EventSourceToken")) condition["StringEquals"]["lambda:EventSourceToken"] = in["EventSourceToken"];
  if (!condition.empty()) statement["Condition"] = condition;
  doc["policy"].push_back(statement);
  doc["policy_revision"] = new_revision_id();
  NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  Output out;
  out.value["Statement"] = statement.dump();
  return out;
}

Result<Output> Permissions::remove_permission(Context& ctx, const Value& in) {
  std::string sid = in.at("StatementId");
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  Value doc = *found->doc;
  if (!remove_statement(doc["policy"], sid)) return statement_not_found(sid);
  doc["policy_revision"] = new_revision_id();
  NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  return Output{};
}

Result<Output> Permissions::get_policy(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  const Value& doc = *found->doc;
  if (doc["policy"].empty()) return errors("ResourceNotFoundException", "The resource you requested does not exist.");
  Output out;
  out.value["Policy"] = policy_document(doc["policy"]);
  out.value["RevisionId"] = doc.value("policy_revision", "");
  return out;
}

Status Permissions::change_layer_policy(const Context& ctx, const Value& in,
                                       const std::function<Status(Value& doc)>& change) {
  LayerRef layer = layer_ref(ctx, in.at("LayerName"));
  std::string id = layer_version_id(layer.name, in.at("VersionNumber"));
  const Value* found = shared_.store->get(layer.scope(), kLayerVersion, id);
  if (!found) return layer_not_found();
  Value doc = *found;
  NUAGE_TRY(change(doc));
  return shared_.store->put(layer.scope(), kLayerVersion, id, std::move(doc));
}

Result<Output> Permissions::add_layer_permission(Context& ctx, const Value& in) {
  std::string sid = in.at("StatementId"), principal = in.at("Principal");
  Value statement;
  NUAGE_TRY(change_layer_policy(ctx, in, [&](Value& doc) -> Status {
    if (has_statement(doc["policy"], sid)) return statement_exists(sid);
    statement = {{"Sid", sid},
                 {"Effect", "Allow"},
                 {"Principal", principal == "*" ? Value("*") : Value{{"AWS", "arn:aws:iam::" + principal + ":root"}}},
                 {"Action", in.at("Action")},
                 {"Resource", doc["LayerVersionArn"]}};
    if (in.contains("OrganizationId"))
      statement["Condition"] = {{"StringEquals", {{"aws:PrincipalOrgID", in["OrganizationId"]}}}};
    doc["policy"].push_back(statement);
    return Status::Ok();
  }));
  Output out;
  out.value = {{"Statement", statement.dump()}, {"RevisionId", new_revision_id()}};
  return out;
}

Result<Output> Permissions::remove_layer_permission(Context& ctx, const Value& in) {
  std::string sid = in.at("StatementId");
  NUAGE_TRY(change_layer_policy(ctx, in, [&](Value& doc) -> Status {
    if (!remove_statement(doc["policy"], sid)) return statement_not_found(sid);
    return Status::Ok();
  }));
  return Output{};
}

Result<Output> Permissions::get_layer_policy(Context& ctx, const Value& in) {
  LayerRef layer = layer_ref(ctx, in.at("LayerName"));
  const Value* doc =
      shared_.store->get(layer.scope(), kLayerVersion, layer_version_id(layer.name, in.at("VersionNumber")));
  if (!doc || (*doc)["policy"].empty()) return layer_not_found();
  Output out;
  out.value = {{"Policy", policy_document((*doc)["policy"])}, {"RevisionId", new_revision_id()}};
  return out;
}

void Permissions::register_operations(kit::OperationTable& table) {
  table.add_locked("AddPermission", this, shared_.mutex, &Permissions::add_permission);
  table.add_locked("RemovePermission", this, shared_.mutex, &Permissions::remove_permission);
  table.add_locked("GetPolicy", this, shared_.mutex, &Permissions::get_policy);
  table.add_locked("AddLayerVersionPermission", this, shared_.mutex, &Permissions::add_layer_permission);
  table.add_locked("RemoveLayerVersionPermission", this, shared_.mutex, &Permissions::remove_layer_permission);
  table.add_locked("GetLayerVersionPolicy", this, shared_.mutex, &Permissions::get_layer_policy);
}

}  // namespace nuage::services::lambda
