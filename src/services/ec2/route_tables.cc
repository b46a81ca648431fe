// Route tables, their routes (targets validated against the table's VPC)
// and their associations with subnets and gateways.
#include "common/text.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

Result<Output> Provider::create_route_table(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  auto tags = tags_from_specs(in, "route-table");
  if (!tags) return tags.take_error();
  std::string id = new_id("rtb");
  Value routes = Value::array();
  for (const auto& assoc : (**vpc)["CidrBlockAssociationSet"])
    routes.push_back({{"DestinationCidrBlock", assoc["CidrBlock"]}, {"GatewayId", "local"},
                      {"Origin", "CreateRouteTable"}, {"State", "active"}});
  Value rtb = {{"RouteTableId", id},         {"VpcId", (**vpc)["VpcId"]},          {"OwnerId", scope.account},
               {"Routes", routes},           {"Associations", Value::array()},      {"PropagatingVgws", Value::array()},
               {"Tags", *tags}};
  NUAGE_TRY(store_->put(scope, "route-table", id, rtb));
  Output out;
  out.value["RouteTable"] = rtb;
  if (in.contains("ClientToken")) out.value["ClientToken"] = in["ClientToken"];
  return out;
}

Result<Output> Provider::describe_route_tables(Context& ctx, const Value& in) {
  static const FilterFields fields = {
      {"route-table-id", {"RouteTableId"}},
      {"vpc-id", {"VpcId"}},
      {"owner-id", {"OwnerId"}},
      {"association.main", {"Associations.Main"}},
      {"association.subnet-id", {"Associations.SubnetId"}},
      {"association.gateway-id", {"Associations.GatewayId"}},
      {"association.route-table-id", {"Associations.RouteTableId"}},
      {"association.route-table-association-id", {"Associations.RouteTableAssociationId"}},
      {"route.destination-cidr-block", {"Routes.DestinationCidrBlock"}},
      {"route.gateway-id", {"Routes.GatewayId"}},
      {"route.instance-id", {"Routes.InstanceId"}},
      {"route.nat-gateway-id", {"Routes.NatGatewayId"}},
      {"route.origin", {"Routes.Origin"}},
      {"route.state", {"Routes.State"}},
  };
  return describe_kind(scope_of(ctx), in, "route-table", "RouteTableIds", "RouteTables", fields, 5, 100);
}

Result<Output> Provider::delete_route_table(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("RouteTableId", "");
  auto rtb = find_resource(scope, "route-table", id);
  if (!rtb) return rtb.take_error();
  if (!(**rtb)["Associations"].empty()) return dependency("routeTable", id);
  NUAGE_TRY(store_->erase(scope, "route-table", id));
  return Output{};
}

