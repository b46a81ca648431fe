// Internet gateways and their attachment to a VPC.
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

Result<Output> Provider::create_internet_gateway(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto tags = tags_from_specs(in, "internet-gateway");
  if (!tags) return tags.take_error();
  std::string id = new_id("igw");
  Value igw = {{"InternetGatewayId", id}, {"OwnerId", scope.account}, {"Attachments", Value::array()}, {"Tags", *tags}};
  NUAGE_TRY(store_->put(scope, "internet-gateway", id, igw));
  Output out;
  out.value["InternetGateway"] = igw;
  return out;
}

Result<Output> Provider::describe_internet_gateways(Context& ctx, const Value& in) {
  static const FilterFields fields = {{"internet-gateway-id", {"InternetGatewayId"}},
                                      {"attachment.vpc-id", {"Attachments.VpcId"}},
                                      {"attachment.state", {"Attachments.State"}},
                                      {"owner-id", {"OwnerId"}}};
  return describe_kind(scope_of(ctx), in, "internet-gateway", "InternetGatewayIds", "InternetGateways", fields, 5,
                       1000);
}

Result<Output> Provider::delete_internet_gateway(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("InternetGatewayId", "");
  auto igw = find_resource(scope, "internet-gateway", id);
  if (!igw) return igw.take_error();
  if (!(**igw)["Attachments"].empty()) return dependency("internetGateway", id);
  NUAGE_TRY(store_->erase(scope, "internet-gateway", id));
  return Output{};
}

Result<Output> Provider::attach_internet_gateway(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("InternetGatewayId", "");
  auto igw = find_resource(scope, "internet-gateway", id);
  if (!igw) return igw.take_error();
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  std::string vpc_id = (**vpc)["VpcId"];
  if (!(**igw)["Attachments"].empty())
    return errors("Resource.AlreadyAssociated", "resource " + id + " is already attached to network " +
                                                    (**igw)["Attachments"][0].value("VpcId", ""));
  for (const auto& [gid, other] : store_->all(scope, "internet-gateway"))
    for (const auto& a : other["Attachments"])
      if (a.value("VpcId", "") == vpc_id)
        return errors("Resource.AlreadyAssociated", "Network " + vpc_id + " already has an internet gateway attached");
  Value doc = **igw;
  doc["Attachments"] = {{{"State", "available"}, {"VpcId", vpc_id}}};
  NUAGE_TRY(store_->put(scope, "internet-gateway", id, doc));
  return Output{};
}

Result<Output> Provider::detach_internet_gateway(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("InternetGatewayId", "");
  auto igw = find_resource(scope, "internet-gateway", id);
  if (!igw) return igw.take_error();
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  std::string vpc_id = (**vpc)["VpcId"];
  bool attached = false;
  for (const auto& a : (**igw)["Attachments"]) attached |= a.value("VpcId", "") == vpc_id;
  if (!attached) return errors("Gateway.NotAttached", "resource " + id + " is not attached to network " + vpc_id);
  for (const auto& [iid, inst] : store_->all(scope, "instance"))
    if (inst.value("VpcId", "") == vpc_id && inst.contains("PublicIpAddress") && state_name(inst) != "terminated")
      return errors("DependencyViolation", "Network " + vpc_id + " has some mapped public address(es). Please unmap "
                    "those public address(es) before detaching the gateway.");
  Value doc = **igw;
  doc["Attachments"] = Value::array();
  NUAGE_TRY(store_->put(scope, "internet-gateway", id, doc));
  return Output{};
}

}  // namespace nuage::services::ec2
