// VPCs, each with its default security group and main route table.
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

Status Provider::create_vpc_companions(const Scope& scope, const std::string& vpc_id, const std::string& cidr) {
  std::string sg_id = new_id("sg");
  Value sg = {{"GroupId", sg_id},
              {"GroupName", "default"},
              {"Description", "default VPC security group"},
              {"VpcId", vpc_id},
              {"OwnerId", scope.account},
              {"SecurityGroupArn", "arn:aws:ec2:" + scope.region + ":" + scope.account + ":security-group/" + sg_id},
              {"Tags", Value::array()},
              {"_Rules", Value::array()}};
  // Like AWS: members of the group reach each other; all traffic goes out.
  sg["_Rules"].push_back({{"SecurityGroupRuleId", new_id("sgr")}, {"GroupId", sg_id}, {"GroupOwnerId", scope.account},
                          {"IsEgress", false}, {"IpProtocol", "-1"}, {"FromPort", -1}, {"ToPort", -1},
                          {"ReferencedGroupInfo", {{"GroupId", sg_id}, {"UserId", scope.account}}},
                          {"Tags", Value::array()}});
  sg["_Rules"].push_back({{"SecurityGroupRuleId", new_id("sgr")}, {"GroupId", sg_id}, {"GroupOwnerId", scope.account},
                          {"IsEgress", true}, {"IpProtocol", "-1"}, {"FromPort", -1}, {"ToPort", -1},
                          {"CidrIpv4", "0.0.0.0/0"}, {"Tags", Value::array()}});
  render_permissions(sg);
  NUAGE_TRY(store_->put(scope, "security-group", sg_id, sg));
  std::string rtb_id = new_id("rtb");
  return store_->put(scope, "route-table", rtb_id,
                     {{"RouteTableId", rtb_id},
                      {"VpcId", vpc_id},
                      {"OwnerId", scope.account},
                      {"Routes", {{{"DestinationCidrBlock", cidr}, {"GatewayId", "local"},
                                   {"Origin", "CreateRouteTable"}, {"State", "active"}}}},
                      {"Associations",
                       {{{"Main", true}, {"RouteTableAssociationId", new_id("rtbassoc")}, {"RouteTableId", rtb_id},
                         {"AssociationState", {{"State", "associated"}}}}}},
                      {"PropagatingVgws", Value::array()},
                      {"Tags", Value::array()}});
}

namespace {

const FilterFields& vpc_filters() {
  static const FilterFields f = {
      {"vpc-id", {"VpcId"}},
      {"cidr", {"CidrBlock"}},
      {"cidr-block", {"CidrBlock"}},
      {"cidrBlock", {"CidrBlock"}},
      {"cidr-block-association.cidr-block", {"CidrBlockAssociationSet.CidrBlock"}},
      {"cidr-block-association.association-id", {"CidrBlockAssociationSet.AssociationId"}},
      {"cidr-block-association.state", {"CidrBlockAssociationSet.CidrBlockState.State"}},
      {"dhcp-options-id", {"DhcpOptionsId"}},
      {"is-default", {"IsDefault"}},
      {"isDefault", {"IsDefault"}},
      {"owner-id", {"OwnerId"}},
      {"state", {"State"}},
      {"instance-tenancy", {"InstanceTenancy"}},
  };
  return f;
}

}  // namespace

Result<Output> Provider::create_vpc(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  if (!in.contains("CidrBlock"))
    return errors("MissingParameter", "The request must contain the parameter cidrBlock");
  std::string text = in["CidrBlock"];
  auto cidr = parse_cidr(text);
  if (!cidr)
    return errors("InvalidParameterValue",
                  "Value (" + text + ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
  if (cidr->prefix < 16 || cidr->prefix > 28) return errors("InvalidVpc.Range", "The CIDR '" + text + "' is invalid.");
  auto tags = tags_from_specs(in, "vpc");
  if (!tags) return tags.take_error();
  std::string tenancy = in.value("InstanceTenancy", "default");
  std::string id = new_id("vpc");
  Value vpc = {{"VpcId", id},
               {"CidrBlock", cidr->text()},
               {"State", "available"},
               {"DhcpOptionsId", "default"},
               {"InstanceTenancy", tenancy},
               {"IsDefault", false},
               {"OwnerId", scope.account},
               {"CidrBlockAssociationSet",
                {{{"AssociationId", new_id("vpc-cidr-assoc")}, {"CidrBlock", cidr->text()},
                  {"CidrBlockState", {{"State", "associated"}}}}}},
               {"Ipv6CidrBlockAssociationSet", Value::array()},
               {"Tags", *tags},
               {"_EnableDnsSupport", true},
               {"_EnableDnsHostnames", false}};
  Status st = store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, "vpc", id, vpc));
    return create_vpc_companions(scope, id, cidr->text());
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value["Vpc"] = vpc;
  return out;
}

