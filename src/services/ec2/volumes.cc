// EBS volumes (create, attach, detach, modify, delete), snapshots of them,
// and images made from instances (their volumes' snapshots). Volumes and
// snapshots become available/completed at once; times come from the nuage
// clock, so a test can make them "old" by moving it.
//
// An attached volume shows in the instance's BlockDeviceMappings too:
// sync_instance_devices keeps the two sides in step.
#include <algorithm>

#include "common/text.h"
#include "common/time.h"
#include "services/ec2/catalog.h"
#include "services/ec2/provider.h"
#include "services/tag_list.h"

namespace nuage::services::ec2 {

using kit::Output;

namespace {

const FilterFields& volume_filters() {
  static const FilterFields f = {
      {"status", {"State"}},
      {"volume-id", {"VolumeId"}},
      {"attachment.instance-id", {"Attachments.InstanceId"}},
      {"attachment.device", {"Attachments.Device"}},
      {"attachment.status", {"Attachments.State"}},
      {"attachment.delete-on-termination", {"Attachments.DeleteOnTermination"}},
      {"availability-zone", {"AvailabilityZone"}},
      {"size", {"Size"}},
      {"volume-type", {"VolumeType"}},
      {"snapshot-id", {"SnapshotId"}},
      {"encrypted", {"Encrypted"}},
      {"multi-attach-enabled", {"MultiAttachEnabled"}},
      {"create-time", {"_CreateTimeText"}},
  };
  return f;
}

const FilterFields& snapshot_filters() {
  static const FilterFields f = {
      {"snapshot-id", {"SnapshotId"}},     {"volume-id", {"VolumeId"}},       {"status", {"State"}},
      {"owner-id", {"OwnerId"}},           {"owner-alias", {"OwnerAlias"}},   {"description", {"Description"}},
      {"volume-size", {"VolumeSize"}},     {"progress", {"Progress"}},        {"encrypted", {"Encrypted"}},
      {"start-time", {"_StartTimeText"}},  {"storage-tier", {"StorageTier"}},
  };
  return f;
}

const FilterFields& image_filters() {
  static const FilterFields f = {
      {"name", {"Name"}},
      {"image-id", {"ImageId"}},
      {"state", {"State"}},
      {"architecture", {"Architecture"}},
      {"owner-id", {"OwnerId"}},
      {"owner-alias", {"ImageOwnerAlias"}},
      {"is-public", {"Public"}},
      {"image-type", {"ImageType"}},
      {"root-device-type", {"RootDeviceType"}},
      {"root-device-name", {"RootDeviceName"}},
      {"virtualization-type", {"VirtualizationType"}},
      {"platform-details", {"PlatformDetails"}},
      {"description", {"Description"}},
      {"hypervisor", {"Hypervisor"}},
      {"ena-support", {"EnaSupport"}},
      {"usage-operation", {"UsageOperation"}},
      {"creation-date", {"CreationDate"}},
      {"block-device-mapping.snapshot-id", {"BlockDeviceMappings.Ebs.SnapshotId"}},
      {"block-device-mapping.volume-size", {"BlockDeviceMappings.Ebs.VolumeSize"}},
      {"block-device-mapping.volume-type", {"BlockDeviceMappings.Ebs.VolumeType"}},
      {"block-device-mapping.device-name", {"BlockDeviceMappings.DeviceName"}},
      {"block-device-mapping.delete-on-termination", {"BlockDeviceMappings.Ebs.DeleteOnTermination"}},
      {"block-device-mapping.encrypted", {"BlockDeviceMappings.Ebs.Encrypted"}},
      {"source-instance-id", {"SourceInstanceId"}},
  };
  return f;
}

// Size limits per volume type (GiB).
std::optional<std::pair<int64_t, int64_t>> size_limits(const std::string& type) {
  if (type == "gp2" || type == "gp3") return std::make_pair(int64_t{1}, int64_t{16384});
  if (type == "io1") return std::make_pair(int64_t{4}, int64_t{16384});
  if (type == "io2") return std::make_pair(int64_t{4}, int64_t{65536});
  if (type == "st1" || type == "sc1") return std::make_pair(int64_t{125}, int64_t{16384});
  if (type == "standard") return std::make_pair(int64_t{1}, int64_t{1024});
  return std::nullopt;
}

bool valid_zone(const std::string& region, const std::string& zone) {
  for (const char* s : {"a", "b", "c"})
    if (zone == region + s) return true;
  return false;
}

Value split_tags(const Value& in, const std::string& type, std::string* bad) {
  Value tags = Value::array();
  for (const auto& spec : in.value("TagSpecifications", Value::array())) {
    std::string rt = spec.value("ResourceType", "");
    if (rt != "image" && rt != "snapshot" && bad) *bad = rt;
    if (rt != type) continue;
    for (const auto& t : spec.value("Tags", Value::array()))
      tags.push_back({{"Key", t.value("Key", "")}, {"Value", t.value("Value", "")}});
  }
  return tags;
}

}  // namespace

Status Provider::sync_instance_devices(const Scope& scope, const std::string& instance_id,
                                       const std::string& volume_id, const Value* attachment) {
  const Value* inst = store_->get(scope, "instance", instance_id);
  if (!inst) return Status::Ok();
  Value doc = *inst;
  Value kept = Value::array();
  for (const auto& bdm : doc.value("BlockDeviceMappings", Value::array()))
    if (bdm.value("Ebs", Value::object()).value("VolumeId", "") != volume_id) kept.push_back(bdm);
  if (attachment)
    kept.push_back({{"DeviceName", (*attachment)["Device"]},
                    {"Ebs",
                     {{"VolumeId", volume_id},
                      {"Status", "attached"},
                      {"AttachTime", (*attachment)["AttachTime"]},
                      {"DeleteOnTermination", attachment->value("DeleteOnTermination", false)}}}});
  doc["BlockDeviceMappings"] = kept;
  return store_->put(scope, "instance", instance_id, doc);
}

// ----------------------------------------------------------------- volumes

Result<Output> Provider::create_volume(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string zone = in.value("AvailabilityZone", "");
  if (zone.empty() && in.contains("AvailabilityZoneId")) {
    std::string zid = in["AvailabilityZoneId"];
    auto found = find_zone(scope.region, zid);
    if (!found || found->id != zid) return errors("InvalidZone.NotFound", "Invalid availability zone: [" + zid + "]");
    zone = found->name;
  }
  if (zone.empty()) return errors("MissingParameter", "The request must contain the parameter AvailabilityZone");
  if (!valid_zone(scope.region, zone)) return errors("InvalidZone.NotFound", "Invalid availability zone: [" + zone + "]");
  std::string type = in.value("VolumeType", "gp2");
  auto limits = size_limits(type);
  if (!limits) return errors("InvalidParameterValue", "Value (" + type + ") for parameter volumeType is invalid.");
  std::string snapshot_id = in.value("SnapshotId", "");
  int64_t size = in.value("Size", int64_t{0});
  bool encrypted = in.value("Encrypted", false);
  if (!snapshot_id.empty()) {
    auto snap = find_resource(scope, "snapshot", snapshot_id);
    if (!snap) return snap.take_error();
    int64_t min = (**snap).value("VolumeSize", int64_t{1});
    if (size == 0) size = min;
    if (size < min)
      return errors("InvalidParameterValue", "Volume of " + std::to_string(size) + "GiB is too small; minimum is " +
                                                 std::to_string(min) + "GiB.");
    encrypted = encrypted || (**snap).value("Encrypted", false);
  } else if (!in.contains("Size")) {
    return errors("MissingParameter", "The request must contain the parameter size or snapshotId");
  }
  if (size < limits->first)
    return errors("InvalidParameterValue", "Volume of " + std::to_string(size) + "GiB is too small; minimum is " +
                                               std::to_string(limits->first) + "GiB.");
  if (size > limits->second)
    return errors("InvalidParameterValue", "Volume of size " + std::to_string(size) + "GiB is too large; maximum is " +
                                               std::to_string(limits->second) + "GiB.");
  int64_t iops = 0;
  if (type == "io1" || type == "io2") {
    if (!in.contains("Iops"))
      return errors("MissingParameter", "The request must contain the parameter iops");
    iops = in["Iops"].get<int64_t>();
  } else if (type == "gp3") {
    iops = in.value("Iops", int64_t{3000});
  } else if (type == "gp2") {
    iops = std::clamp<int64_t>(3 * size, 100, 16000);
  }
  auto tags = tags_from_specs(in, "volume");
  if (!tags) return tags.take_error();
  std::string id = new_id("vol");
  double now = now_seconds();
  Value vol = {{"VolumeId", id},
               {"Size", size},
               {"SnapshotId", snapshot_id},
               {"AvailabilityZone", zone},
               {"State", "available"},
               {"CreateTime", now},
               {"_CreateTimeText", timefmt::iso8601(clock_.now(), true)},
               {"VolumeType", type},
               {"Encrypted", encrypted},
               {"MultiAttachEnabled", in.value("MultiAttachEnabled", false)},
               {"Attachments", Value::array()},
               {"Tags", *tags}};
  if (iops > 0) vol["Iops"] = iops;
  if (type == "gp3") vol["Throughput"] = in.value("Throughput", int64_t{125});
  if (in.contains("KmsKeyId")) vol["KmsKeyId"] = in["KmsKeyId"];
  NUAGE_TRY(store_->put(scope, "volume", id, vol));
  Output out;
  out.value = vol;
  out.value["State"] = "creating";  // what EC2 answers; it is available at once
  return out;
}

Result<Output> Provider::describe_volumes(Context& ctx, const Value& in) {
  return describe_kind(scope_of(ctx), in, "volume", "VolumeIds", "Volumes", volume_filters(), 5, 500);
}

Result<Output> Provider::attach_volume(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vol = find_resource(scope, "volume", in.value("VolumeId", ""));
  if (!vol) return vol.take_error();
  auto found = find_instances(scope, Value::array({in.value("InstanceId", "")}));
  if (!found) return found.take_error();
  const Value& inst = *found->front();
  std::string vol_id = (**vol)["VolumeId"], inst_id = inst["InstanceId"];
  std::string device = in.value("Device", "");
  if (device.empty()) return errors("MissingParameter", "The request must contain the parameter device");
  if (!text::starts_with(device, "/dev/") && !text::starts_with(device, "xvd"))
    return errors("InvalidParameterValue",
                  "Value (" + device + ") for parameter device is invalid. " + device + " is not a valid EBS device name.");
  std::string state = state_name(inst);
  if (state != "running" && state != "stopped")
    return errors("IncorrectInstanceState", "The instance '" + inst_id + "' is not in the 'running' or 'stopped' state.");
  if ((**vol)["State"] != "available") {
    if (!(**vol)["Attachments"].empty())
      return errors("VolumeInUse", vol_id + " is already attached to an instance");
    return errors("IncorrectState", "vol '" + vol_id + "' is not 'available'.");
  }
  if ((**vol)["AvailabilityZone"] != inst["Placement"]["AvailabilityZone"])
    return errors("InvalidVolume.ZoneMismatch", "The volume '" + vol_id +
                                                    "' is not in the same availability zone as instance '" + inst_id + "'");
  for (const auto& bdm : inst.value("BlockDeviceMappings", Value::array()))
    if (bdm.value("DeviceName", "") == device)
      return errors("InvalidParameterValue", "Invalid value '" + device + "' for unixDevice. Attachment point " + device +
                                                 " is already in use");
  Value attachment = {{"VolumeId", vol_id},     {"InstanceId", inst_id},    {"Device", device},
                      {"State", "attached"},     {"AttachTime", now_seconds()}, {"DeleteOnTermination", false}};
  Value doc = **vol;
  doc["State"] = "in-use";
  doc["Attachments"] = Value::array({attachment});
  Status st = store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, "volume", vol_id, doc));
    return sync_instance_devices(scope, inst_id, vol_id, &attachment);
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value = attachment;
  out.value["State"] = "attaching";
  return out;
}

