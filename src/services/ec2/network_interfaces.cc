// Network interfaces: created in a subnet, attached to and detached from
// instances (the instance lists them too), deleted once free.
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

namespace {

Value group_ident(const Value& sg) { return {{"GroupId", sg["GroupId"]}, {"GroupName", sg["GroupName"]}}; }

}  // namespace

namespace {

const FilterFields& eni_filters() {
  static const FilterFields f = {
      {"network-interface-id", {"NetworkInterfaceId"}},
      {"subnet-id", {"SubnetId"}},
      {"vpc-id", {"VpcId"}},
      {"status", {"Status"}},
      {"availability-zone", {"AvailabilityZone"}},
      {"description", {"Description"}},
      {"interface-type", {"InterfaceType"}},
      {"mac-address", {"MacAddress"}},
      {"owner-id", {"OwnerId"}},
      {"private-ip-address", {"PrivateIpAddress"}},
      {"addresses.private-ip-address", {"PrivateIpAddresses.PrivateIpAddress"}},
      {"private-dns-name", {"PrivateDnsName"}},
      {"group-id", {"Groups.GroupId"}},
      {"group-name", {"Groups.GroupName"}},
      {"attachment.instance-id", {"Attachment.InstanceId"}},
      {"attachment.attachment-id", {"Attachment.AttachmentId"}},
      {"attachment.status", {"Attachment.Status"}},
      {"attachment.device-index", {"Attachment.DeviceIndex"}},
      {"association.public-ip", {"Association.PublicIp"}},
      {"requester-managed", {"RequesterManaged"}},
      {"source-dest-check", {"SourceDestCheck"}},
  };
  return f;
}

}  // namespace

Result<Output> Provider::create_network_interface(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_resource(scope, "subnet", in.value("SubnetId", ""));
  if (!found) return found.take_error();
  const Value& subnet = **found;
  std::string vpc_id = subnet["VpcId"], subnet_id = subnet["SubnetId"], zone = subnet["AvailabilityZone"];
  Value groups = Value::array();
  for (const auto& gid : in.value("Groups", Value::array())) {
    auto sg = find_resource(scope, "security-group", gid);
    if (!sg) return sg.take_error();
    if ((**sg)["VpcId"] != vpc_id)
      return errors("InvalidParameter", "Security group " + gid.get<std::string>() + " and subnet " + subnet_id +
                                            " belong to different networks.");
    groups.push_back(group_ident(**sg));
  }
  if (groups.empty())
    for (const auto& [gid, sg] : store_->all(scope, "security-group"))
      if (sg["VpcId"] == vpc_id && sg["GroupName"] == "default") groups.push_back(group_ident(sg));
  auto tags = tags_from_specs(in, "network-interface");
  if (!tags) return tags.take_error();
  std::string ip;
  if (in.contains("PrivateIpAddress")) {
    ip = in["PrivateIpAddress"];
    auto addr = parse_ipv4(ip);
    auto range = parse_cidr(subnet["CidrBlock"]);
    if (!addr || !range || !range->contains(Cidr{*addr, 32}))
      return errors("InvalidParameterValue", "Address " + ip + " does not fall within the subnet's address range");
    for (const auto& [eid, eni] : store_->all(scope, "network-interface"))
      if (eni.value("PrivateIpAddress", "") == ip && eni["SubnetId"] == subnet_id)
        return errors("InvalidIPAddress.InUse", "The specified address is already in use.");
  }
  Value eni;
  // Taking the subnet's next address changes the subnet too.
  Status st = store_->transaction([&]() -> Status {
    if (!in.contains("PrivateIpAddress")) {
      auto address = next_private_ip(scope, subnet_id);
      if (!address) return address.error();
      ip = *address;
    }
    std::string id = new_id("eni");
    std::string dns = private_dns_name(scope.region, ip);
    std::string mac = new_mac_address();
    eni = {{"NetworkInterfaceId", id},
           {"SubnetId", subnet_id},
           {"VpcId", vpc_id},
           {"AvailabilityZone", zone},
           {"Description", in.value("Description", "")},
           {"OwnerId", scope.account},
           {"RequesterId", ""},
           {"RequesterManaged", false},
           {"Status", "available"},
           {"MacAddress", mac},
           {"PrivateIpAddress", ip},
           {"PrivateDnsName", dns},
           {"SourceDestCheck", true},
           {"InterfaceType", in.value("InterfaceType", "interface")},
           {"Groups", groups},
           {"PrivateIpAddresses", {{{"Primary", true}, {"PrivateIpAddress", ip}, {"PrivateDnsName", dns}}}},
           {"Ipv6Addresses", Value::array()},
           {"TagSet", *tags}};
    return store_->put(scope, "network-interface", id, eni);
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value["NetworkInterface"] = eni;
  if (in.contains("ClientToken")) out.value["ClientToken"] = in["ClientToken"];
  return out;
}

Result<Output> Provider::describe_network_interfaces(Context& ctx, const Value& in) {
  return describe_kind(scope_of(ctx), in, "network-interface", "NetworkInterfaceIds", "NetworkInterfaces",
                       eni_filters(), 5, 1000);
}

Result<Output> Provider::attach_network_interface(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto eni = find_resource(scope, "network-interface", in.value("NetworkInterfaceId", ""));
  if (!eni) return eni.take_error();
  auto found = find_instances(scope, Value::array({in.value("InstanceId", "")}));
  if (!found) return found.take_error();
  Value inst = *found->front();
  Value nic = **eni;
  std::string inst_id = inst["InstanceId"], eni_id = nic["NetworkInterfaceId"];
  std::string state = state_name(inst);
  if (state != "running" && state != "stopped")
    return errors("IncorrectInstanceState", "The instance '" + inst_id + "' is not in a valid state for this operation.");
  if (nic.value("Status", "") != "available")
    return errors("InvalidNetworkInterface.InUse", "Interface: [" + eni_id + "] in use.");
  if (nic["AvailabilityZone"] != inst["Placement"]["AvailabilityZone"])
    return errors("InvalidParameterCombination", "You may not attach a network interface to an instance if they are "
                  "not in the same availability zone");
  int64_t index = in.value("DeviceIndex", int64_t{-1});
  if (index < 0) return errors("InvalidParameterValue", "Invalid value for device index: " + std::to_string(index));
  for (const auto& attached : inst.value("NetworkInterfaces", Value::array()))
    if (attached["Attachment"].value("DeviceIndex", int64_t{-1}) == index)
      return errors("InvalidParameterValue", "Instance '" + inst_id +
                    "' already has an interface attached at device index '" + std::to_string(index) + "'.");
  std::string attachment_id = new_id("eni-attach");
  int64_t card = in.value("NetworkCardIndex", int64_t{0});
  double now = now_seconds();
  nic["Status"] = "in-use";
  nic["Attachment"] = {{"AttachmentId", attachment_id}, {"InstanceId", inst_id}, {"InstanceOwnerId", scope.account},
                       {"DeviceIndex", index}, {"NetworkCardIndex", card}, {"Status", "attached"},
                       {"AttachTime", now}, {"DeleteOnTermination", false}};
  // The instance lists its interfaces with the attachment seen from its side.
  Value entry = Value::object();
  for (const char* key : {"NetworkInterfaceId", "SubnetId", "VpcId", "Description", "OwnerId", "MacAddress",
                          "PrivateIpAddress", "PrivateDnsName", "SourceDestCheck", "Groups", "InterfaceType",
                          "PrivateIpAddresses", "Association"})
    if (nic.contains(key)) entry[key] = nic[key];
  entry["Status"] = "in-use";
  entry["Attachment"] = {{"AttachmentId", attachment_id}, {"DeviceIndex", index}, {"NetworkCardIndex", card},
                         {"Status", "attached"}, {"AttachTime", now}, {"DeleteOnTermination", false}};
  inst["NetworkInterfaces"].push_back(std::move(entry));
  Status st = store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, "network-interface", eni_id, std::move(nic)));
    return store_->put(scope, "instance", inst_id, std::move(inst));
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value = {{"AttachmentId", attachment_id}, {"NetworkCardIndex", card}};
  return out;
}

