#include "services/lambda/versions.h"

#include <algorithm>

#include "services/lambda/errors.h"

namespace nuage::services::lambda {

AwsError revision_mismatch() {
  return errors("PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API "
                "to retrieve the latest Revision Id");
}

namespace {

AwsError alias_not_found(const Ref& ref, const std::string& name) {
  return errors("ResourceNotFoundException",
                "Cannot find alias arn: " + function_arn(ref.region, ref.account, ref.name) + ":" + name);
}

}  // namespace

Value& Versions::publish(Value& doc) {
  const Value& latest = doc["latest"];
  std::string n = std::to_string(doc["next_version"].get<int64_t>());
  Value v = latest;
  v["config"]["Version"] = n;
  v["config"]["FunctionArn"] = latest["config"]["FunctionArn"].get<std::string>() + ":" + n;
  doc["next_version"] = std::stoll(n) + 1;
  doc["published_revision"] = latest["config"]["RevisionId"];
  return doc["versions"][n] = std::move(v);
}

Result<Output> Versions::publish_version(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  Value doc = *found->doc;
  const Value& latest = doc["latest"];
  if (in.contains("CodeSha256") && in["CodeSha256"] != latest["config"]["CodeSha256"])
    return errors("InvalidParameterValueException",
                  "CodeSHA256 (" + in["CodeSha256"].get<std::string>() +
                      ") is different from current CodeSHA256 in $LATEST (" +
                      latest["config"]["CodeSha256"].get<std::string>() + "). Please try again.");
  if (in.contains("RevisionId") && in["RevisionId"] != latest["config"]["RevisionId"]) return revision_mismatch();
  Output out;
  // Nothing changed since the last publication: that version again.
  if (doc.value("published_revision", "") == latest["config"]["RevisionId"]) {
    std::string last = std::to_string(doc["next_version"].get<int64_t>() - 1);
    if (doc["versions"].contains(last)) {
      out.value = doc["versions"][last]["config"];
      return out;
    }
  }
  Value& v = publish(doc);
  if (in.contains("Description")) v["config"]["Description"] = in["Description"];
  v["config"]["RevisionId"] = new_revision_id();
  out.value = v["config"];
  NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  return out;
}

Result<Output> Versions::list_versions(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  const Value& doc = *found->doc;
  std::vector<std::pair<int64_t, const Value*>> sorted;
  for (const auto& [k, v] : doc["versions"].items()) sorted.emplace_back(std::stoll(k), &v["config"]);
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const Value*> all = {&doc["latest"]["config"]};
  for (auto& [n, v] : sorted) all.push_back(v);
  size_t start = in.contains("Marker") && is_number(in["Marker"]) ? std::stoul(in["Marker"].get<std::string>()) : 0;
  size_t max = static_cast<size_t>(std::clamp<int64_t>(in.value("MaxItems", int64_t{50}), 1, 10000));
  Output out;
  out.value["Versions"] = Value::array();
  for (size_t i = start; i < all.size() && i < start + max; ++i) out.value["Versions"].push_back(*all[i]);
  if (start + max < all.size()) out.value["NextMarker"] = std::to_string(start + max);
  return out;
}

Result<Output> Versions::create_alias(Context& ctx, const Value& in) {
  std::string name = in.at("Name"), version = in.at("FunctionVersion");
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  Value doc = *found->doc;
  std::string arn = function_arn(ref->region, ref->account, ref->name) + ":" + name;
  if (doc["aliases"].contains(name)) return errors("ResourceConflictException", "Alias already exists: " + arn);
  if (version != "$LATEST" && !doc["versions"].contains(version)) return function_not_found(*ref, version);
  Value alias = {{"AliasArn", arn},
                 {"Name", name},
                 {"FunctionVersion", version},
                 {"Description", in.value("Description", "")},
                 {"RevisionId", new_revision_id()}};
  if (in.contains("RoutingConfig")) alias["RoutingConfig"] = in["RoutingConfig"];
  doc["aliases"][name] = alias;
  NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  Output out;
  out.value = std::move(alias);
  return out;
}

Result<Output> Versions::get_alias(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  const Value& doc = *found->doc;
  std::string name = in.at("Name");
  if (!doc["aliases"].contains(name)) return alias_not_found(*ref, name);
  Output out;
  out.value = doc["aliases"][name];
  return out;
}

Result<Output> Versions::update_alias(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  Value doc = *found->doc;
  if (!doc["aliases"].contains(name)) return alias_not_found(*ref, name);
  Value& alias = doc["aliases"][name];
  if (in.contains("RevisionId") && in["RevisionId"] != alias["RevisionId"]) return revision_mismatch();
  if (in.contains("FunctionVersion")) {
    std::string v = in["FunctionVersion"];
    if (v != "$LATEST" && !doc["versions"].contains(v)) return function_not_found(*ref, v);
    alias["FunctionVersion"] = v;
  }
  if (in.contains("Description")) alias["Description"] = in["Description"];
  if (in.contains("RoutingConfig")) alias["RoutingConfig"] = in["RoutingConfig"];
  alias["RevisionId"] = new_revision_id();
  Output out;
  out.value = alias;
  NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  return out;
}

Result<Output> Versions::delete_alias(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  Value doc = *found->doc;
  doc["aliases"].erase(name);
  NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  return Output{};
}

Result<Output> Versions::list_aliases(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  Output out;
  out.value["Aliases"] = Value::array();
  std::string version = in.value("FunctionVersion", "");
  for (const auto& [k, a] : (*found->doc)["aliases"].items())
    if (version.empty() || a["FunctionVersion"] == version) out.value["Aliases"].push_back(a);
  return out;
}

void Versions::register_operations(kit::OperationTable& table) {
  table.add_locked("PublishVersion", this, shared_.mutex, &Versions::publish_version);
  table.add_locked("ListVersionsByFunction", this, shared_.mutex, &Versions::list_versions);
  table.add_locked("CreateAlias", this, shared_.mutex, &Versions::create_alias);
  table.add_locked("GetAlias", this, shared_.mutex, &Versions::get_alias);
  table.add_locked("UpdateAlias", this, shared_.mutex, &Versions::update_alias);
  table.add_locked("DeleteAlias", this, shared_.mutex, &Versions::delete_alias);
  table.add_locked("ListAliases", this, shared_.mutex, &Versions::list_aliases);
}

}  // namespace nuage::services::lambda