Result<Output> Provider::detach_volume(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vol = find_resource(scope, "volume", in.value("VolumeId", ""));
  if (!vol) return vol.take_error();
  std::string vol_id = (**vol)["VolumeId"];
  if ((**vol)["Attachments"].empty())
    return errors("IncorrectState", "Volume '" + vol_id + "' is in the '" + (**vol)["State"].get<std::string>() +
                                        "' state.");
  Value attachment = (**vol)["Attachments"][0];
  std::string inst_id = attachment.value("InstanceId", "");
  if (in.contains("InstanceId") && in["InstanceId"] != inst_id)
    return errors("InvalidAttachment.NotFound", "Volume '" + vol_id + "' can not be detached from instance '" +
                                                    in["InstanceId"].get<std::string>() +
                                                    "' because it is not attached");
  if (in.contains("Device") && in["Device"] != attachment["Device"])
    return errors("InvalidAttachment.NotFound", "Volume '" + vol_id + "' is not attached at " +
                                                    in["Device"].get<std::string>());
  if (const Value* inst = store_->get(scope, "instance", inst_id)) {
    std::string state = state_name(*inst);
    if (attachment["Device"] == inst->value("RootDeviceName", "") && state != "stopped" && state != "terminated")
      return errors("IncorrectState", "Unable to detach root volume '" + vol_id + "' from instance '" + inst_id + "'");
  }
  Value doc = **vol;
  doc["State"] = "available";
  doc["Attachments"] = Value::array();
  Status st = store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, "volume", vol_id, doc));
    return sync_instance_devices(scope, inst_id, vol_id, nullptr);
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value = attachment;
  out.value["State"] = "detaching";
  return out;
}