void Provider::detach_interface(Value& instance, Value& interface) {
  Value kept = Value::array();
  for (const auto& entry : instance.value("NetworkInterfaces", Value::array()))
    if (entry["NetworkInterfaceId"] != interface["NetworkInterfaceId"]) kept.push_back(entry);
  instance["NetworkInterfaces"] = std::move(kept);
  interface["Status"] = "available";
  interface.erase("Attachment");
}

Result<Output> Provider::detach_network_interface(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string attachment_id = in.value("AttachmentId", "");
  std::string eni_id;
  for (const auto& [id, eni] : store_->all(scope, "network-interface"))
    if (eni.contains("Attachment") && eni["Attachment"].value("AttachmentId", "") == attachment_id) eni_id = id;
  if (eni_id.empty())
    return errors("InvalidAttachmentID.NotFound", "The attachment ID '" + attachment_id + "' does not exist");
  Value nic = *store_->get(scope, "network-interface", eni_id);
  if (nic["Attachment"].value("DeviceIndex", int64_t{0}) == 0)
    return errors("OperationNotPermitted", "The network interface at device index 0 cannot be detached.");
  std::string inst_id = nic["Attachment"].value("InstanceId", "");
  const Value* stored_inst = store_->get(scope, "instance", inst_id);
  bool has_instance = stored_inst != nullptr;
  Value inst = has_instance ? *stored_inst : Value::object();
  detach_interface(inst, nic);
  Status st = store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, "network-interface", eni_id, std::move(nic)));
    return has_instance ? store_->put(scope, "instance", inst_id, std::move(inst)) : Status::Ok();
  });
  if (!st.ok()) return st.error();
  return Output{};
}

Result<Output> Provider::delete_network_interface(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("NetworkInterfaceId", "");
  auto eni = find_resource(scope, "network-interface", id);
  if (!eni) return eni.take_error();
  std::string owner = (**eni).contains("Attachment") ? (**eni)["Attachment"].value("InstanceId", "") : "";
  if (!owner.empty() && live_instance(scope, owner))
    return errors("InvalidNetworkInterface.InUse", "The network interface '" + id + "' is currently in use.");
  NUAGE_TRY(store_->erase(scope, "network-interface", id));
  return Output{};
}

}  // namespace nuage::services::ec2
