// Instances: launch, describe, the lifecycle (pending -> running,
// stopping -> stopped, shutting-down -> terminated) driven by the clock, and
// instance attributes.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/ec2/catalog.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

namespace {

int state_code(const std::string& state) {
  if (state == "pending") return 0;
  if (state == "running") return 16;
  if (state == "shutting-down") return 32;
  if (state == "terminated") return 48;
  if (state == "stopping") return 64;
  if (state == "stopped") return 80;
  return -1;
}

Value state_value(const std::string& state) { return {{"Code", state_code(state)}, {"Name", state}}; }

const FilterFields& instance_filters() {
  static const FilterFields f = {
      {"instance-state-name", {"State.Name"}},
      {"instance-state-code", {"State.Code"}},
      {"instance-id", {"InstanceId"}},
      {"instance-type", {"InstanceType"}},
      {"vpc-id", {"VpcId"}},
      {"subnet-id", {"SubnetId"}},
      {"image-id", {"ImageId"}},
      {"availability-zone", {"Placement.AvailabilityZone"}},
      {"tenancy", {"Placement.Tenancy"}},
      {"key-name", {"KeyName"}},
      {"private-ip-address", {"PrivateIpAddress"}},
      {"ip-address", {"PublicIpAddress"}},
      {"private-dns-name", {"PrivateDnsName"}},
      {"dns-name", {"PublicDnsName"}},
      {"reservation-id", {"_ReservationId"}},
      {"owner-id", {"_OwnerId"}},
      {"architecture", {"Architecture"}},
      {"instance.group-id", {"SecurityGroups.GroupId"}},
      {"instance.group-name", {"SecurityGroups.GroupName"}},
      {"group-id", {"SecurityGroups.GroupId"}},
      {"group-name", {"SecurityGroups.GroupName"}},
      {"iam-instance-profile.arn", {"IamInstanceProfile.Arn"}},
      {"network-interface.network-interface-id", {"NetworkInterfaces.NetworkInterfaceId"}},
      {"network-interface.subnet-id", {"NetworkInterfaces.SubnetId"}},
      {"root-device-type", {"RootDeviceType"}},
      {"root-device-name", {"RootDeviceName"}},
      {"platform-details", {"PlatformDetails"}},
      {"monitoring-state", {"Monitoring.State"}},
      {"hypervisor", {"Hypervisor"}},
      {"virtualization-type", {"VirtualizationType"}},
      {"ami-launch-index", {"AmiLaunchIndex"}},
      {"client-token", {"ClientToken"}},
      {"state-reason-code", {"StateReason.Code"}},
      {"block-device-mapping.volume-id", {"BlockDeviceMappings.Ebs.VolumeId"}},
      {"block-device-mapping.device-name", {"BlockDeviceMappings.DeviceName"}},
      {"launch-time", {"_LaunchTimeText"}},
  };
  return f;
}

std::string gmt_now_text(Clock::TimePoint t) {
  std::string iso = timefmt::iso8601(t);  // 2026-11-21T13:17:53Z
  return iso.substr(0, 10) + " " + iso.substr(11, 8) + " GMT";
}

AwsError incorrect_state(const std::string& id, const std::string& verb) {
  return errors("IncorrectInstanceState",
                "The instance '" + id + "' is not in a state from which it can be " + verb + ".");
}

Value state_change(const Value& instance, const Value& previous) {
  return {{"InstanceId", instance["InstanceId"]}, {"CurrentState", instance["State"]}, {"PreviousState", previous}};
}

}  // namespace

Result<Value> Provider::image(const Scope& scope, const std::string& image_id) {
  Value pub = public_image(image_id, scope.region);
  if (!pub.is_null()) return pub;
  if (const Value* own = store_->get(scope, "image", image_id)) return *own;
  if (!valid_id(image_id, "ami"))
    return errors("InvalidAMIID.Malformed", "Invalid id: \"" + image_id + "\" (expecting \"ami-...\")");
  return errors("InvalidAMIID.NotFound", "The image id '[" + image_id + "]' does not exist");
}

Result<std::vector<const Value*>> Provider::find_instances(const Scope& scope, const Value& ids) {
  std::vector<const Value*> out;
  std::vector<std::string> missing;
  for (const auto& v : ids) {
    std::string id = v.get<std::string>();
    if (!valid_id(id, "i")) return errors("InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\"");
    const Value* doc = store_->get(scope, "instance", id);
    if (!doc) missing.push_back(id);
    else out.push_back(doc);
  }
  if (missing.size() == 1)
    return errors("InvalidInstanceID.NotFound", "The instance ID '" + missing[0] + "' does not exist");
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return errors("InvalidInstanceID.NotFound", "The instance IDs '" + list + "' do not exist");
  }
  return out;
}

