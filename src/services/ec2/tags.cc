// Tags on every taggable resource, and the region/zone catalog.
#include "common/text.h"
#include "services/ec2/catalog.h"
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
      return AwsError{"InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use", 400};
    if (key.empty() || key.size() > 128)
      return AwsError{"InvalidParameterValue", "Tag key must be between 1 and 128 characters", 400};
    if (t.value("Value", "").size() > 256)
      return AwsError{"InvalidParameterValue", "Tag value exceeds the maximum length of 256 characters", 400};
  }
  std::vector<std::pair<std::string, std::string>> targets;  // kind, id
  for (const auto& r : in.at("Resources")) {
    std::string id = r;
    std::string kind = kind_of_id(id);
    if (kind.empty()) return AwsError{"InvalidID", "The ID '" + id + "' is not valid", 400};
    if (!store_.find(scope, kind, id))
      return AwsError{not_found_code(kind) + ".NotFound", "The ID '" + id + "' does not exist", 400};
    targets.emplace_back(kind, id);
  }
  Status st = store_.transaction([&]() -> Status {
    for (const auto& [kind, id] : targets) {
      Value doc = *store_.find(scope, kind, id);
      Value& list = tag_list(doc);
      list = merge_tags(std::move(list), tags);
      if (list.size() > 50)
        return AwsError{"TagLimitExceeded", "The maximum number of Tags for a resource has been reached.", 400};
      NUAGE_TRY(store_.put(scope, kind, id, std::move(doc)));
    }
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  return Output{};
}

Result<Output> Provider::delete_tags(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  Status st = store_.transaction([&]() -> Status {
    for (const auto& r : in.at("Resources")) {
      std::string id = r;
      std::string kind = kind_of_id(id);
      Value* found = kind.empty() ? nullptr : store_.find(scope, kind, id);
      if (!found) return AwsError{not_found_code(kind) + ".NotFound", "The ID '" + id + "' does not exist", 400};
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
      NUAGE_TRY(store_.put(scope, kind, id, std::move(doc)));
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
    for (const auto& [id, doc] : store_.all(scope, kind))
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

Result<Output> Provider::describe_regions(Context&, const Value& in) {
  static const char* kRegions[] = {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
                                   "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
                                   "eu-south-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
                                   "ap-southeast-1", "ap-southeast-2", "sa-east-1", "af-south-1", "me-south-1"};
  static const FilterFields fields = {
      {"region-name", {"RegionName"}}, {"endpoint", {"Endpoint"}}, {"opt-in-status", {"OptInStatus"}}};
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, fields));
  std::set<std::string> wanted;
  for (const auto& n : in.value("RegionNames", Value::array())) wanted.insert(n);
  Output out;
  out.value["Regions"] = Value::array();
  for (const char* r : kRegions) {
    std::string name = r;
    bool opt_in = name == "eu-south-1" || name == "af-south-1" || name == "me-south-1" || name == "ap-northeast-3";
    Value region = {{"RegionName", name},
                    {"Endpoint", "ec2." + name + ".amazonaws.com"},
                    {"OptInStatus", opt_in ? "opted-in" : "opt-in-not-required"}};
    if (!wanted.empty() && !wanted.count(name)) continue;
    if (matches(region, filters, fields)) out.value["Regions"].push_back(region);
  }
  for (const auto& w : wanted) {
    bool known = false;
    for (const char* r : kRegions) known |= w == r;
    if (!known) return AwsError{"InvalidParameterValue", "Invalid region: " + w, 400};
  }
  return out;
}

Result<Output> Provider::describe_availability_zones(Context& ctx, const Value& in) {
  static const FilterFields fields = {
      {"zone-name", {"ZoneName"}}, {"zone-id", {"ZoneId"}}, {"state", {"State"}}, {"region-name", {"RegionName"}},
      {"zone-type", {"ZoneType"}}, {"group-name", {"GroupName"}}, {"opt-in-status", {"OptInStatus"}}};
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, fields));
  std::set<std::string> wanted;
  for (const auto& n : in.value("ZoneNames", Value::array())) wanted.insert(n);
  Output out;
  out.value["AvailabilityZones"] = Value::array();
  for (const Zone& az : availability_zones(ctx.region)) {
    const std::string& name = az.name;
    Value zone = {{"ZoneName", name},
                  {"ZoneId", az.id},
                  {"State", "available"},
                  {"RegionName", ctx.region},
                  {"ZoneType", "availability-zone"},
                  {"GroupName", ctx.region},
                  {"NetworkBorderGroup", ctx.region},
                  {"OptInStatus", "opt-in-not-required"},
                  {"Messages", Value::array()}};
    if (!wanted.empty() && !wanted.count(name)) continue;
    if (matches(zone, filters, fields)) out.value["AvailabilityZones"].push_back(zone);
  }
  return out;
}

}  // namespace nuage::services::ec2