namespace {

// The target of a CreateRoute/ReplaceRoute, validated against the table's VPC.
Result<Value> route_target(Provider::Context&, const storage::ResourceStore& store, const Scope& scope,
                           const Value& rtb, const Value& in) {
  Value route = Value::object();
  int targets = 0;
  if (in.contains("GatewayId")) {
    ++targets;
    std::string gw = in["GatewayId"];
    if (text::starts_with(gw, "igw-")) {
      const Value* igw = store.get(scope, "internet-gateway", gw);
      if (!igw)
        return errors("InvalidInternetGatewayID.NotFound", "The internetGateway ID '" + gw + "' does not exist");
      bool attached = false;
      for (const auto& a : (*igw)["Attachments"]) attached |= a["VpcId"] == rtb["VpcId"];
      if (!attached)
        return errors("InvalidParameterValue", "route table " + rtb["RouteTableId"].get<std::string>() +
                                                   " and network gateway " + gw + " belong to different networks");
    }
    route["GatewayId"] = gw;
  }
  if (in.contains("NatGatewayId")) {
    ++targets;
    route["NatGatewayId"] = in["NatGatewayId"];
  }
  if (in.contains("InstanceId")) {
    ++targets;
    std::string iid = in["InstanceId"];
    const Value* inst = store.get(scope, "instance", iid);
    if (!inst) return errors("InvalidInstanceID.NotFound", "The instance ID '" + iid + "' does not exist");
    route["InstanceId"] = iid;
    route["InstanceOwnerId"] = scope.account;
    if (!(*inst)["NetworkInterfaces"].empty())
      route["NetworkInterfaceId"] = (*inst)["NetworkInterfaces"][0]["NetworkInterfaceId"];
  }
  if (in.contains("NetworkInterfaceId")) {
    ++targets;
    std::string eid = in["NetworkInterfaceId"];
    if (!store.get(scope, "network-interface", eid))
      return errors("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '" + eid + "' does not exist");
    route["NetworkInterfaceId"] = eid;
  }
  for (const char* other : {"VpcPeeringConnectionId", "TransitGatewayId", "EgressOnlyInternetGatewayId",
                            "LocalGatewayId", "CarrierGatewayId", "VpcEndpointId", "CoreNetworkArn"})
    if (in.contains(other)) {
      ++targets;
      route[other] = in[other];
    }
  if (targets == 0)
    return errors("InvalidParameterCombination", "No route target specified (gatewayId, natGatewayId, instanceId, "
                  "networkInterfaceId, ...)");
  if (targets > 1)
    return errors("InvalidParameterCombination", "More than one route target specified");
  route["Origin"] = "CreateRoute";
  route["State"] = "active";
  return route;
}

}  // namespace

Result<Output> Provider::create_route(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto rtb = find_resource(scope, "route-table", in.value("RouteTableId", ""));
  if (!rtb) return rtb.take_error();
  if (!in.contains("DestinationCidrBlock"))
    return errors("MissingParameter", "The request must contain the parameter destinationCidrBlock");
  std::string dest = in["DestinationCidrBlock"];
  auto cidr = parse_cidr(dest);
  if (!cidr)
    return errors("InvalidParameterValue", "Value (" + dest + ") for parameter destinationCidrBlock is invalid. "
                  "This is not a valid CIDR block.");
  for (const auto& r : (**rtb)["Routes"])
    if (r.value("DestinationCidrBlock", "") == cidr->text())
      return errors("RouteAlreadyExists", "The route identified by " + dest + " already exists.");
  auto route = route_target(ctx, *store_, scope, **rtb, in);
  if (!route) return route.take_error();
  (*route)["DestinationCidrBlock"] = cidr->text();
  Value doc = **rtb;
  doc["Routes"].push_back(*route);
  NUAGE_TRY(store_->put(scope, "route-table", doc["RouteTableId"], doc));
  Output out;
  out.value["Return"] = true;
  return out;
}

Result<Output> Provider::replace_route(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto rtb = find_resource(scope, "route-table", in.value("RouteTableId", ""));
  if (!rtb) return rtb.take_error();
  std::string dest = in.value("DestinationCidrBlock", "");
  auto cidr = parse_cidr(dest);
  Value doc = **rtb;
  for (auto& r : doc["Routes"]) {
    if (!cidr || r.value("DestinationCidrBlock", "") != cidr->text()) continue;
    if (r.value("GatewayId", "") == "local")
      return errors("InvalidParameterValue", "cannot replace local route " + dest + " in route table " +
                                                 doc["RouteTableId"].get<std::string>());
    auto route = route_target(ctx, *store_, scope, doc, in);
    if (!route) return route.take_error();
    (*route)["DestinationCidrBlock"] = cidr->text();
    (*route)["Origin"] = "ReplaceRoute";
    r = *route;
    NUAGE_TRY(store_->put(scope, "route-table", doc["RouteTableId"], doc));
    return Output{};
  }
  return errors("InvalidRoute.NotFound", "no route with destination-cidr-block " + dest + " in route table " +
                                             doc["RouteTableId"].get<std::string>());
}