Result<Output> Provider::delete_volume(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vol = find_resource(scope, "volume", in.value("VolumeId", ""));
  if (!vol) return vol.take_error();
  std::string vol_id = (**vol)["VolumeId"];
  if (!(**vol)["Attachments"].empty())
    return errors("VolumeInUse", "Volume " + vol_id + " is currently attached to " +
                                     (**vol)["Attachments"][0].value("InstanceId", ""));
  NUAGE_TRY(store_->erase(scope, "volume", vol_id));
  return Output{};
}

Result<Output> Provider::modify_volume(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vol = find_resource(scope, "volume", in.value("VolumeId", ""));
  if (!vol) return vol.take_error();
  Value doc = **vol;
  std::string type = in.value("VolumeType", doc.value("VolumeType", "gp2"));
  auto limits = size_limits(type);
  if (!limits) return errors("InvalidParameterValue", "Value (" + type + ") for parameter volumeType is invalid.");
  int64_t size = in.value("Size", doc.value("Size", int64_t{1}));
  if (size < doc.value("Size", int64_t{1}))
    return errors("InvalidParameterValue", "New size cannot be smaller than existing size");
  if (size > limits->second)
    return errors("InvalidParameterValue", "Volume of size " + std::to_string(size) + "GiB is too large; maximum is " +
                                               std::to_string(limits->second) + "GiB.");
  Value mod = {{"VolumeId", doc["VolumeId"]},
               {"ModificationState", "optimizing"},
               {"OriginalSize", doc["Size"]},
               {"OriginalVolumeType", doc["VolumeType"]},
               {"Progress", 0},
               {"StartTime", now_seconds()}};
  if (doc.contains("Iops")) mod["OriginalIops"] = doc["Iops"];
  doc["Size"] = size;
  doc["VolumeType"] = type;
  if (in.contains("Iops")) doc["Iops"] = in["Iops"];
  if (in.contains("Throughput")) doc["Throughput"] = in["Throughput"];
  if (in.contains("MultiAttachEnabled")) doc["MultiAttachEnabled"] = in["MultiAttachEnabled"];
  mod["TargetSize"] = size;
  mod["TargetVolumeType"] = type;
  if (doc.contains("Iops")) mod["TargetIops"] = doc["Iops"];
  NUAGE_TRY(store_->put(scope, "volume", doc["VolumeId"], doc));
  Output out;
  out.value["VolumeModification"] = mod;
  return out;
}

