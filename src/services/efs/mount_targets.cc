// Mount targets: a file system's presence in one subnet (one per
// Availability Zone, all in one VPC), each backed by a real network
// interface EFS makes in the subnet through EC2 — its private IP is the
// mount target's — and deletes with it. Security groups are the
// interface's at creation; ModifyMountTargetSecurityGroups checks the new
// ones exist and records them on the mount target.
//
// EC2 is called without mutex_ held (never call another service under it):
// the checks are made under the lock, the interface made outside it, and the
// checks made again before the mount target is stored (the interface goes
// if they no longer hold).
#include "common/text.h"
#include "services/efs/provider.h"

namespace nuage::services::efs {

using kit::Output;
using kit::Value;

namespace {

auth::Credential efs_principal(const kit::RequestContext& ctx) {
  return kit::Environment::service_principal("elasticfilesystem.amazonaws.com", ctx.account_id);
}

Value mount_target_view(const Value& doc) {
  Value out = doc;
  out.erase("SecurityGroups");
  return out;
}

}  // namespace

Result<Output> Provider::create_mount_target(Context& ctx, const Value& in) {
  std::string fs_id = in.at("FileSystemId");
  std::string subnet_id = in.at("SubnetId");
  {
    std::lock_guard lock(mutex_);
    auto fs = file_system(ctx, fs_id);
    if (!fs) return fs.take_error();
  }
  auto subnets = env_.call("ec2", "DescribeSubnets", Value{{"SubnetIds", {subnet_id}}}, efs_principal(ctx), ctx.region);
  if (!subnets || subnets->value.value("Subnets", Value::array()).empty())
    return error("SubnetNotFound", "The subnet ID '" + subnet_id + "' does not exist");
  const Value subnet = subnets->value["Subnets"][0];
  std::string vpc = subnet.value("VpcId", ""), zone = subnet.value("AvailabilityZone", "");
  auto conflicts = [&]() -> Status {
    for (auto [id, mt] : store_->all(scope_of(ctx), kMountTarget)) {
      if (mt["FileSystemId"] != fs_id) continue;
      if (mt["VpcId"] != vpc)
        return error("MountTargetConflict", "File system '" + fs_id + "' already has mount targets in VPC '" +
                                                mt["VpcId"].get<std::string>() + "'.");
      if (mt["AvailabilityZoneName"] == zone)
        return error("MountTargetConflict", "File system '" + fs_id + "' already has a mount target in "
                                                "Availability Zone '" + zone + "'.");
    }
    return Status::Ok();
  };
  {
    std::lock_guard lock(mutex_);
    NUAGE_TRY(conflicts());
  }
  std::string id = new_id("fsmt");
  Value eni_in = {{"SubnetId", subnet_id}, {"Description", "EFS mount target for " + fs_id + " (" + id + ")"}};
  if (in.contains("SecurityGroups")) {
    if (in["SecurityGroups"].size() > 5)
      return error("SecurityGroupLimitExceeded", "A mount target can have at most 5 security groups.");
    eni_in["Groups"] = in["SecurityGroups"];
  }
  if (in.contains("IpAddress")) eni_in["PrivateIpAddress"] = in["IpAddress"];
  auto eni = env_.call("ec2", "CreateNetworkInterface", eni_in, efs_principal(ctx), ctx.region);
  if (!eni) {
    const AwsError& e = eni.error();
    if (text::starts_with(e.code, "InvalidGroup"))
      return error("SecurityGroupNotFound", e.message);
    if (e.code == "InvalidIPAddress.InUse") return error("IpAddressInUse", e.message);
    if (e.code == "InsufficientFreeAddressesInSubnet") return error("NoFreeAddressesInSubnet", e.message);
    return error("BadRequest", e.message);
  }
  const Value& ni = eni->value["NetworkInterface"];
  std::string eni_id = ni.value("NetworkInterfaceId", "");
  Value groups = Value::array();
  for (const auto& g : ni.value("Groups", Value::array())) groups.push_back(g.value("GroupId", ""));
  Value doc = {{"OwnerId", ctx.account_id},
               {"MountTargetId", id},
               {"FileSystemId", fs_id},
               {"SubnetId", subnet_id},
               {"VpcId", vpc},
               {"AvailabilityZoneName", zone},
               {"LifeCycleState", "available"},
               {"IpAddress", ni.value("PrivateIpAddress", "")},
               {"NetworkInterfaceId", eni_id},
               {"SecurityGroups", groups}};
  if (subnet.contains("AvailabilityZoneId")) doc["AvailabilityZoneId"] = subnet["AvailabilityZoneId"];
  Status stored = [&]() -> Status {
    std::lock_guard lock(mutex_);
    NUAGE_TRY(file_system(ctx, fs_id));
    NUAGE_TRY(conflicts());
    return store_->put(scope_of(ctx), kMountTarget, id, doc);
  }();
  if (!stored.ok()) {
    (void)env_.call("ec2", "DeleteNetworkInterface", Value{{"NetworkInterfaceId", eni_id}}, efs_principal(ctx),
                    ctx.region);
    return stored.error();
  }
  Output out;
  out.value = mount_target_view(doc);
  out.value["LifeCycleState"] = "creating";
  return out;
}

Result<Output> Provider::describe_mount_targets(Context& ctx, const Value& in) {
  int given = in.contains("FileSystemId") + in.contains("MountTargetId") + in.contains("AccessPointId");
  if (given != 1)
    return error("BadRequest", "Specify exactly one of FileSystemId, MountTargetId or AccessPointId.");
  std::lock_guard lock(mutex_);
  std::string fs_id = in.value("FileSystemId", "");
  if (in.contains("AccessPointId")) {
    const Value* ap = store_->get(scope_of(ctx), kAccessPoint, in["AccessPointId"]);
    if (!ap) return error("AccessPointNotFound", "Access point '" + in["AccessPointId"].get<std::string>() + "' does not exist.");
    fs_id = (*ap)["FileSystemId"];
  }
  std::vector<const Value*> found;
  if (in.contains("MountTargetId")) {
    const Value* mt = store_->get(scope_of(ctx), kMountTarget, in["MountTargetId"]);
    if (!mt) return error("MountTargetNotFound", "Mount target '" + in["MountTargetId"].get<std::string>() + "' does not exist.");
    found.push_back(mt);
  } else {
    auto fs = file_system(ctx, fs_id);
    if (!fs) return fs.take_error();
    for (auto [id, mt] : store_->all(scope_of(ctx), kMountTarget))
      if (mt["FileSystemId"] == fs_id) found.push_back(&mt);
  }
  auto start = page_start(in, "Marker", found.size());
  if (!start) return start.take_error();
  size_t max = static_cast<size_t>(std::clamp<int64_t>(in.value("MaxItems", int64_t{10}), 1, 100));
  Output out;
  out.value["MountTargets"] = Value::array();
  for (size_t i = *start; i < found.size() && i < *start + max; ++i)
    out.value["MountTargets"].push_back(mount_target_view(*found[i]));
  if (in.contains("Marker")) out.value["Marker"] = in["Marker"];
  if (*start + max < found.size()) out.value["NextMarker"] = std::to_string(*start + max);
  return out;
}

Result<Output> Provider::delete_mount_target(Context& ctx, const Value& in) {
  std::string id = in.at("MountTargetId");
  std::string eni_id;
  {
    std::lock_guard lock(mutex_);
    const Value* mt = store_->get(scope_of(ctx), kMountTarget, id);
    if (!mt) return error("MountTargetNotFound", "Mount target '" + id + "' does not exist.");
    eni_id = (*mt)["NetworkInterfaceId"];
    NUAGE_TRY(store_->erase(scope_of(ctx), kMountTarget, id));
  }
  (void)env_.call("ec2", "DeleteNetworkInterface", Value{{"NetworkInterfaceId", eni_id}}, efs_principal(ctx),
                  ctx.region);
  return Output{};
}

Result<Output> Provider::describe_mount_target_security_groups(Context& ctx, const Value& in) {
  std::lock_guard lock(mutex_);
  const Value* mt = store_->get(scope_of(ctx), kMountTarget, in.at("MountTargetId"));
  if (!mt) return error("MountTargetNotFound", "Mount target '" + in["MountTargetId"].get<std::string>() + "' does not exist.");
  Output out;
  out.value = {{"SecurityGroups", (*mt)["SecurityGroups"]}};
  return out;
}

Result<Output> Provider::modify_mount_target_security_groups(Context& ctx, const Value& in) {
  std::string id = in.at("MountTargetId");
  Value groups = in.value("SecurityGroups", Value::array());
  if (groups.size() > 5) return error("SecurityGroupLimitExceeded", "A mount target can have at most 5 security groups.");
  {
    std::lock_guard lock(mutex_);
    if (!store_->get(scope_of(ctx), kMountTarget, id))
      return error("MountTargetNotFound", "Mount target '" + id + "' does not exist.");
  }
  if (!groups.empty()) {
    auto found = env_.call("ec2", "DescribeSecurityGroups", Value{{"GroupIds", groups}}, efs_principal(ctx), ctx.region);
    if (!found) return error("SecurityGroupNotFound", found.error().message);
  }
  std::lock_guard lock(mutex_);
  const Value* mt = store_->get(scope_of(ctx), kMountTarget, id);
  if (!mt) return error("MountTargetNotFound", "Mount target '" + id + "' does not exist.");
  Value doc = *mt;
  doc["SecurityGroups"] = groups;
  NUAGE_TRY(store_->put(scope_of(ctx), kMountTarget, id, doc));
  return Output{};
}

}  // namespace nuage::services::efs