Result<Output> Provider::delete_route(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto rtb = find_resource(scope, "route-table", in.value("RouteTableId", ""));
  if (!rtb) return rtb.take_error();
  std::string dest = in.value("DestinationCidrBlock", "");
  auto cidr = parse_cidr(dest);
  Value doc = **rtb;
  Value kept = Value::array();
  bool found = false;
  for (const auto& r : doc["Routes"]) {
    if (cidr && r.value("DestinationCidrBlock", "") == cidr->text()) {
      if (r.value("GatewayId", "") == "local")
        return errors("InvalidParameterValue", "cannot remove local route " + dest + " in route table " +
                                                   doc["RouteTableId"].get<std::string>());
      found = true;
      continue;
    }
    kept.push_back(r);
  }
  if (!found)
    return errors("InvalidRoute.NotFound", "no route with destination-cidr-block " + dest + " in route table " +
                                               doc["RouteTableId"].get<std::string>());
  doc["Routes"] = kept;
  NUAGE_TRY(store_->put(scope, "route-table", doc["RouteTableId"], doc));
  return Output{};
}

Result<Output> Provider::associate_route_table(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto rtb = find_resource(scope, "route-table", in.value("RouteTableId", ""));
  if (!rtb) return rtb.take_error();
  std::string rtb_id = (**rtb)["RouteTableId"];
  Value assoc = {{"Main", false}, {"RouteTableAssociationId", new_id("rtbassoc")}, {"RouteTableId", rtb_id},
                 {"AssociationState", {{"State", "associated"}}}};
  if (in.contains("SubnetId")) {
    auto subnet = find_resource(scope, "subnet", in["SubnetId"]);
    if (!subnet) return subnet.take_error();
    std::string subnet_id = (**subnet)["SubnetId"];
    if ((**subnet)["VpcId"] != (**rtb)["VpcId"])
      return errors("InvalidParameterValue",
                    "Route table " + rtb_id + " and subnet " + subnet_id + " belong to different networks");
    for (const auto& [rid, other] : store_->all(scope, "route-table"))
      for (const auto& a : other["Associations"])
        if (a.value("SubnetId", "") == subnet_id)
          return errors("Resource.AlreadyAssociated", "the specified association for route table " + rtb_id +
                                                          " conflicts with an existing association");
    assoc["SubnetId"] = subnet_id;
  } else if (in.contains("GatewayId")) {
    auto igw = find_resource(scope, "internet-gateway", in["GatewayId"]);
    if (!igw) return igw.take_error();
    assoc["GatewayId"] = (**igw)["InternetGatewayId"];
  } else {
    return errors("MissingParameter", "The request must contain the parameter subnetId or gatewayId");
  }
  Value doc = **rtb;
  doc["Associations"].push_back(assoc);
  NUAGE_TRY(store_->put(scope, "route-table", rtb_id, doc));
  Output out;
  out.value = {{"AssociationId", assoc["RouteTableAssociationId"]}, {"AssociationState", assoc["AssociationState"]}};
  return out;
}

Result<Output> Provider::disassociate_route_table(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("AssociationId", "");
  for (const auto& [rid, rtb] : store_->all(scope, "route-table")) {
    Value kept = Value::array();
    bool found = false;
    for (const auto& a : rtb["Associations"]) {
      if (a.value("RouteTableAssociationId", "") != id) {
        kept.push_back(a);
        continue;
      }
      if (a.value("Main", false))
        return errors("InvalidParameterValue", "cannot disassociate the main route table association " + id);
      found = true;
    }
    if (!found) continue;
    Value doc = rtb;
    doc["Associations"] = kept;
    NUAGE_TRY(store_->put(scope, "route-table", rid, doc));
    return Output{};
  }
  return errors("InvalidAssociationID.NotFound", "The association ID '" + id + "' does not exist");
}

}  // namespace nuage::services::ec2