// --------------------------------------------------------------- snapshots

namespace {

Value snapshot_doc(const std::string& id, const Value& vol, const std::string& account, double now,
                   const std::string& now_text, const std::string& description, const Value& tags) {
  return {{"SnapshotId", id},
          {"VolumeId", vol["VolumeId"]},
          {"State", "completed"},
          {"StartTime", now},
          {"_StartTimeText", now_text},
          {"CompletionTime", now},
          {"Progress", "100%"},
          {"OwnerId", account},
          {"Description", description},
          {"VolumeSize", vol["Size"]},
          {"Encrypted", vol.value("Encrypted", false)},
          {"StorageTier", "standard"},
          {"Tags", tags}};
}

// An image this account owns (DescribeImages' Image).
Value image_doc(const std::string& id, const std::string& account, const std::string& name,
                const std::string& now_text, const std::string& architecture, const std::string& root_device,
                const Value& mappings, const Value& tags) {
  return {{"ImageId", id},
          {"ImageLocation", account + "/" + name},
          {"State", "available"},
          {"OwnerId", account},
          {"CreationDate", now_text},
          {"Public", false},
          {"Architecture", architecture},
          {"ImageType", "machine"},
          {"Name", name},
          {"RootDeviceName", root_device},
          {"RootDeviceType", "ebs"},
          {"VirtualizationType", "hvm"},
          {"Hypervisor", "xen"},
          {"EnaSupport", true},
          {"PlatformDetails", "Linux/UNIX"},
          {"UsageOperation", "RunInstances"},
          {"BlockDeviceMappings", mappings},
          {"Tags", tags}};
}

// AMI names: 3 to 128 characters of a small alphabet, unique per account
// and region.
std::optional<AwsError> bad_image_name(const std::string& name) {
  if (name.size() < 3 || name.size() > 128 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789()[] ./-'@_") !=
          std::string::npos)
    return errors("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long, and may "
                  "contain letters, numbers, '(', ')', '.', '-', '/' and '_'");
  return std::nullopt;
}

}  // namespace

