#include "services/efs/provider.h"

#include <nlohmann/json.hpp>
#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "kit/tagging.h"
#include "services/efs/folders.h"

namespace nuage::services::efs {

const kit::Errors errors("efs");

AwsError error(const std::string& shape, const std::string& message) {
  return errors(shape, message, kit::Value{{"ErrorCode", shape}});
}

std::string new_id(const std::string& prefix) {
  return prefix + "-" + text::hex_encode(crypto::random_bytes(9)).substr(0, 17);
}

std::string arn(const kit::RequestContext& ctx, const std::string& kind, const std::string& id) {
  return "arn:aws:elasticfilesystem:" + ctx.region + ":" + ctx.account_id + ":" + kind + "/" + id;
}

Result<const kit::Value*> Provider::file_system(const Context& ctx, const std::string& id) const {
  const Value* doc = store_->get(scope_of(ctx), kFileSystem, id);
  if (!doc) return error("FileSystemNotFound", "File system '" + id + "' does not exist.");
  return doc;
}

std::filesystem::path Provider::folder(const std::string& fs_id) const {
  return file_system_folder(env_.work_dir, fs_id);
}

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "efs";
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  store_ = std::move(*store);
  return Status::Ok();
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  std::filesystem::remove_all(env_.work_dir / "efs", ec);
  store_->clear();
}

// GET /_nuage/efs: every file system with the host folder that holds its
// files, so a user can put files where functions will find them.
void Provider::register_routes(kit::Routes& routes) {
  routes.emplace_back("/_nuage/efs", [this](http::Request&) {
    nlohmann::json out = nlohmann::json::array();
    {
      std::lock_guard lock(mutex_);
      store_->for_each(kFileSystem, [&](const storage::Scope& scope, const std::string& id, const Value&) {
        out.push_back({{"FileSystemId", id},
                       {"Account", scope.account},
                       {"Region", scope.region},
                       {"Path", folder(id).string()}});
      });
    }
    http::Response res;
    res.status = 200;
    res.headers.set("Content-Type", "application/json");
    res.body = nlohmann::json{{"FileSystems", out}}.dump(2) + "\n";
    return res;
  });
}

// The resource a call names, for IAM: a file system or access point ARN.
static std::vector<std::string> resource_arn(const kit::RequestContext& ctx, const kit::Value& in) {
  for (const char* member : {"FileSystemId", "AccessPointId", "ResourceId"}) {
    auto it = in.find(member);
    if (it == in.end() || !it->is_string()) continue;
    std::string id = *it;
    if (text::starts_with(id, "arn:")) return {id};
    return {arn(ctx, text::starts_with(id, "fsap-") ? "access-point" : "file-system", id)};
  }
  return {"*"};
}

