// Amazon EFS (rest-json): file systems whose files really exist — a folder
// on the host per file system (services/efs/folders.h) that Lambda functions
// mount through access points — with access points, mount targets (each one
// a real network interface in its subnet, made through EC2), tags, and the
// file system, lifecycle and backup policies stored as given. A file
// system's policy is also evaluated (policy::evaluate_access, through the
// kit's resource policies) for every call on that file system: its Deny
// refuses an IAM user, its Allow admits another account's.
//
// State: the resource store (service "efs"): kinds "file-system" (id
// fs-…), "access-point" (fsap-…), "mount-target" (fsmt-…), tags in each
// document's "Tags" list.
// Thread-safety: handlers run under mutex_; calls to EC2 are made without it.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "kit/environment.h"
#include "kit/errors.h"
#include "kit/provider.h"
#include "policy/resource_access.h"
#include "storage/resource_store.h"

namespace nuage::services::efs {

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  std::string_view service() const override { return "efs"; }
  void register_operations(kit::OperationTable& table) override;
  void register_routes(kit::Routes& routes) override;
  Status open() override;
  void reset() override;

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

  // file_systems.cc
  Result<Output> create_file_system(Context& ctx, const Value& in);
  Result<Output> describe_file_systems(Context& ctx, const Value& in);
  Result<Output> delete_file_system(Context& ctx, const Value& in);
  Result<Output> update_file_system(Context& ctx, const Value& in);
  Result<Output> put_policy(Context& ctx, const Value& in);
  Result<Output> describe_policy(Context& ctx, const Value& in);
  Result<Output> delete_policy(Context& ctx, const Value& in);
  Result<Output> put_lifecycle(Context& ctx, const Value& in);
  Result<Output> describe_lifecycle(Context& ctx, const Value& in);
  Result<Output> put_backup_policy(Context& ctx, const Value& in);
  Result<Output> describe_backup_policy(Context& ctx, const Value& in);
  Result<Output> create_tags(Context& ctx, const Value& in);
  Result<Output> delete_tags(Context& ctx, const Value& in);
  Result<Output> describe_tags(Context& ctx, const Value& in);
  Value describe(const Value& doc) const;
  // access_points.cc
  Result<Output> create_access_point(Context& ctx, const Value& in);
  Result<Output> describe_access_points(Context& ctx, const Value& in);
  Result<Output> delete_access_point(Context& ctx, const Value& in);
  // mount_targets.cc
  Result<Output> create_mount_target(Context& ctx, const Value& in);
  Result<Output> describe_mount_targets(Context& ctx, const Value& in);
  Result<Output> delete_mount_target(Context& ctx, const Value& in);
  Result<Output> describe_mount_target_security_groups(Context& ctx, const Value& in);
  Result<Output> modify_mount_target_security_groups(Context& ctx, const Value& in);

  // The stored file system, or FileSystemNotFound.
  Result<const Value*> file_system(const Context& ctx, const std::string& id) const;
  std::filesystem::path folder(const std::string& fs_id) const;
  // The file system policy governing a call's target (kit::ResourcePolicies).
  std::optional<policy::ResourcePolicy> resource_policy(const Context& ctx, const kit::ActionTarget& target);

  kit::Environment& env_;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  policy::PolicyCache policies_{policy::PolicyKind::kResource};
};

// Shared by the feature files.
extern const kit::Errors errors;
inline constexpr const char* kFileSystem = "file-system";
inline constexpr const char* kAccessPoint = "access-point";
inline constexpr const char* kMountTarget = "mount-target";
inline storage::Scope scope_of(const kit::RequestContext& ctx) { return {ctx.account_id, ctx.region}; }
// An EFS error: the model's code and status, with the ErrorCode member AWS sends.
AwsError error(const std::string& shape, const std::string& message);
// fs-, fsap-, fsmt- followed by 17 hex digits, as AWS's ids.
std::string new_id(const std::string& prefix);
std::string arn(const kit::RequestContext& ctx, const std::string& kind, const std::string& id);
// A page of `ids` from the Marker/NextToken given: {first index, error}.
Result<size_t> page_start(const kit::Value& in, const char* member, size_t count);

}  // namespace nuage::services::efs