Result<Output> Provider::create_snapshot(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vol = find_resource(scope, "volume", in.value("VolumeId", ""));
  if (!vol) return vol.take_error();
  auto tags = tags_from_specs(in, "snapshot");
  if (!tags) return tags.take_error();
  std::string id = new_id("snap");
  Value snap = snapshot_doc(id, **vol, scope.account, now_seconds(), timefmt::iso8601(clock_.now(), true),
                            in.value("Description", ""), *tags);
  NUAGE_TRY(store_->put(scope, "snapshot", id, snap));
  Output out;
  out.value = snap;
  return out;
}

Result<Output> Provider::describe_snapshots(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  // Only this account's snapshots exist here: other owners ("amazon", other
  // accounts) have none to show.
  if (in.contains("OwnerIds") && !in["OwnerIds"].empty()) {
    bool mine = false;
    for (const auto& o : in["OwnerIds"]) mine |= o == "self" || o == scope.account;
    if (!mine) {
      NUAGE_TRY(check_filters(filters_of(in), snapshot_filters()));
      Output out;
      out.value["Snapshots"] = Value::array();
      return out;
    }
  }
  return describe_kind(scope, in, "snapshot", "SnapshotIds", "Snapshots", snapshot_filters(), 5, 1000);
}

Result<Output> Provider::delete_snapshot(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto snap = find_resource(scope, "snapshot", in.value("SnapshotId", ""));
  if (!snap) return snap.take_error();
  std::string id = (**snap)["SnapshotId"];
  for (const auto& [image_id, image] : store_->all(scope, "image"))
    for (const auto& bdm : image.value("BlockDeviceMappings", Value::array()))
      if (bdm.value("Ebs", Value::object()).value("SnapshotId", "") == id)
        return errors("InvalidSnapshot.InUse", "The snapshot " + id + " is currently in use by " + image_id);
  NUAGE_TRY(store_->erase(scope, "snapshot", id));
  return Output{};
}