void Provider::set_state(const Scope& scope, Value& instance, const std::string& state, const std::string& reason) {
  instance["State"] = state_value(state);
  if (!reason.empty()) instance["StateTransitionReason"] = reason;
  std::string id = instance["InstanceId"];
  pending_events_.push_back(events::Event::about(
      "aws.ec2", "EC2 Instance State-change Notification", scope.account, scope.region, clock_.now(),
      "arn:aws:ec2:" + scope.region + ":" + scope.account + ":instance/" + id, {{"instance-id", id}, {"state", state}}));
}

void Provider::begin_transition(const Scope& scope, Value& instance, const std::string& to_state,
                                const std::string& final_state, const std::string& reason) {
  set_state(scope, instance, to_state, reason);
  auto due = clock_.now() + std::chrono::seconds(options_.transition_seconds);
  instance["_Due"] = timefmt::epoch_seconds(due);
  instance["_Next"] = final_state;
  std::string id = instance["InstanceId"];
  transitional_[scope].insert(id);
  clock_.schedule(due, [this, scope, id](auto) {
    {
      std::lock_guard lock(mutex_);
      settle_instance(scope, id);
    }
    flush_events();
  });
}

void Provider::settle_instance(const Scope& scope, const std::string& id) {
  const Value* stored = store_->get(scope, "instance", id);
  double now = now_seconds();
  if (!stored || !stored->contains("_Due") || (*stored)["_Due"].get<double>() > now) {
    if (!stored || !stored->contains("_Due")) transitional_[scope].erase(id);
    return;
  }
  Value inst = *stored;
  bool gone = false;
  bool first_boot = false, terminated = false;
  size_t announced = pending_events_.size();
  Status st = store_->transaction([&]() -> Status {
    while (inst.contains("_Due") && inst["_Due"].get<double>() <= now) {
      std::string next = inst.value("_Next", "");
      double due = inst["_Due"].get<double>();
      inst.erase("_Due");
      inst.erase("_Next");
      if (next.empty()) {  // a terminated instance's time to disappear
        for (const auto& ni : inst.value("NetworkInterfaces", Value::array()))
          NUAGE_TRY(store_->erase(scope, "network-interface", ni.value("NetworkInterfaceId", "")));
        gone = true;
        return store_->erase(scope, "instance", id);
      }
      set_state(scope, inst, next, "");
      if (next == "stopped") {
        inst.erase("PublicIpAddress");
        inst["PublicDnsName"] = "";
        inst["StateReason"] = {{"Code", "Client.UserInitiatedShutdown"},
                               {"Message", "Client.UserInitiatedShutdown: User initiated shutdown"}};
      } else if (next == "terminated") {
        // Interfaces attached after launch outlive the instance (their
        // DeleteOnTermination is false): they become available again.
        for (const auto& ni : inst.value("NetworkInterfaces", Value::array())) {
          if (ni["Attachment"].value("DeleteOnTermination", true)) continue;
          std::string eni_id = ni.value("NetworkInterfaceId", "");
          if (const Value* stored_eni = store_->get(scope, "network-interface", eni_id)) {
            Value eni = *stored_eni;
            detach_interface(inst, eni);
            NUAGE_TRY(store_->put(scope, "network-interface", eni_id, std::move(eni)));
          }
        }
        inst.erase("PublicIpAddress");
        inst["PublicDnsName"] = "";
        inst["PrivateDnsName"] = "";
        inst.erase("PrivateIpAddress");
        inst["StateReason"] = {{"Code", "Client.UserInitiatedShutdown"},
                               {"Message", "Client.UserInitiatedShutdown: User initiated shutdown"}};
        // Volumes marked DeleteOnTermination go with it; others become available.
        for (auto& bdm : inst["BlockDeviceMappings"]) {
          std::string vol_id = bdm["Ebs"].value("VolumeId", "");
          const Value* stored_vol = store_->get(scope, "volume", vol_id);
          if (!stored_vol) continue;
          if (bdm["Ebs"].value("DeleteOnTermination", false)) {
            NUAGE_TRY(store_->erase(scope, "volume", vol_id));
          } else {
            Value vol = *stored_vol;
            vol["State"] = "available";
            vol["Attachments"] = Value::array();
            NUAGE_TRY(store_->put(scope, "volume", vol_id, std::move(vol)));
          }
        }
        inst["BlockDeviceMappings"] = Value::array();
        terminated = true;
        inst["_Due"] = due + options_.terminated_visible_seconds;
        inst["_Next"] = "";
        clock_.schedule(timefmt::from_epoch_seconds(inst["_Due"].get<double>()), [this, scope, id](auto) {
          {
            std::lock_guard lock(mutex_);
            settle_instance(scope, id);
          }
          flush_events();
        });
      } else if (next == "running") {
        inst.erase("StateReason");
        if (!inst.value("_Booted", false)) {  // user data runs once, at the first boot
          inst["_Booted"] = true;
          first_boot = true;
        }
      }
    }
    return store_->put(scope, "instance", id, inst);
  });
  if (!st.ok()) {
    // Nothing changed: the transitions stay due and are retried at the next call.
    pending_events_.erase(pending_events_.begin() + static_cast<ptrdiff_t>(announced), pending_events_.end());
    spdlog::warn("ec2: settling instance {}: {}", id, st.error().message);
    return;
  }
  if (gone || !inst.contains("_Due")) transitional_[scope].erase(id);
  if (terminated) os_->terminated(scope, id);
  else if (first_boot) os_->first_boot(scope, inst);
}

