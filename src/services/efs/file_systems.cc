// File systems: CreateFileSystem (idempotent by CreationToken), Describe,
// Update, Delete (refused while mount targets exist); their policies as
// stored documents; the older CreateTags / DeleteTags / DescribeTags.
#include <nlohmann/json.hpp>

#include <set>

#include "common/text.h"
#include "common/time.h"
#include "kit/tagging.h"
#include "services/efs/folders.h"
#include "services/efs/provider.h"

namespace nuage::services::efs {

using kit::Output;
using kit::Value;

namespace {

// What the files of a folder take, as EFS meters it (bytes of data; EFS adds
// metadata per file, which nuage does not invent).
uint64_t folder_bytes(const std::filesystem::path& root) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           root, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

std::string name_tag(const Value& tags) {
  for (const auto& t : tags)
    if (t.value("Key", "") == "Name") return t.value("Value", "");
  return "";
}

}  // namespace

Value Provider::describe(const Value& doc) const {
  Value out = doc;
  std::string name = name_tag(doc["Tags"]);
  if (!name.empty()) out["Name"] = name;
  size_t mounts = 0;
  for (auto [id, mt] : store_->all({doc["OwnerId"], doc["Region"]}, kMountTarget))
    if (mt["FileSystemId"] == doc["FileSystemId"]) ++mounts;
  out.erase("Region");
  out.erase("Policy");
  out.erase("LifecyclePolicies");
  out.erase("BackupPolicy");
  out["NumberOfMountTargets"] = mounts;
  uint64_t bytes = folder_bytes(folder(doc["FileSystemId"]));
  out["SizeInBytes"] = {{"Value", bytes},
                        {"Timestamp", timefmt::epoch_seconds(env_.clock.now())},
                        {"ValueInStandard", bytes},
                        {"ValueInIA", 0},
                        {"ValueInArchive", 0}};
  return out;
}

Result<Output> Provider::create_file_system(Context& ctx, const Value& in) {
  std::string token = in.at("CreationToken");
  for (auto [id, doc] : store_->all(scope_of(ctx), kFileSystem))
    if (doc["CreationToken"] == token)
      return errors("FileSystemAlreadyExists", "File system '" + id + "' already exists with creation token '" +
                                                   token + "'",
                    Value{{"ErrorCode", "FileSystemAlreadyExists"}, {"FileSystemId", id}});
  std::string throughput = in.value("ThroughputMode", "bursting");
  if (throughput == "provisioned" && !in.contains("ProvisionedThroughputInMibps"))
    return error("BadRequest", "ProvisionedThroughputInMibps is required when ThroughputMode is provisioned.");
  if (throughput != "provisioned" && in.contains("ProvisionedThroughputInMibps"))
    return error("BadRequest", "ProvisionedThroughputInMibps can only be set when ThroughputMode is provisioned.");
  if (in.contains("KmsKeyId") && !in.value("Encrypted", false))
    return error("BadRequest", "KmsKeyId requires Encrypted to be true.");
  std::string id = new_id("fs");
  Value doc = {{"OwnerId", ctx.account_id},
               {"Region", ctx.region},
               {"CreationToken", token},
               {"FileSystemId", id},
               {"FileSystemArn", arn(ctx, "file-system", id)},
               {"CreationTime", timefmt::epoch_seconds(ctx.clock->now())},
               {"LifeCycleState", "available"},
               {"PerformanceMode", in.value("PerformanceMode", "generalPurpose")},
               {"ThroughputMode", throughput},
               {"Encrypted", in.value("Encrypted", false)},
               {"FileSystemProtection", {{"ReplicationOverwriteProtection", "ENABLED"}}},
               {"Tags", in.value("Tags", Value::array())}};
  if (in.contains("ProvisionedThroughputInMibps")) doc["ProvisionedThroughputInMibps"] = in["ProvisionedThroughputInMibps"];
  if (doc["Encrypted"].get<bool>())
    doc["KmsKeyId"] = in.value("KmsKeyId", "arn:aws:kms:" + ctx.region + ":" + ctx.account_id + ":alias/aws/elasticfilesystem");
  if (in.contains("AvailabilityZoneName")) doc["AvailabilityZoneName"] = in["AvailabilityZoneName"];  // One Zone
  if (in.value("Backup", false)) doc["BackupPolicy"] = {{"Status", "ENABLED"}};
  if (doc["Tags"].size() > 50) return error("BadRequest", "Tag limit exceeded: a resource can have at most 50 tags.");
  std::error_code ec;
  std::filesystem::create_directories(folder(id), ec);
  if (ec) return errors("InternalServerError", "cannot create the file system's folder: " + ec.message());
  NUAGE_TRY(store_->put(scope_of(ctx), kFileSystem, id, doc));
  Output out;
  out.value = describe(doc);
  out.value["LifeCycleState"] = "creating";  // as AWS answers; available on the next read
  return out;
}

Result<Output> Provider::describe_file_systems(Context& ctx, const Value& in) {
  if (in.contains("FileSystemId") && in.contains("CreationToken"))
    return error("BadRequest", "Specify either FileSystemId or CreationToken, not both.");
  std::vector<const Value*> found;
  if (in.contains("FileSystemId")) {
    std::string id = in["FileSystemId"];
    id = id.substr(id.rfind('/') + 1);
    auto fs = file_system(ctx, id);
    if (!fs) return fs.take_error();
    found.push_back(*fs);
  } else {
    for (auto [id, doc] : store_->all(scope_of(ctx), kFileSystem))
      if (!in.contains("CreationToken") || doc["CreationToken"] == in["CreationToken"]) found.push_back(&doc);
  }
  auto start = page_start(in, "Marker", found.size());
  if (!start) return start.take_error();
  size_t max = static_cast<size_t>(std::clamp<int64_t>(in.value("MaxItems", int64_t{100}), 1, 100));
  Output out;
  out.value["FileSystems"] = Value::array();
  for (size_t i = *start; i < found.size() && i < *start + max; ++i) out.value["FileSystems"].push_back(describe(*found[i]));
  if (in.contains("Marker")) out.value["Marker"] = in["Marker"];
  if (*start + max < found.size()) out.value["NextMarker"] = std::to_string(*start + max);
  return out;
}

Result<Output> Provider::update_file_system(Context& ctx, const Value& in) {
  auto fs = file_system(ctx, in.at("FileSystemId"));
  if (!fs) return fs.take_error();
  Value doc = **fs;
  std::string mode = in.value("ThroughputMode", doc.value("ThroughputMode", "bursting"));
  if (mode == "provisioned" && !in.contains("ProvisionedThroughputInMibps") && !doc.contains("ProvisionedThroughputInMibps"))
    return error("BadRequest", "ProvisionedThroughputInMibps is required when ThroughputMode is provisioned.");
  doc["ThroughputMode"] = mode;
  if (mode == "provisioned") {
    if (in.contains("ProvisionedThroughputInMibps")) doc["ProvisionedThroughputInMibps"] = in["ProvisionedThroughputInMibps"];
  } else {
    doc.erase("ProvisionedThroughputInMibps");
  }
  NUAGE_TRY(store_->put(scope_of(ctx), kFileSystem, doc["FileSystemId"], doc));
  Output out;
  out.value = describe(doc);
  return out;
}

Result<Output> Provider::delete_file_system(Context& ctx, const Value& in) {
  std::string id = in.at("FileSystemId");
  auto fs = file_system(ctx, id);
  if (!fs) return fs.take_error();
  for (auto [mt_id, mt] : store_->all(scope_of(ctx), kMountTarget))
    if (mt["FileSystemId"] == id) return error("FileSystemInUse", "File system '" + id + "' has mount targets.");
  NUAGE_TRY(store_->transaction([&]() -> Status {
    std::vector<std::string> points;
    for (auto [ap_id, ap] : store_->all(scope_of(ctx), kAccessPoint))
      if (ap["FileSystemId"] == id) points.push_back(ap_id);
    for (const auto& ap_id : points) NUAGE_TRY(store_->erase(scope_of(ctx), kAccessPoint, ap_id));
    return store_->erase(scope_of(ctx), kFileSystem, id);
  }));
  std::error_code ec;
  std::filesystem::remove_all(folder(id), ec);
  return Output{};
}

// --- policies, stored as given (the file system policy is checked as JSON
// with a Statement that compiles, as AWS's PutFileSystemPolicy checks it;
// provider.cc evaluates it).

Result<Output> Provider::put_policy(Context& ctx, const Value& in) {
  auto fs = file_system(ctx, in.at("FileSystemId"));
  if (!fs) return fs.take_error();
  std::string policy = in.at("Policy");
  Value parsed = Value::parse(policy, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("Statement"))
    return error("InvalidPolicyException", "Policy document is malformed: it must be JSON with a Statement.");
  // It is evaluated on every call on the file system: it must compile.
  auto compiled = policies_.compile(policy);
  if (!compiled) return error("InvalidPolicyException", "Policy document is malformed: " + compiled.error().message);
  Value doc = **fs;
  doc["Policy"] = policy;
  NUAGE_TRY(store_->put(scope_of(ctx), kFileSystem, doc["FileSystemId"], doc));
  Output out;
  out.value = {{"FileSystemId", doc["FileSystemId"]}, {"Policy", policy}};
  return out;
}

Result<Output> Provider::describe_policy(Context& ctx, const Value& in) {
  auto fs = file_system(ctx, in.at("FileSystemId"));
  if (!fs) return fs.take_error();
  if (!(*fs)->contains("Policy"))
    return error("PolicyNotFound", "No policy has been set for file system '" + in["FileSystemId"].get<std::string>() + "'.");
  Output out;
  out.value = {{"FileSystemId", (**fs)["FileSystemId"]}, {"Policy", (**fs)["Policy"]}};
  return out;
}

Result<Output> Provider::delete_policy(Context& ctx, const Value& in) {
  auto fs = file_system(ctx, in.at("FileSystemId"));
  if (!fs) return fs.take_error();
  Value doc = **fs;
  doc.erase("Policy");
  NUAGE_TRY(store_->put(scope_of(ctx), kFileSystem, doc["FileSystemId"], doc));
  return Output{};
}

Result<Output> Provider::put_lifecycle(Context& ctx, const Value& in) {
  auto fs = file_system(ctx, in.at("FileSystemId"));
  if (!fs) return fs.take_error();
  Value doc = **fs;
  doc["LifecyclePolicies"] = in.at("LifecyclePolicies");
  NUAGE_TRY(store_->put(scope_of(ctx), kFileSystem, doc["FileSystemId"], doc));
  Output out;
  out.value = {{"LifecyclePolicies", doc["LifecyclePolicies"]}};
  return out;
}

Result<Output> Provider::describe_lifecycle(Context& ctx, const Value& in) {
  auto fs = file_system(ctx, in.at("FileSystemId"));
  if (!fs) return fs.take_error();
  Output out;
  out.value = {{"LifecyclePolicies", (*fs)->value("LifecyclePolicies", Value::array())}};
  return out;
}

Result<Output> Provider::put_backup_policy(Context& ctx, const Value& in) {
  auto fs = file_system(ctx, in.at("FileSystemId"));
  if (!fs) return fs.take_error();
  Value doc = **fs;
  std::string status = in.at("BackupPolicy").at("Status");
  if (status != "ENABLED" && status != "DISABLED")
    return error("ValidationException", "BackupPolicy.Status must be ENABLED or DISABLED.");
  doc["BackupPolicy"] = {{"Status", status}};
  NUAGE_TRY(store_->put(scope_of(ctx), kFileSystem, doc["FileSystemId"], doc));
  Output out;
  out.value = {{"BackupPolicy", doc["BackupPolicy"]}};
  return out;
}

Result<Output> Provider::describe_backup_policy(Context& ctx, const Value& in) {
  auto fs = file_system(ctx, in.at("FileSystemId"));
  if (!fs) return fs.take_error();
  if (!(*fs)->contains("BackupPolicy"))
    return error("PolicyNotFound", "Backup policy not found for file system '" +
                                       in["FileSystemId"].get<std::string>() + "'.");
  Output out;
  out.value = {{"BackupPolicy", (**fs)["BackupPolicy"]}};
  return out;
}

// --- the tagging operations of 2015, on file systems only.

Result<Output> Provider::create_tags(Context& ctx, const Value& in) {
  std::string id = in.at("FileSystemId");
  auto fs = file_system(ctx, id);
  if (!fs) return fs.take_error();
  storage::Tags add = kit::tags_from(in.at("Tags"));
  std::set<std::string> keys;
  for (const auto& [k, v] : store_->tags(scope_of(ctx), kFileSystem, id)) keys.insert(k);
  for (const auto& [k, v] : add) keys.insert(k);
  if (keys.size() > 50) return error("BadRequest", "Tag limit exceeded: a resource can have at most 50 tags.");
  NUAGE_TRY(store_->tag(scope_of(ctx), kFileSystem, id, add));
  return Output{};
}

Result<Output> Provider::delete_tags(Context& ctx, const Value& in) {
  std::string id = in.at("FileSystemId");
  auto fs = file_system(ctx, id);
  if (!fs) return fs.take_error();
  std::vector<std::string> keys = in.at("TagKeys").get<std::vector<std::string>>();
  NUAGE_TRY(store_->untag(scope_of(ctx), kFileSystem, id, keys));
  return Output{};
}

Result<Output> Provider::describe_tags(Context& ctx, const Value& in) {
  auto fs = file_system(ctx, in.at("FileSystemId"));
  if (!fs) return fs.take_error();
  const Value& tags = (**fs)["Tags"];
  auto start = page_start(in, "Marker", tags.size());
  if (!start) return start.take_error();
  size_t max = static_cast<size_t>(std::clamp<int64_t>(in.value("MaxItems", int64_t{100}), 1, 100));
  Output out;
  out.value["Tags"] = Value::array();
  for (size_t i = *start; i < tags.size() && i < *start + max; ++i) out.value["Tags"].push_back(tags[i]);
  if (*start + max < tags.size()) out.value["NextMarker"] = std::to_string(*start + max);
  return out;
}

}  // namespace nuage::services::efs