// ------------------------------------------------------------------ images

Result<Output> Provider::create_image(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_instances(scope, Value::array({in.value("InstanceId", "")}));
  if (!found) return found.take_error();
  const Value& inst = *found->front();
  std::string inst_id = inst["InstanceId"];
  std::string state = state_name(inst);
  if (state != "running" && state != "stopped")
    return errors("IncorrectInstanceState", "The instance '" + inst_id + "' is not in the 'running' or 'stopped' state.");
  std::string name = in.value("Name", "");
  NUAGE_TRY(check_new_image_name(scope, name));
  std::string bad;
  Value image_tags = split_tags(in, "image", &bad);
  Value snapshot_tags = split_tags(in, "snapshot", nullptr);
  if (!bad.empty())
    return errors("InvalidParameterValue", "'" + bad + "' is not a valid taggable resource type for this operation.");
  auto source = image(scope, inst["ImageId"]);
  std::string image_id = new_id("ami");
  double now = now_seconds();
  std::string now_text = timefmt::iso8601(clock_.now(), true);
  Value mappings = Value::array();
  std::vector<Value> snapshots;
  for (const auto& bdm : inst.value("BlockDeviceMappings", Value::array())) {
    std::string vol_id = bdm.value("Ebs", Value::object()).value("VolumeId", "");
    const Value* vol = store_->get(scope, "volume", vol_id);
    if (!vol) continue;
    std::string snap_id = new_id("snap");
    snapshots.push_back(snapshot_doc(snap_id, *vol, scope.account, now, now_text,
                                     "Created by CreateImage(" + inst_id + ") for " + image_id, snapshot_tags));
    mappings.push_back({{"DeviceName", bdm["DeviceName"]},
                        {"Ebs",
                         {{"DeleteOnTermination", bdm["Ebs"].value("DeleteOnTermination", true)},
                          {"SnapshotId", snap_id},
                          {"VolumeSize", (*vol)["Size"]},
                          {"VolumeType", (*vol)["VolumeType"]},
                          {"Encrypted", vol->value("Encrypted", false)}}}});
  }
  Value doc = image_doc(image_id, scope.account, name, now_text, inst.value("Architecture", "x86_64"),
                        inst.value("RootDeviceName", "/dev/xvda"), mappings, image_tags);
  doc["PlatformDetails"] = inst.value("PlatformDetails", "Linux/UNIX");
  doc["SourceInstanceId"] = inst_id;
  if (in.contains("Description")) doc["Description"] = in["Description"];
  else if (source) doc["Description"] = (*source).value("Description", "");
  Status st = store_->transaction([&]() -> Status {
    for (const auto& s : snapshots) NUAGE_TRY(store_->put(scope, "snapshot", s["SnapshotId"], s));
    return store_->put(scope, "image", image_id, doc);
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value["ImageId"] = image_id;
  return out;
}

Result<Output> Provider::describe_images(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, image_filters()));
  std::vector<Value> candidates;
  if (in.contains("ImageIds") && !in["ImageIds"].empty()) {
    for (const auto& id : in["ImageIds"]) {
      auto img = image(scope, id.get<std::string>());
      if (!img) return img.take_error();
      candidates.push_back(*img);
    }
  } else {
    for (const auto& [id, img] : store_->all(scope, "image")) candidates.push_back(img);
    for (auto& img : public_images(scope.region)) candidates.push_back(std::move(img));
  }
  Value owners = in.value("Owners", Value::array());
  std::vector<Value> matched;
  for (auto& img : candidates) {
    if (!owners.empty()) {
      bool ok = false;
      for (const auto& o : owners) {
        std::string owner = o;
        ok |= (owner == "self" && img.value("OwnerId", "") == scope.account) ||
              owner == img.value("OwnerId", "") || owner == img.value("ImageOwnerAlias", "-");
      }
      if (!ok) continue;
    }
    if (matches(img, filters, image_filters())) matched.push_back(std::move(img));
  }
  auto page = paginate(matched.size(), in, 5, 1000);
  if (!page) return page.take_error();
  Output out;
  out.value["Images"] = Value::array();
  for (size_t i = page->begin; i < page->end; ++i) out.value["Images"].push_back(matched[i]);
  if (!page->next_token.empty()) out.value["NextToken"] = page->next_token;
  return out;
}

