// What every resource family shares: a resource by id with the
// Malformed / NotFound error EC2 gives for its kind, DescribeX over one kind
// (ids, filters, pages), TagSpecifications, and EC2's wording of missing
// parameters and dependencies.
#include <algorithm>

#include "common/text.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

Result<Value> tags_from_specs(const Value& in, const std::string& resource_type) {
  Value tags = Value::array();
  for (const auto& spec : in.value("TagSpecifications", Value::array())) {
    std::string rt = spec.value("ResourceType", "");
    if (rt != resource_type)
      return errors("InvalidParameterValue",
                    "'" + rt + "' is not a valid taggable resource type for this operation.");
    for (const auto& t : spec.value("Tags", Value::array())) {
      std::string key = t.value("Key", "");
      if (text::starts_with(key, "aws:"))
        return errors("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
      tags.push_back({{"Key", key}, {"Value", t.value("Value", "")}});
    }
  }
  return tags;
}

namespace {

struct KindInfo {
  const char* kind;
  const char* prefix;
  const char* malformed;  // error code for a malformed id
  const char* not_found;  // error code for a missing one
  const char* noun;       // in "The <noun> ID 'x' does not exist"
};

const KindInfo kKinds[] = {
    {"vpc", "vpc", "InvalidVpcID.Malformed", "InvalidVpcID.NotFound", "vpc ID"},
    {"subnet", "subnet", "InvalidSubnetID.Malformed", "InvalidSubnetID.NotFound", "subnet ID"},
    {"security-group", "sg", "InvalidGroupId.Malformed", "InvalidGroup.NotFound", "security group"},
    {"internet-gateway", "igw", "InvalidInternetGatewayID.Malformed", "InvalidInternetGatewayID.NotFound",
     "internetGateway ID"},
    {"route-table", "rtb", "InvalidRouteTableID.Malformed", "InvalidRouteTableID.NotFound", "routeTable ID"},
    {"network-interface", "eni", "InvalidNetworkInterfaceID.Malformed", "InvalidNetworkInterfaceID.NotFound",
     "networkInterface ID"},
    {"volume", "vol", "InvalidVolumeID.Malformed", "InvalidVolume.NotFound", "volume"},
    {"snapshot", "snap", "InvalidSnapshotID.Malformed", "InvalidSnapshot.NotFound", "snapshot"},
    {"image", "ami", "InvalidAMIID.Malformed", "InvalidAMIID.NotFound", "image id"},
    {"key-pair", "key", "InvalidKeyPairId.Malformed", "InvalidKeyPair.NotFound", "key pair"},
    {"instance", "i", "InvalidInstanceID.Malformed", "InvalidInstanceID.NotFound", "instance ID"},
};

const KindInfo* kind_info(const std::string& kind) {
  for (const auto& k : kKinds)
    if (kind == k.kind) return &k;
  return nullptr;
}

}  // namespace

AwsError dependency(const std::string& noun, const std::string& id) {
  return errors("DependencyViolation", "The " + noun + " '" + id + "' has dependencies and cannot be deleted.");
}

Result<const Value*> Provider::find_resource(const Scope& scope, const std::string& kind, const std::string& id) {
  const KindInfo* info = kind_info(kind);
  if (!info) return errors("InternalError", "unknown resource kind " + kind);
  if (const Value* doc = store_->get(scope, kind, id)) return doc;
  if (!valid_id(id, info->prefix))
    return errors(info->malformed, "Invalid id: \"" + id + "\" (expecting \"" + info->prefix + "-...\")");
  std::string noun = info->noun;
  if (kind == "volume" || kind == "snapshot" || kind == "key-pair")
    return errors(info->not_found, "The " + noun + " '" + id + "' does not exist.");
  if (kind == "image") return errors(info->not_found, "The image id '[" + id + "]' does not exist");
  return errors(info->not_found, "The " + noun + " '" + id + "' does not exist");
}

Result<Output> Provider::describe_kind(const Scope& scope, const Value& in, const std::string& kind,
                                       const char* ids_member, const char* list_member, const FilterFields& fields,
                                       int min_results, int max_results) {
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, fields));
  std::vector<std::string> matched;  // ids
  if (ids_member && in.contains(ids_member) && !in[ids_member].empty()) {
    for (const auto& item : in[ids_member]) {
      const std::string& id = item.get_ref<const std::string&>();
      auto doc = find_resource(scope, kind, id);
      if (!doc) return doc.take_error();
      if (matches(**doc, filters, fields) && std::find(matched.begin(), matched.end(), id) == matched.end())
        matched.push_back(id);
    }
  } else {
    for (const auto& [id, doc] : store_->all(scope, kind))
      if (matches(doc, filters, fields)) matched.push_back(id);
  }
  Output out;
  out.value[list_member] = Value::array();
  size_t begin = 0, end = matched.size();
  if (max_results > 0) {
    auto page = paginate(matched.size(), in, min_results, max_results);
    if (!page) return page.take_error();
    begin = page->begin;
    end = page->end;
    if (!page->next_token.empty()) out.value["NextToken"] = page->next_token;
  }
  for (size_t i = begin; i < end; ++i) out.value[list_member].push_back(out.share(store_->share(scope, kind, matched[i])));
  return out;
}

bool Provider::live_instance(const Scope& scope, const std::string& id) {
  const Value* inst = store_->get(scope, "instance", id);
  return inst && state_name(*inst) != "terminated";
}

}  // namespace nuage::services::ec2
