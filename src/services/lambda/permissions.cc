#include "services/lambda/permissions.h"

#include "common/text.h"
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

std::optional<policy::ResourcePolicy> Permissions::resource_policy(const Context& ctx,
                                                                   const kit::ActionTarget& target) {
  // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
  // arn:aws:lambda:<region>:<account>:layer:<name>[:<version>]
  auto parts = text::split(target.resource, ':');
  if (parts.size() < 7 || parts[0] != "arn" || parts[2] != "lambda") return std::nullopt;
  const std::string &region = parts[3], &account = parts[4], &type = parts[5], &name = parts[6];
  std::string arn;
  const Value* doc = nullptr;
  std::unique_lock lock(shared_.mutex);
  if (type == "function") {
    arn = function_arn(region, account, name);
    doc = shared_.store->get({account, region}, kFunction, name);
  } else if (type == "layer") {
    arn = layer_arn(region, account, name);
    if (parts.size() > 7) {
      arn += ":" + parts[7];
      doc = shared_.store->get({account, region}, kLayerVersion, name + ":" + parts[7]);
    } else {
      doc = shared_.store->get({account, region}, kLayer, name);
    }
  } else {
    return std::nullopt;
  }
  // A resource of another account that does not exist is that account's
  // business all the same: no one else may create or change it.
  if (!doc) return account == ctx.account_id ? std::nullopt : std::optional(policy::ResourcePolicy{account, arn, nullptr, false});
  Value statements = doc->value("policy", Value::array());
  lock.unlock();
  policy::ResourcePolicy out{account, arn, nullptr, false};
  if (!statements.is_array() || statements.empty()) return out;
  // A statement on the unqualified function also covers its versions and
  // aliases.
  for (auto& st : statements)
    if (st.value("Resource", Value()) == arn) st["Resource"] = Value::array({arn, arn + ":*"});
  auto compiled = policies_.compile(Value{{"Version", "2012-10-17"}, {"Statement", statements}}.dump());
  if (compiled) out.policy = *compiled;
  return out;
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
  if (in.contains("FunctionUrlAuthType"))
    condition["StringEquals"]["lambda:FunctionUrlAuthType"] = in["FunctionUrlAuthType"];
  if (in.value("InvokedViaFunctionUrl", false)) condition["Bool"]["lambda:InvokedViaFunctionUrl"] = "true";
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
  table.set_resource_policies(
      [this](const Context& ctx, const kit::ActionTarget& target) { return resource_policy(ctx, target); });
  table.add_locked("AddPermission", this, shared_.mutex, &Permissions::add_permission);
  table.add_locked("RemovePermission", this, shared_.mutex, &Permissions::remove_permission);
  table.add_locked("GetPolicy", this, shared_.mutex, &Permissions::get_policy);
  table.add_locked("AddLayerVersionPermission", this, shared_.mutex, &Permissions::add_layer_permission)
      .iam_resources(layer_version_arns);
  table.add_locked("RemoveLayerVersionPermission", this, shared_.mutex, &Permissions::remove_layer_permission)
      .iam_resources(layer_version_arns);
  table.add_locked("GetLayerVersionPolicy", this, shared_.mutex, &Permissions::get_layer_policy)
      .iam_resources(layer_version_arns);
}

}  // namespace nuage::services::lambda
