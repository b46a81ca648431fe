// Tags on every taggable resource: CreateTags, DeleteTags, DescribeTags.
#include "common/text.h"
#include "services/ec2/provider.h"
#include "services/tag_list.h"

namespace nuage::services::ec2 {

using kit::Output;

namespace {

// The NotFound error code EC2 uses for a missing resource of each kind.
std::string not_found_code(const std::string& kind) {
  static const std::map<std::string, std::string> kCodes = {
      {"instance", "InvalidInstanceID"},       {"vpc", "InvalidVpcID"},
      {"subnet", "InvalidSubnetID"},           {"security-group", "InvalidGroup"},
      {"internet-gateway", "InvalidInternetGatewayID"}, {"route-table", "InvalidRouteTableID"},
      {"network-interface", "InvalidNetworkInterfaceID"}, {"volume", "InvalidVolume"},
      {"snapshot", "InvalidSnapshot"},         {"image", "InvalidAMIID"},
      {"key-pair", "InvalidKeyPair"}};
  auto it = kCodes.find(kind);
  return it == kCodes.end() ? "InvalidID" : it->second;
}

Value& tag_list(Value& doc) { return doc.contains("TagSet") ? doc["TagSet"] : doc["Tags"]; }

}  // namespace

Result<Output> Provider::create_tags(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  const Value& tags = in.at("Tags");
  for (const auto& t : tags) {
    std::string key = t.value("Key", "");
    if (text::starts_with(key, "aws:"))
      return errors("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
    if (key.empty() || key.size() > 128)
      return errors("InvalidParameterValue", "Tag key must be between 1 and 128 characters");
    if (t.value("Value", "").size() > 256)
      return errors("InvalidParameterValue", "Tag value exceeds the maximum length of 256 characters");
  }
  std::vector<std::pair<std::string, std::string>> targets;  // kind, id
  for (const auto& r : in.at("Resources")) {
    std::string id = r;
    std::string kind = kind_of_id(id);
    if (kind.empty()) return errors("InvalidID", "The ID '" + id + "' is not valid");
    if (!store_->get(scope, kind, id))
      return errors(not_found_code(kind) + ".NotFound", "The ID '" + id + "' does not exist");
    targets.emplace_back(kind, id);
  }
  Status st = store_->transaction([&]() -> Status {
    for (const auto& [kind, id] : targets) {
      Value doc = *store_->get(scope, kind, id);
      Value& list = tag_list(doc);
      list = merge_tags(std::move(list), tags);
      if (list.size() > 50)
        return errors("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.");
      NUAGE_TRY(store_->put(scope, kind, id, std::move(doc)));
    }
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  return Output{};
}

Result<Output> Provider::delete_tags(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  Status st = store_->transaction([&]() -> Status {
    for (const auto& r : in.at("Resources")) {
      std::string id = r;
      std::string kind = kind_of_id(id);
      const Value* found = kind.empty() ? nullptr : store_->get(scope, kind, id);
      if (!found) return errors(not_found_code(kind) + ".NotFound", "The ID '" + id + "' does not exist");
      Value doc = *found;
      Value& list = tag_list(doc);
      Value kept = Value::array();
      for (const auto& existing : list) {
        bool remove = !in.contains("Tags");  // no Tags: delete them all
        for (const auto& t : in.value("Tags", Value::array()))
          if (existing["Key"] == t["Key"] && (!t.contains("Value") || existing["Value"] == t["Value"])) remove = true;
        if (!remove) kept.push_back(existing);
      }
      list = kept;
      NUAGE_TRY(store_->put(scope, kind, id, std::move(doc)));
    }
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  return Output{};
}

Result<Output> Provider::describe_tags(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  static const FilterFields fields = {
      {"key", {"Key"}}, {"value", {"Value"}}, {"resource-id", {"ResourceId"}}, {"resource-type", {"ResourceType"}}};
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, fields));
  static const char* kKinds[] = {"instance", "vpc", "subnet", "security-group", "internet-gateway", "route-table",
                                 "network-interface", "volume", "snapshot", "image", "key-pair"};
  std::vector<Value> rows;
  for (const char* kind : kKinds)
    for (const auto& [id, doc] : store_->all(scope, kind))
      if (const Value* tags = tags_of(doc))
        for (const auto& t : *tags) {
          Value row = {{"Key", t["Key"]}, {"Value", t["Value"]}, {"ResourceId", id}, {"ResourceType", kind}};
          if (matches(row, filters, fields)) rows.push_back(std::move(row));
        }
  auto page = paginate(rows.size(), in, 5, 1000);
  if (!page) return page.take_error();
  Output out;
  out.value["Tags"] = Value::array();
  for (size_t i = page->begin; i < page->end; ++i) out.value["Tags"].push_back(rows[i]);
  if (!page->next_token.empty()) out.value["NextToken"] = page->next_token;
  return out;
}

}  // namespace nuage::services::ec2
