// Subnets: CIDR validation against the VPC and its other subnets, zones,
// attributes, and their route table associations on delete.
#include "services/ec2/catalog.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

namespace {

const FilterFields& subnet_filters() {
  static const FilterFields f = {
      {"subnet-id", {"SubnetId"}},
      {"vpc-id", {"VpcId"}},
      {"vpcId", {"VpcId"}},
      {"cidr", {"CidrBlock"}},
      {"cidr-block", {"CidrBlock"}},
      {"cidrBlock", {"CidrBlock"}},
      {"availability-zone", {"AvailabilityZone"}},
      {"availabilityZone", {"AvailabilityZone"}},
      {"availability-zone-id", {"AvailabilityZoneId"}},
      {"default-for-az", {"DefaultForAz"}},
      {"defaultForAz", {"DefaultForAz"}},
      {"state", {"State"}},
      {"owner-id", {"OwnerId"}},
      {"map-public-ip-on-launch", {"MapPublicIpOnLaunch"}},
      {"subnet-arn", {"SubnetArn"}},
      {"available-ip-address-count", {"AvailableIpAddressCount"}},
      {"ipv6-native", {"Ipv6Native"}},
  };
  return f;
}

}  // namespace

Result<Output> Provider::create_subnet(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  if (!in.contains("CidrBlock"))
    return errors("MissingParameter", "The request must contain the parameter cidrBlock");
  std::string text = in["CidrBlock"];
  auto cidr = parse_cidr(text);
  if (!cidr)
    return errors("InvalidParameterValue",
                  "Value (" + text + ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
  if (cidr->prefix < 16 || cidr->prefix > 28) return errors("InvalidSubnet.Range", "The CIDR '" + text + "' is invalid.");
  bool inside = false;
  for (const auto& assoc : (**vpc)["CidrBlockAssociationSet"])
    if (auto vc = parse_cidr(assoc.value("CidrBlock", "")); vc && vc->contains(*cidr)) inside = true;
  if (!inside) return errors("InvalidSubnet.Range", "The CIDR '" + text + "' is invalid.");
  std::string vpc_id = (**vpc)["VpcId"];
  for (const auto& [sid, s] : store_->all(scope, "subnet")) {
    if (s["VpcId"] != vpc_id) continue;
    if (auto other = parse_cidr(s["CidrBlock"]); other && other->overlaps(*cidr))
      return errors("InvalidSubnet.Conflict", "The CIDR '" + text + "' conflicts with another subnet");
  }
  std::vector<Zone> zones = availability_zones(scope.region);
  std::optional<Zone> zone;
  if (in.contains("AvailabilityZoneId")) {
    std::string zid = in["AvailabilityZoneId"];
    zone = find_zone(scope.region, zid);
    if (!zone || zone->id != zid)
      return errors("InvalidParameterValue", "Value (" + zid + ") for parameter availabilityZoneId is invalid.");
  } else if (in.contains("AvailabilityZone")) {
    std::string az = in["AvailabilityZone"];
    zone = find_zone(scope.region, az);
    if (!zone || zone->name != az)
      return errors("InvalidParameterValue", "Value (" + az + ") for parameter availabilityZone is invalid. Subnets "
                    "can currently only be created in the following availability zones: " + zones[0].name + ", " +
                    zones[1].name + ", " + zones[2].name + ".");
  } else {
    zone = zones[store_->all(scope, "subnet").size() % zones.size()];
  }
  auto tags = tags_from_specs(in, "subnet");
  if (!tags) return tags.take_error();
  Value subnet = subnet_document(scope, vpc_id, *cidr, *zone, false, *tags);
  std::string id = subnet["SubnetId"];
  NUAGE_TRY(store_->put(scope, "subnet", id, subnet));
  Output out;
  out.value["Subnet"] = subnet;
  return out;
}

Value subnet_document(const Scope& scope, const std::string& vpc_id, const Cidr& cidr, const Zone& zone,
                      bool default_for_az, Value tags) {
  std::string id = new_id("subnet");
  return {{"SubnetId", id},
          {"VpcId", vpc_id},
          {"CidrBlock", cidr.text()},
          {"AvailabilityZone", zone.name},
          {"AvailabilityZoneId", zone.id},
          // AWS reserves five addresses of every subnet.
          {"AvailableIpAddressCount", static_cast<int64_t>(cidr.size()) - 5},
          {"DefaultForAz", default_for_az},
          {"MapPublicIpOnLaunch", default_for_az},
          {"MapCustomerOwnedIpOnLaunch", false},
          {"State", "available"},
          {"OwnerId", scope.account},
          {"SubnetArn", "arn:aws:ec2:" + scope.region + ":" + scope.account + ":subnet/" + id},
          {"AssignIpv6AddressOnCreation", false},
          {"Ipv6CidrBlockAssociationSet", Value::array()},
          {"EnableDns64", false},
          {"Ipv6Native", false},
          {"PrivateDnsNameOptionsOnLaunch",
           {{"HostnameType", "ip-name"}, {"EnableResourceNameDnsARecord", false},
            {"EnableResourceNameDnsAAAARecord", false}}},
          {"Tags", std::move(tags)},
          {"_NextHost", 4}};
}

Result<Output> Provider::describe_subnets(Context& ctx, const Value& in) {
  return describe_kind(scope_of(ctx), in, "subnet", "SubnetIds", "Subnets", subnet_filters(), 5, 1000);
}

Result<Output> Provider::delete_subnet(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("SubnetId", "");
  auto subnet = find_resource(scope, "subnet", id);
  if (!subnet) return subnet.take_error();
  for (const auto& [iid, inst] : store_->all(scope, "instance"))
    if (inst.value("SubnetId", "") == id && state_name(inst) != "terminated") return dependency("subnet", id);
  for (const auto& [eid, eni] : store_->all(scope, "network-interface")) {
    if (eni.value("SubnetId", "") != id) continue;
    std::string owner = eni.contains("Attachment") ? eni["Attachment"].value("InstanceId", "") : "";
    if (owner.empty() || live_instance(scope, owner)) return dependency("subnet", id);
  }
  Status st = store_->transaction([&]() -> Status {
    // The subnet's route table association goes with it.
    for (const auto& [rid, rtb] : store_->all(scope, "route-table")) {
      Value kept = Value::array();
      for (const auto& a : rtb["Associations"])
        if (a.value("SubnetId", "") != id) kept.push_back(a);
      if (kept.size() != rtb["Associations"].size()) {
        Value doc = rtb;
        doc["Associations"] = kept;
        NUAGE_TRY(store_->put(scope, "route-table", rid, doc));
      }
    }
    return store_->erase(scope, "subnet", id);
  });
  if (!st.ok()) return st.error();
  return Output{};
}

Result<Output> Provider::modify_subnet_attribute(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto subnet = find_resource(scope, "subnet", in.value("SubnetId", ""));
  if (!subnet) return subnet.take_error();
  Value doc = **subnet;
  for (const char* attr : {"MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation", "MapCustomerOwnedIpOnLaunch",
                           "EnableDns64"})
    if (in.contains(attr)) doc[attr] = in[attr].value("Value", false);
  if (in.contains("PrivateDnsHostnameTypeOnLaunch"))
    doc["PrivateDnsNameOptionsOnLaunch"]["HostnameType"] = in["PrivateDnsHostnameTypeOnLaunch"];
  for (const auto& [member, field] : std::map<std::string, std::string>{
           {"EnableResourceNameDnsARecordOnLaunch", "EnableResourceNameDnsARecord"},
           {"EnableResourceNameDnsAAAARecordOnLaunch", "EnableResourceNameDnsAAAARecord"}})
    if (in.contains(member)) doc["PrivateDnsNameOptionsOnLaunch"][field] = in[member].value("Value", false);
  NUAGE_TRY(store_->put(scope, "subnet", doc["SubnetId"], doc));
  return Output{};
}

}  // namespace nuage::services::ec2