Status Provider::check_new_image_name(const Scope& scope, const std::string& name) {
  if (auto bad = bad_image_name(name)) return *bad;
  for (const auto& [id, image] : store_->all(scope, "image"))
    if (image["Name"] == name)
      return errors("InvalidAMIName.Duplicate", "AMI name " + name + " is already in use by AMI " + id);
  return Status::Ok();
}

Result<Output> Provider::register_image(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string name = in.value("Name", "");
  NUAGE_TRY(check_new_image_name(scope, name));
  std::string root = in.value("RootDeviceName", "");
  Value mappings = in.value("BlockDeviceMappings", Value::array());
  if (root.empty() || mappings.empty())
    return errors("InvalidParameterValue", "An EBS-backed image needs a RootDeviceName and BlockDeviceMappings "
                  "(S3-backed images are not supported).");
  bool root_mapped = false;
  for (auto& bdm : mappings) {
    root_mapped |= bdm.value("DeviceName", "") == root;
    if (!bdm.contains("Ebs")) continue;
    Value& ebs = bdm["Ebs"];
    std::string snap_id = ebs.value("SnapshotId", "");
    if (snap_id.empty()) continue;
    auto snap = find_resource(scope, "snapshot", snap_id);
    if (!snap) return snap.take_error();
    if (!ebs.contains("VolumeSize")) ebs["VolumeSize"] = (**snap)["VolumeSize"];
    if (!ebs.contains("DeleteOnTermination")) ebs["DeleteOnTermination"] = true;
    if (!ebs.contains("VolumeType")) ebs["VolumeType"] = "gp3";
    if (!ebs.contains("Encrypted")) ebs["Encrypted"] = (**snap).value("Encrypted", false);
  }
  if (!root_mapped)
    return errors("InvalidBlockDeviceMapping", "The device name " + root + " of the root device is not mapped.");
  std::string architecture = in.value("Architecture", "x86_64");
  if (architecture != "x86_64" && architecture != "arm64" && architecture != "i386")
    return errors("InvalidParameterValue", "Invalid value '" + architecture + "' for architecture.");
  auto tags = tags_from_specs(in, "image");
  if (!tags) return tags.take_error();
  std::string image_id = new_id("ami");
  Value doc = image_doc(image_id, scope.account, name, timefmt::iso8601(clock_.now(), true), architecture, root,
                        mappings, *tags);
  if (in.contains("Description")) doc["Description"] = in["Description"];
  if (in.contains("EnaSupport")) doc["EnaSupport"] = in["EnaSupport"];
  if (in.contains("BootMode")) doc["BootMode"] = in["BootMode"];
  NUAGE_TRY(store_->put(scope, "image", image_id, doc));
  Output out;
  out.value["ImageId"] = image_id;
  return out;
}

Result<Output> Provider::copy_snapshot(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  Scope source_scope{scope.account, in.value("SourceRegion", scope.region)};
  std::string source_id = in.value("SourceSnapshotId", "");
  auto source = find_resource(source_scope, "snapshot", source_id);
  if (!source) return source.take_error();
  auto tags = tags_from_specs(in, "snapshot");
  if (!tags) return tags.take_error();
  std::string id = new_id("snap");
  std::string description = in.value("Description", "[Copied " + source_id + " from " + source_scope.region + "]");
  // A copy has no source volume of its own: EC2 shows vol-ffffffff.
  Value volume = {{"VolumeId", "vol-ffffffff"}, {"Size", (**source)["VolumeSize"]},
                  {"Encrypted", in.value("Encrypted", (**source).value("Encrypted", false))}};
  Value snap = snapshot_doc(id, volume, scope.account, now_seconds(), timefmt::iso8601(clock_.now(), true),
                            description, *tags);
  NUAGE_TRY(store_->put(scope, "snapshot", id, snap));
  Output out;
  out.value = {{"SnapshotId", id}, {"Tags", *tags}};
  return out;
}