void Provider::settle_scope(const Scope& scope) {
  auto it = transitional_.find(scope);
  if (it == transitional_.end() || it->second.empty()) return;
  std::vector<std::string> ids(it->second.begin(), it->second.end());
  for (const auto& id : ids) settle_instance(scope, id);
}

Result<Output> Provider::run_instances(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  int64_t min_count = in.value("MinCount", int64_t{0});
  int64_t max_count = in.value("MaxCount", int64_t{0});
  if (min_count < 1)
    return errors("InvalidParameterValue", "Value (" + std::to_string(min_count) +
                                               ") for parameter minCount is invalid. Expected a positive integer.");
  if (max_count < min_count)
    return errors("InvalidParameterValue",
                  "Value (" + std::to_string(max_count) + ") for parameter maxCount is invalid. Expected a value "
                  "greater than or equal to minCount.");
  if (max_count > 10000)
    return errors("InstanceLimitExceeded",
                  "You have requested more instances (" + std::to_string(max_count) +
                      ") than your current instance limit of 10000 allows for the specified instance type.");
  if (!in.contains("ImageId")) return errors("MissingParameter", "The request must contain the parameter ImageId");
  auto img = image(scope, in["ImageId"]);
  if (!img) return img.take_error();
  std::string type = in.value("InstanceType", "m1.small");
  auto arch = instance_type_architecture(type);
  if (!arch) return errors("InvalidParameterValue", "Invalid value '" + type + "' for InstanceType.");
  std::string image_arch = (*img).value("Architecture", "x86_64");
  if (*arch != image_arch)
    return errors("InvalidParameterValue",
                  "The architecture '" + *arch + "' of the specified instance type does not match the "
                  "architecture '" + image_arch + "' of the specified AMI. Specify an instance type and an AMI "
                  "that have matching architectures, and try again.");
  std::string key_name = in.value("KeyName", "");
  if (!key_name.empty()) {
    bool found = false;
    for (const auto& [id, key] : store_->all(scope, "key-pair"))
      if (key.value("KeyName", "") == key_name) found = true;
    if (!found) return errors("InvalidKeyPair.NotFound", "The key pair '" + key_name + "' does not exist");
  }
  // Subnet: the one asked for, else the default subnet of the zone (or any).
  std::string az = in.contains("Placement") ? in["Placement"].value("AvailabilityZone", "") : "";
  const Value* subnet = nullptr;
  if (in.contains("SubnetId")) {
    std::string subnet_id = in["SubnetId"];
    subnet = store_->get(scope, "subnet", subnet_id);
    if (!subnet)
      return errors("InvalidSubnetID.NotFound", "The subnet ID '" + subnet_id + "' does not exist");
  } else {
    subnet = default_subnet(scope, az);
    if (!subnet && !az.empty())
      return errors("InvalidParameterValue", "Invalid availability zone: [" + az + "]");
    if (!subnet) return errors("VPCIdNotSpecified", "No default VPC for this user.");
  }
  std::string vpc_id = (*subnet)["VpcId"];
  // Security groups: by id, by name (in the subnet's VPC), else the VPC's default.
  Value groups = Value::array();
  for (const auto& gid : in.value("SecurityGroupIds", Value::array())) {
    const Value* sg = store_->get(scope, "security-group", gid);
    if (!sg)
      return errors("InvalidGroup.NotFound", "The security group '" + gid.get<std::string>() + "' does not exist");
    if ((*sg)["VpcId"] != vpc_id)
      return errors("InvalidParameter", "Security group " + gid.get<std::string>() + " and subnet " +
                                            (*subnet)["SubnetId"].get<std::string>() +
                                            " belong to different networks.");
    groups.push_back({{"GroupId", (*sg)["GroupId"]}, {"GroupName", (*sg)["GroupName"]}});
  }
  for (const auto& name : in.value("SecurityGroups", Value::array())) {
    const Value* match = nullptr;
    for (const auto& [id, sg] : store_->all(scope, "security-group"))
      if (sg["GroupName"] == name && sg["VpcId"] == vpc_id) match = &sg;
    if (!match)
      return errors("InvalidGroup.NotFound", "The security group '" + name.get<std::string>() +
                                                 "' does not exist in VPC '" + vpc_id + "'");
    groups.push_back({{"GroupId", (*match)["GroupId"]}, {"GroupName", (*match)["GroupName"]}});
  }
  if (groups.empty()) {
    for (const auto& [id, sg] : store_->all(scope, "security-group"))
      if (sg["GroupName"] == "default" && sg["VpcId"] == vpc_id)
        groups.push_back({{"GroupId", sg["GroupId"]}, {"GroupName", sg["GroupName"]}});
  }
  std::string user_data = in.value("UserData", "");
  if (!user_data.empty() && !text::base64_decode(user_data))
    return errors("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
  Value instance_tags = Value::array(), volume_tags = Value::array(), eni_tags = Value::array();
  for (const auto& spec : in.value("TagSpecifications", Value::array())) {
    std::string rt = spec.value("ResourceType", "");
    Value& target = rt == "instance" ? instance_tags : rt == "volume" ? volume_tags : eni_tags;
    if (rt != "instance" && rt != "volume" && rt != "network-interface")
      return errors("InvalidParameterValue", "'" + rt + "' is not a valid taggable resource type for this operation.");
    for (const auto& t : spec.value("Tags", Value::array())) {
      if (text::starts_with(t.value("Key", ""), "aws:"))
        return errors("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
      target.push_back({{"Key", t.value("Key", "")}, {"Value", t.value("Value", "")}});
    }
  }

  // Everything is valid: launch.
  std::string reservation_id = new_id("r");
  double now = now_seconds();
  std::string client_token = in.value("ClientToken", "");
  Value reservation = {{"ReservationId", reservation_id}, {"OwnerId", scope.account}, {"Groups", Value::array()},
                       {"Instances", Value::array()}};
  Value root_ebs = (*img)["BlockDeviceMappings"][0]["Ebs"];
  for (const auto& bdm : in.value("BlockDeviceMappings", Value::array()))
    if (bdm.value("DeviceName", "") == (*img).value("RootDeviceName", "/dev/xvda") && bdm.contains("Ebs"))
      for (const auto& [k, v] : bdm["Ebs"].items()) root_ebs[k] = v;
  // The subnet document changes with each address taken: what the launch
  // needs of it is read once, before.
  const std::string subnet_id = (*subnet)["SubnetId"];
  const bool public_ip = subnet->value("MapPublicIpOnLaunch", false);
  const std::string zone = (*subnet)["AvailabilityZone"];
  Status st = store_->transaction([&]() -> Status {
    for (int64_t i = 0; i < max_count; ++i) {
      std::string id = new_id("i");
      auto address = next_private_ip(scope, subnet_id);
      if (!address) return address.error();
      std::string ip = *address;
      std::string pub = public_ip ? next_public_ip(scope) : "";
      std::string eni_id = new_id("eni");
      std::string vol_id = new_id("vol");
      std::string mac = new_mac_address();
      Value attachment_ebs = {{"VolumeId", vol_id}, {"Status", "attached"}, {"AttachTime", now},
                              {"DeleteOnTermination", root_ebs.value("DeleteOnTermination", true)}};
      Value eni = {{"NetworkInterfaceId", eni_id},
                   {"SubnetId", subnet_id},
                   {"VpcId", vpc_id},
                   {"AvailabilityZone", zone},
                   {"Description", ""},
                   {"OwnerId", scope.account},
                   {"Status", "in-use"},
                   {"MacAddress", mac},
                   {"PrivateIpAddress", ip},
                   {"PrivateDnsName", private_dns_name(scope.region, ip)},
                   {"SourceDestCheck", true},
                   {"InterfaceType", "interface"},
                   {"Groups", groups},
                   {"Attachment",
                    {{"AttachmentId", new_id("eni-attach")}, {"InstanceId", id}, {"InstanceOwnerId", scope.account},
                     {"DeviceIndex", 0}, {"Status", "attached"}, {"AttachTime", now},
                     {"DeleteOnTermination", true}}},
                   {"PrivateIpAddresses", {{{"Primary", true}, {"PrivateIpAddress", ip}}}},
                   {"TagSet", eni_tags}};
      if (!pub.empty()) {
        Value assoc = {{"PublicIp", pub}, {"PublicDnsName", public_dns_name(scope.region, pub)},
                       {"IpOwnerId", "amazon"}};
        eni["Association"] = assoc;
        eni["PrivateIpAddresses"][0]["Association"] = assoc;
      }
      NUAGE_TRY(store_->put(scope, "network-interface", eni_id, eni));
      Value volume = {{"VolumeId", vol_id},
                      {"Size", root_ebs.value("VolumeSize", 8)},
                      {"SnapshotId", root_ebs.value("SnapshotId", "")},
                      {"AvailabilityZone", zone},
                      {"State", "in-use"},
                      {"CreateTime", now},
                      {"VolumeType", root_ebs.value("VolumeType", "gp3")},
                      {"Iops", 3000},
                      {"Encrypted", root_ebs.value("Encrypted", false)},
                      {"MultiAttachEnabled", false},
                      {"Attachments",
                       {{{"VolumeId", vol_id}, {"InstanceId", id}, {"Device", (*img).value("RootDeviceName", "/dev/xvda")},
                         {"State", "attached"}, {"AttachTime", now},
                         {"DeleteOnTermination", root_ebs.value("DeleteOnTermination", true)}}}},
                      {"Tags", volume_tags}};
      NUAGE_TRY(store_->put(scope, "volume", vol_id, volume));
      Value inst = {{"InstanceId", id},
                    {"ImageId", in["ImageId"]},
                    {"InstanceType", type},
                    {"KeyName", key_name},
                    {"LaunchTime", now},
                    {"_LaunchTimeText", timefmt::iso8601(timefmt::from_epoch_seconds(now))},
                    {"AmiLaunchIndex", i},
                    {"Placement", {{"AvailabilityZone", zone}, {"GroupName", ""}, {"Tenancy", "default"}}},
                    {"Monitoring", {{"State", in.contains("Monitoring") && in["Monitoring"].value("Enabled", false)
                                                  ? "enabled" : "disabled"}}},
                    {"SubnetId", subnet_id},
                    {"VpcId", vpc_id},
                    {"PrivateIpAddress", ip},
                    {"PrivateDnsName", eni["PrivateDnsName"]},
                    {"PublicDnsName", pub.empty() ? "" : public_dns_name(scope.region, pub)},
                    {"StateTransitionReason", ""},
                    {"Architecture", *arch},
                    {"RootDeviceType", "ebs"},
                    {"RootDeviceName", (*img).value("RootDeviceName", "/dev/xvda")},
                    {"BlockDeviceMappings",
                     {{{"DeviceName", (*img).value("RootDeviceName", "/dev/xvda")}, {"Ebs", attachment_ebs}}}},
                    {"VirtualizationType", "hvm"},
                    {"Hypervisor", "xen"},
                    {"EbsOptimized", in.value("EbsOptimized", false)},
                    {"EnaSupport", true},
                    {"SourceDestCheck", true},
                    {"ClientToken", client_token},
                    {"SecurityGroups", groups},
                    {"NetworkInterfaces",
                     {{{"NetworkInterfaceId", eni_id}, {"SubnetId", subnet_id}, {"VpcId", vpc_id},
                       {"Description", ""}, {"OwnerId", scope.account}, {"Status", "in-use"}, {"MacAddress", mac},
                       {"PrivateIpAddress", ip}, {"PrivateDnsName", eni["PrivateDnsName"]}, {"SourceDestCheck", true},
                       {"Groups", groups}, {"InterfaceType", "interface"},
                       {"Attachment", {{"AttachmentId", eni["Attachment"]["AttachmentId"]}, {"DeviceIndex", 0},
                                       {"Status", "attached"}, {"AttachTime", now}, {"DeleteOnTermination", true},
                                       {"NetworkCardIndex", 0}}},
                       {"PrivateIpAddresses", eni["PrivateIpAddresses"]}}}},
                    {"CpuOptions", {{"CoreCount", 1}, {"ThreadsPerCore", 2}}},
                    {"HibernationOptions", {{"Configured", in.contains("HibernationOptions") &&
                                                               in["HibernationOptions"].value("Configured", false)}}},
                    {"MetadataOptions", {{"State", "applied"}, {"HttpTokens", "required"}, {"HttpPutResponseHopLimit", 2},
                                         {"HttpEndpoint", "enabled"}, {"InstanceMetadataTags", "disabled"}}},
                    {"EnclaveOptions", {{"Enabled", false}}},
                    {"PlatformDetails", (*img).value("PlatformDetails", "Linux/UNIX")},
                    {"UsageOperation", "RunInstances"},
                    {"UsageOperationUpdateTime", now},
                    {"CurrentInstanceBootMode", "legacy-bios"},
                    {"Tags", instance_tags},
                    {"_ReservationId", reservation_id},
                    {"_OwnerId", scope.account},
                    {"_Seq", now * 1e3 + static_cast<double>(i)},
                    {"_UserData", user_data},
                    {"_DisableApiTermination", in.value("DisableApiTermination", false)},
                    {"_ShutdownBehavior", in.value("InstanceInitiatedShutdownBehavior", "stop")}};
      if (!pub.empty()) {
        inst["PublicIpAddress"] = pub;
        inst["NetworkInterfaces"][0]["Association"] = eni["Association"];
      }
      if (key_name.empty()) inst.erase("KeyName");
      if (in.contains("IamInstanceProfile")) {
        const Value& p = in["IamInstanceProfile"];
        std::string arn = p.value("Arn", "arn:aws:iam::" + scope.account + ":instance-profile/" + p.value("Name", ""));
        inst["IamInstanceProfile"] = {{"Arn", arn}, {"Id", "AIPA" + text::hex_encode(crypto::random_bytes(8))}};
      }
      begin_transition(scope, inst, "pending", "running", "");
      NUAGE_TRY(store_->put(scope, "instance", id, inst));
      reservation["Instances"].push_back(inst);
    }
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value = std::move(reservation);
  return out;
}

Result<Output> Provider::describe_instances(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, instance_filters()));
  if (in.contains("InstanceIds") && in.contains("MaxResults"))
    return errors("InvalidParameterCombination",
                  "The parameter instancesSet cannot be used with the parameter maxResults");
  // Matches in launch order, shared with the answer rather than copied.
  struct Match {
    double seq;
    std::shared_ptr<const Value> doc;
  };
  std::vector<Match> matched;
  auto consider = [&](std::shared_ptr<const Value> doc) {
    if (doc && matches(*doc, filters, instance_filters()))
      matched.push_back({(*doc)["_Seq"].get<double>(), std::move(doc)});
  };
  if (in.contains("InstanceIds")) {
    auto found = find_instances(scope, in["InstanceIds"]);
    if (!found) return found.take_error();
    for (const Value* v : *found) consider(store_->share(scope, "instance", (*v)["InstanceId"]));
  } else if (auto tag = exact_tag_filter(filters)) {
    // Tag index: cost grows with the matches, not with the instances.
    std::set<std::string> ids;
    for (const auto& value : tag->values)
      if (const auto* set = store_->tagged(scope, "instance", tag->key, value)) ids.insert(set->begin(), set->end());
    for (const auto& id : ids) consider(store_->share(scope, "instance", id));
  } else {
    for (const auto& [id, v] : store_->all(scope, "instance"))
      if (matches(v, filters, instance_filters()))
        matched.push_back({v["_Seq"].get<double>(), store_->share(scope, "instance", id)});
  }
  std::sort(matched.begin(), matched.end(), [](const Match& a, const Match& b) { return a.seq < b.seq; });
  auto page = paginate(matched.size(), in, 5, 1000);
  if (!page) return page.take_error();
  Output out;
  out.value["Reservations"] = Value::array();
  Value* current = nullptr;
  for (size_t i = page->begin; i < page->end; ++i) {
    const Value& inst = *matched[i].doc;
    if (!current || (*current)["ReservationId"] != inst["_ReservationId"]) {
      out.value["Reservations"].push_back({{"ReservationId", inst["_ReservationId"]},
                                           {"OwnerId", inst["_OwnerId"]},
                                           {"Groups", Value::array()},
                                           {"Instances", Value::array()}});
      current = &out.value["Reservations"].back();
    }
    (*current)["Instances"].push_back(out.share(std::move(matched[i].doc)));
  }
  if (!page->next_token.empty()) out.value["NextToken"] = page->next_token;
  return out;
}

Result<Output> Provider::describe_instance_status(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  static const FilterFields fields = {
      {"availability-zone", {"AvailabilityZone"}},
      {"instance-state-name", {"InstanceState.Name"}},
      {"instance-state-code", {"InstanceState.Code"}},
      {"instance-status.status", {"InstanceStatus.Status"}},
      {"instance-status.reachability", {"InstanceStatus.Details.Status"}},
      {"system-status.status", {"SystemStatus.Status"}},
      {"system-status.reachability", {"SystemStatus.Details.Status"}},
  };
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, fields));
  bool all = in.value("IncludeAllInstances", false);
  std::vector<const Value*> instances;
  if (in.contains("InstanceIds")) {
    auto found = find_instances(scope, in["InstanceIds"]);
    if (!found) return found.take_error();
    instances.assign(found->begin(), found->end());
  } else {
    for (const auto& [id, v] : store_->all(scope, "instance")) instances.push_back(&v);
  }
  std::vector<Value> statuses;
  for (const Value* inst : instances) {
    std::string state = state_name(*inst);
    if (!all && state != "running") continue;
    bool running = state == "running";
    Value check = {{"Status", running ? "ok" : "not-applicable"},
                   {"Details", running ? Value{{{"Name", "reachability"}, {"Status", "passed"}}} : Value::array()}};
    Value status = {{"InstanceId", (*inst)["InstanceId"]},
                    {"AvailabilityZone", (*inst)["Placement"]["AvailabilityZone"]},
                    {"InstanceState", (*inst)["State"]},
                    {"InstanceStatus", check},
                    {"SystemStatus", check}};
    if (matches(status, filters, fields)) statuses.push_back(std::move(status));
  }
  auto page = paginate(statuses.size(), in, 5, 1000);
  if (!page) return page.take_error();
  Output out;
  out.value["InstanceStatuses"] = Value::array();
  for (size_t i = page->begin; i < page->end; ++i) out.value["InstanceStatuses"].push_back(statuses[i]);
  if (!page->next_token.empty()) out.value["NextToken"] = page->next_token;
  return out;
}