std::optional<policy::ResourcePolicy> Provider::resource_policy(const Context& ctx,
                                                                 const kit::ActionTarget& target) {
  // arn:aws:elasticfilesystem:<region>:<account>:file-system/<fs-id>
  auto parts = text::split(target.resource, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "elasticfilesystem" ||
      !text::starts_with(parts[5], "file-system/"))
    return std::nullopt;
  const std::string &region = parts[3], &account = parts[4];
  std::string id = parts[5].substr(std::string("file-system/").size());
  std::string document;
  {
    std::lock_guard lock(mutex_);
    const Value* doc = store_->get({account, region}, kFileSystem, id);
    // Another account's file system that does not exist is still that
    // account's: no one else may act on it.
    if (!doc)
      return account == ctx.account_id ? std::nullopt
                                       : std::optional(policy::ResourcePolicy{account, target.resource, nullptr, false});
    document = doc->value("Policy", "");
  }
  policy::ResourcePolicy out{account, target.resource, nullptr, false};
  // The owner's root may always read, replace and delete the policy, so a
  // policy can never lock the account out of its own file system.
  static const std::set<std::string> kLockoutExempt = {"elasticfilesystem:DescribeFileSystemPolicy",
                                                       "elasticfilesystem:PutFileSystemPolicy",
                                                       "elasticfilesystem:DeleteFileSystemPolicy"};
  if (!ctx.anonymous && ctx.caller.type == auth::PrincipalType::kRoot && ctx.caller.account_id == account &&
      kLockoutExempt.count(target.action))
    return out;
  if (document.empty()) return out;
  auto compiled = policies_.compile(document);
  if (compiled) out.policy = *compiled;
  return out;
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_iam_prefix("elasticfilesystem");  // AWS's actions are elasticfilesystem:*, not efs:*
  table.set_default_resources(resource_arn);
  table.set_resource_policies(
      [this](const Context& ctx, const kit::ActionTarget& target) { return resource_policy(ctx, target); });
  table.add_locked("CreateFileSystem", this, mutex_, &Provider::create_file_system);
  table.add_locked("DescribeFileSystems", this, mutex_, &Provider::describe_file_systems);
  table.add_locked("DeleteFileSystem", this, mutex_, &Provider::delete_file_system);
  table.add_locked("UpdateFileSystem", this, mutex_, &Provider::update_file_system);
  table.add_locked("PutFileSystemPolicy", this, mutex_, &Provider::put_policy);
  table.add_locked("DescribeFileSystemPolicy", this, mutex_, &Provider::describe_policy);
  table.add_locked("DeleteFileSystemPolicy", this, mutex_, &Provider::delete_policy);
  table.add_locked("PutLifecycleConfiguration", this, mutex_, &Provider::put_lifecycle);
  table.add_locked("DescribeLifecycleConfiguration", this, mutex_, &Provider::describe_lifecycle);
  table.add_locked("PutBackupPolicy", this, mutex_, &Provider::put_backup_policy);
  table.add_locked("DescribeBackupPolicy", this, mutex_, &Provider::describe_backup_policy);
  table.add_locked("CreateTags", this, mutex_, &Provider::create_tags);
  table.add_locked("DeleteTags", this, mutex_, &Provider::delete_tags);
  table.add_locked("DescribeTags", this, mutex_, &Provider::describe_tags);
  table.add_locked("CreateAccessPoint", this, mutex_, &Provider::create_access_point);
  table.add_locked("DescribeAccessPoints", this, mutex_, &Provider::describe_access_points);
  table.add_locked("DeleteAccessPoint", this, mutex_, &Provider::delete_access_point);
  // Mount targets call EC2 for their network interfaces: they lock inside.
  table.add("CreateMountTarget", [this](Context& ctx, const Value& in) { return create_mount_target(ctx, in); });
  table.add("DescribeMountTargets", [this](Context& ctx, const Value& in) { return describe_mount_targets(ctx, in); });
  table.add("DeleteMountTarget", [this](Context& ctx, const Value& in) { return delete_mount_target(ctx, in); });
  table.add("DescribeMountTargetSecurityGroups", [this](Context& ctx, const Value& in) {
    return describe_mount_target_security_groups(ctx, in);
  });
  table.add("ModifyMountTargetSecurityGroups", [this](Context& ctx, const Value& in) {
    return modify_mount_target_security_groups(ctx, in);
  });
  kit::TaggingSpec tagging;
  tagging.arn_member = "ResourceId";
  tagging.names_arn = false;
  tagging.too_many_error = "BadRequest";
  tagging.too_many_message = "Tag limit exceeded: a resource can have at most 50 tags.";
  tagging.reserved_error = "BadRequest";
  tagging.reserved_message = "Tag keys starting with 'aws:' are reserved.";
  kit::add_tagging(table, tagging, errors, store_, mutex_,
                   [this](const Context& ctx, const std::string& given) -> Result<kit::TaggedResource> {
                     std::string id = given.substr(given.rfind('/') + 1);
                     bool access_point = text::starts_with(id, "fsap-");
                     const char* kind = access_point ? kAccessPoint : kFileSystem;
                     if (!store_->get(scope_of(ctx), kind, id))
                       return access_point ? error("AccessPointNotFound", "Access point '" + id + "' does not exist.")
                                           : error("FileSystemNotFound", "File system '" + id + "' does not exist.");
                     return kit::TaggedResource{scope_of(ctx), kind, id};
                   });
}

Result<size_t> page_start(const kit::Value& in, const char* member, size_t count) {
  auto it = in.find(member);
  if (it == in.end()) return size_t{0};
  std::string marker = *it;
  if (marker.empty() || marker.find_first_not_of("0123456789") != std::string::npos || marker.size() > 9 ||
      std::stoul(marker) > count)
    return error("BadRequest", "Invalid " + std::string(member) + ": " + marker);
  return static_cast<size_t>(std::stoul(marker));
}

}  // namespace nuage::services::efs