Result<Output> Provider::describe_vpcs(Context& ctx, const Value& in) {
  return describe_kind(scope_of(ctx), in, "vpc", "VpcIds", "Vpcs", vpc_filters(), 5, 1000);
}

Result<Output> Provider::delete_vpc(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("VpcId", "");
  auto vpc = find_resource(scope, "vpc", id);
  if (!vpc) return vpc.take_error();
  auto in_vpc = [&](const Value& doc) { return doc.value("VpcId", "") == id; };
  bool busy = false;
  for (const auto& [sid, s] : store_->all(scope, "subnet")) busy |= in_vpc(s);
  for (const auto& [gid, g] : store_->all(scope, "security-group")) busy |= in_vpc(g) && g["GroupName"] != "default";
  for (const auto& [rid, r] : store_->all(scope, "route-table")) {
    bool main = false;
    for (const auto& a : r["Associations"]) main |= a.value("Main", false);
    busy |= in_vpc(r) && !main;
  }
  for (const auto& [iid, igw] : store_->all(scope, "internet-gateway"))
    for (const auto& a : igw["Attachments"]) busy |= a.value("VpcId", "") == id;
  for (const auto& [eid, eni] : store_->all(scope, "network-interface")) busy |= in_vpc(eni);
  for (const auto& [iid, inst] : store_->all(scope, "instance")) busy |= in_vpc(inst) && state_name(inst) != "terminated";
  if (busy) return errors("DependencyViolation", "The vpc '" + id + "' has dependencies and cannot be deleted.");
  Status st = store_->transaction([&]() -> Status {
    std::vector<std::pair<std::string, std::string>> doomed;
    for (const char* kind : {"security-group", "route-table"})
      for (const auto& [rid, r] : store_->all(scope, kind))
        if (in_vpc(r)) doomed.emplace_back(kind, rid);
    for (const auto& [kind, rid] : doomed) NUAGE_TRY(store_->erase(scope, kind, rid));
    return store_->erase(scope, "vpc", id);
  });
  if (!st.ok()) return st.error();
  return Output{};
}

Result<Output> Provider::modify_vpc_attribute(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  Value doc = **vpc;
  int given = 0;
  for (const char* attr : {"EnableDnsSupport", "EnableDnsHostnames", "EnableNetworkAddressUsageMetrics"}) {
    if (!in.contains(attr)) continue;
    ++given;
    doc[std::string("_") + attr] = in[attr].value("Value", false);
  }
  if (given != 1)
    return errors("InvalidParameterCombination", "Fields for multiple attribute types specified: "
                  "enableDnsHostnames, enableDnsSupport, enableNetworkAddressUsageMetrics");
  if (doc.value("_EnableDnsHostnames", false) && !doc.value("_EnableDnsSupport", true))
    return errors("InvalidParameterValue", "Invalid value 'true' for enableDnsHostnames: DNS support must be "
                  "enabled for a VPC to support DNS hostnames.");
  NUAGE_TRY(store_->put(scope, "vpc", doc["VpcId"], doc));
  return Output{};
}

Result<Output> Provider::describe_vpc_attribute(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  std::string attr = in.value("Attribute", "");
  static const std::map<std::string, std::pair<std::string, bool>> kAttrs = {
      {"enableDnsSupport", {"EnableDnsSupport", true}},
      {"enableDnsHostnames", {"EnableDnsHostnames", false}},
      {"enableNetworkAddressUsageMetrics", {"EnableNetworkAddressUsageMetrics", false}}};
  auto it = kAttrs.find(attr);
  if (it == kAttrs.end())
    return errors("InvalidParameterValue", "Value (" + attr + ") for parameter attribute is invalid. Unknown attribute.");
  Output out;
  out.value["VpcId"] = (**vpc)["VpcId"];
  out.value[it->second.first] = {{"Value", (**vpc).value("_" + it->second.first, it->second.second)}};
  return out;
}

}  // namespace nuage::services::ec2