Result<Output> Provider::copy_image(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  Scope source_scope{scope.account, in.value("SourceRegion", scope.region)};
  std::string source_id = in.value("SourceImageId", "");
  auto source = image(source_scope, source_id);
  if (!source) return source.take_error();
  std::string name = in.value("Name", "");
  NUAGE_TRY(check_new_image_name(scope, name));
  auto tags = tags_from_specs(in, "image");
  if (!tags) return tags.take_error();
  Value image_tags = *tags;
  if (in.value("CopyImageTags", false)) image_tags = merge_tags((*source).value("Tags", Value::array()), *tags);
  std::string image_id = new_id("ami");
  double now = now_seconds();
  std::string now_text = timefmt::iso8601(clock_.now(), true);
  // Each EBS mapping gets a snapshot of its own in the destination region.
  Value mappings = (*source).value("BlockDeviceMappings", Value::array());
  std::vector<Value> snapshots;
  for (auto& bdm : mappings) {
    if (!bdm.contains("Ebs") || !bdm["Ebs"].contains("SnapshotId")) continue;
    Value& ebs = bdm["Ebs"];
    std::string snap_id = new_id("snap");
    Value volume = {{"VolumeId", "vol-ffffffff"}, {"Size", ebs.value("VolumeSize", 8)},
                    {"Encrypted", in.value("Encrypted", ebs.value("Encrypted", false))}};
    snapshots.push_back(snapshot_doc(snap_id, volume, scope.account, now, now_text,
                                     "Copied for DestinationAmi " + image_id + " from SourceAmi " + source_id + " for "
                                     "SourceSnapshot " + ebs.value("SnapshotId", "") + ". Task created on " + now_text,
                                     Value::array()));
    ebs["SnapshotId"] = snap_id;
    ebs["Encrypted"] = volume["Encrypted"];
  }
  Value doc = image_doc(image_id, scope.account, name, now_text, (*source).value("Architecture", "x86_64"),
                        (*source).value("RootDeviceName", "/dev/xvda"), mappings, image_tags);
  doc["PlatformDetails"] = (*source).value("PlatformDetails", "Linux/UNIX");
  doc["Description"] = in.value("Description", (*source).value("Description", ""));
  doc["SourceImageId"] = source_id;
  doc["SourceImageRegion"] = source_scope.region;
  Status st = store_->transaction([&]() -> Status {
    for (const auto& snap : snapshots) NUAGE_TRY(store_->put(scope, "snapshot", snap["SnapshotId"], snap));
    return store_->put(scope, "image", image_id, doc);
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value["ImageId"] = image_id;
  return out;
}

Result<Output> Provider::deregister_image(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("ImageId", "");
  if (!store_->get(scope, "image", id)) {
    if (!public_image(id, scope.region).is_null())
      return errors("AuthFailure", "Not authorized for image:" + id);
    auto missing = find_resource(scope, "image", id);
    return missing.take_error();
  }
  Value image = *store_->get(scope, "image", id);
  Output out;
  out.value["Return"] = true;
  Status st = store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->erase(scope, "image", id));
    if (!in.value("DeleteAssociatedSnapshots", false)) return Status::Ok();
    out.value["DeleteSnapshotResults"] = Value::array();
    for (const auto& bdm : image.value("BlockDeviceMappings", Value::array())) {
      std::string snap = bdm.value("Ebs", Value::object()).value("SnapshotId", "");
      if (snap.empty() || !store_->get(scope, "snapshot", snap)) continue;
      NUAGE_TRY(store_->erase(scope, "snapshot", snap));
      out.value["DeleteSnapshotResults"].push_back({{"SnapshotId", snap}, {"ReturnCode", "success"}});
    }
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace nuage::services::ec2