Result<Output> Provider::start_instances(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_instances(scope, in.value("InstanceIds", Value::array()));
  if (!found) return found.take_error();
  for (const Value* inst : *found) {
    std::string s = state_name(*inst);
    if (s != "stopped" && s != "running" && s != "pending") return incorrect_state((*inst)["InstanceId"], "started");
  }
  return change_states(scope, *found, "StartingInstances", [&](Value& inst) {
    if (state_name(inst) != "stopped") return false;
    const Value* subnet = store_->get(scope, "subnet", inst["SubnetId"]);
    if (subnet && subnet->value("MapPublicIpOnLaunch", false)) {
      std::string pub = next_public_ip(scope);
      inst["PublicIpAddress"] = pub;
      inst["PublicDnsName"] = public_dns_name(scope.region, pub);
    }
    inst.erase("StateReason");
    begin_transition(scope, inst, "pending", "running", "");
    return true;
  });
}

Result<Output> Provider::change_states(const Scope& scope, const std::vector<const Value*>& found, const char* list,
                                       const std::function<bool(Value& instance)>& change) {
  Output out;
  out.value[list] = Value::array();
  Status st = store_->transaction([&]() -> Status {
    // By id: a change makes the found pointers stale, and an id may be given twice.
    std::vector<std::string> ids;
    for (const Value* inst : found) ids.push_back((*inst)["InstanceId"]);
    for (const auto& id : ids) {
      Value inst = *store_->get(scope, "instance", id);
      Value previous = inst["State"];
      if (change(inst)) NUAGE_TRY(store_->put(scope, "instance", id, std::move(inst)));
      out.value[list].push_back(state_change(*store_->get(scope, "instance", id), previous));
    }
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Output> Provider::stop_instances(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_instances(scope, in.value("InstanceIds", Value::array()));
  if (!found) return found.take_error();
  bool hibernate = in.value("Hibernate", false);
  for (const Value* inst : *found) {
    std::string s = state_name(*inst);
    std::string id = (*inst)["InstanceId"];
    if (s != "running" && s != "stopped" && s != "stopping") return incorrect_state(id, "stopped");
    if (hibernate && !(*inst)["HibernationOptions"].value("Configured", false))
      return errors("UnsupportedHibernationConfiguration",
                    "For hibernation, the instance must be launched with hibernation enabled: " + id);
  }
  std::string reason = "User initiated (" + gmt_now_text(clock_.now()) + ")";
  return change_states(scope, *found, "StoppingInstances", [&](Value& inst) {
    if (state_name(inst) != "running") return false;
    begin_transition(scope, inst, "stopping", "stopped", reason);
    return true;
  });
}

Result<Output> Provider::reboot_instances(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_instances(scope, in.value("InstanceIds", Value::array()));
  if (!found) return found.take_error();
  for (const Value* inst : *found) {
    std::string s = state_name(*inst);
    if (s != "running" && s != "pending") return incorrect_state((*inst)["InstanceId"], "rebooted");
  }
  return Output{};  // a reboot keeps the instance running: no state change to show
}

Result<Output> Provider::terminate_instances(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_instances(scope, in.value("InstanceIds", Value::array()));
  if (!found) return found.take_error();
  for (const Value* inst : *found)
    if (inst->value("_DisableApiTermination", false))
      return errors("OperationNotPermitted",
                    "The instance '" + (*inst)["InstanceId"].get<std::string>() +
                        "' may not be terminated. Modify its 'disableApiTermination' instance attribute and try "
                        "again.");
  std::string reason = "User initiated (" + gmt_now_text(clock_.now()) + ")";
  return change_states(scope, *found, "TerminatingInstances", [&](Value& inst) {
    std::string s = state_name(inst);
    if (s == "terminated" || s == "shutting-down") return false;
    begin_transition(scope, inst, "shutting-down", "terminated", reason);
    return true;
  });
}

Result<Output> Provider::modify_instance_attribute(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_instances(scope, Value::array({in.at("InstanceId")}));
  if (!found) return found.take_error();
  Value inst = *found->front();
  std::string id = inst["InstanceId"];
  bool stopped = state_name(inst) == "stopped";
  // The Attribute + Value form maps onto the same members.
  Value changes = in;
  if (in.contains("Attribute") && in.contains("Value")) {
    static const std::map<std::string, std::string> kAttr = {
        {"instanceType", "InstanceType"}, {"disableApiTermination", "DisableApiTermination"},
        {"instanceInitiatedShutdownBehavior", "InstanceInitiatedShutdownBehavior"},
        {"sourceDestCheck", "SourceDestCheck"}, {"ebsOptimized", "EbsOptimized"}, {"userData", "UserData"}};
    auto it = kAttr.find(in["Attribute"]);
    if (it == kAttr.end())
      return errors("InvalidParameterValue", "Value (" + in["Attribute"].get<std::string>() +
                                                 ") for parameter attribute is invalid.");
    Value v = in["Value"];
    if (it->second == "DisableApiTermination" || it->second == "SourceDestCheck" || it->second == "EbsOptimized")
      v = v == "true";
    changes[it->second] = {{"Value", v}};
  }
  const Value& c = changes;
  auto get = [&](const char* member) -> std::optional<Value> {
    if (c.contains(member) && c[member].is_object() && c[member].contains("Value")) return c[member]["Value"];
    return std::nullopt;
  };
  if (auto v = get("InstanceType")) {
    if (!stopped)
      return errors("IncorrectInstanceState", "The instance '" + id + "' is not in the 'stopped' state.");
    auto arch = instance_type_architecture(*v);
    if (!arch) return errors("InvalidParameterValue", "Invalid value '" + v->get<std::string>() + "' for InstanceType.");
    inst["InstanceType"] = *v;
  }
  if (auto v = get("UserData")) {
    if (!stopped)
      return errors("IncorrectInstanceState", "The instance '" + id + "' is not in the 'stopped' state.");
    inst["_UserData"] = text::base64_encode(v->is_binary() ? std::string(v->get_binary().begin(), v->get_binary().end())
                                                            : v->get<std::string>());
  }
  if (auto v = get("DisableApiTermination")) inst["_DisableApiTermination"] = *v;
  if (auto v = get("InstanceInitiatedShutdownBehavior")) inst["_ShutdownBehavior"] = *v;
  if (auto v = get("SourceDestCheck")) inst["SourceDestCheck"] = *v;
  if (auto v = get("EbsOptimized")) inst["EbsOptimized"] = *v;
  if (c.contains("Groups")) {
    Value groups = Value::array();
    for (const auto& gid : c["Groups"]) {
      const Value* sg = store_->get(scope, "security-group", gid);
      if (!sg) return errors("InvalidGroup.NotFound", "The security group '" + gid.get<std::string>() + "' does not exist");
      groups.push_back({{"GroupId", (*sg)["GroupId"]}, {"GroupName", (*sg)["GroupName"]}});
    }
    inst["SecurityGroups"] = groups;
    inst["NetworkInterfaces"][0]["Groups"] = groups;
  }
  NUAGE_TRY(store_->put(scope, "instance", id, std::move(inst)));
  return Output{};
}

Result<Output> Provider::describe_instance_attribute(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_instances(scope, Value::array({in.at("InstanceId")}));
  if (!found) return found.take_error();
  const Value& inst = *found->front();
  std::string attr = in.at("Attribute");
  Output out;
  out.value["InstanceId"] = inst["InstanceId"];
  auto wrap = [](const Value& v) { return Value{{"Value", v}}; };
  if (attr == "instanceType") out.value["InstanceType"] = wrap(inst["InstanceType"]);
  else if (attr == "userData") {
    std::string ud = inst.value("_UserData", "");
    out.value["UserData"] = ud.empty() ? Value::object() : wrap(ud);
  } else if (attr == "disableApiTermination") out.value["DisableApiTermination"] = wrap(inst.value("_DisableApiTermination", false));
  else if (attr == "disableApiStop") out.value["DisableApiStop"] = wrap(false);
  else if (attr == "instanceInitiatedShutdownBehavior") out.value["InstanceInitiatedShutdownBehavior"] = wrap(inst.value("_ShutdownBehavior", "stop"));
  else if (attr == "rootDeviceName") out.value["RootDeviceName"] = wrap(inst["RootDeviceName"]);
  else if (attr == "blockDeviceMapping") out.value["BlockDeviceMappings"] = inst["BlockDeviceMappings"];
  else if (attr == "sourceDestCheck") out.value["SourceDestCheck"] = wrap(inst.value("SourceDestCheck", true));
  else if (attr == "groupSet") out.value["Groups"] = inst["SecurityGroups"];
  else if (attr == "ebsOptimized") out.value["EbsOptimized"] = wrap(inst.value("EbsOptimized", false));
  else if (attr == "enaSupport") out.value["EnaSupport"] = wrap(true);
  else if (attr == "productCodes") out.value["ProductCodes"] = Value::array();
  else if (attr == "kernel" || attr == "ramdisk") out.value[attr == "kernel" ? "KernelId" : "RamdiskId"] = Value::object();
  else if (attr == "sriovNetSupport") out.value["SriovNetSupport"] = Value::object();
  else
    return errors("InvalidParameterValue", "Value (" + attr + ") for parameter attribute is invalid. Unknown attribute.");
  return out;
}

}  // namespace nuage::services::ec2
