// IAM managed policies: customer managed policies with up to five versions,
// the AWS managed ones (read-only), their tags, and where they are attached.
#include <algorithm>

#include "services/iam/internal.h"
#include "services/iam/limits.h"
#include "services/iam/util.h"
#include "services/tag_list.h"

namespace nuage::services::iam {

using nuage::policy::PolicyKind;

json policy_view(const ManagedPolicy& p, size_t attachments, size_t boundaries) {
  json v = {{"PolicyName", p.name},
            {"PolicyId", p.id},
            {"Arn", p.arn},
            {"Path", p.path},
            {"DefaultVersionId", p.default_version},
            {"AttachmentCount", attachments},
            {"PermissionsBoundaryUsageCount", boundaries},
            {"IsAttachable", true},
            {"CreateDate", p.created},
            {"UpdateDate", p.updated}};
  if (!p.description.empty()) v["Description"] = p.description;
  if (!p.tags.empty()) v["Tags"] = p.tags;
  return v;
}

json version_view(const ManagedPolicy& p, const std::string& id, bool with_doc) {
  const auto& [doc, created] = p.versions.at(id);
  json v = {{"VersionId", id}, {"IsDefaultVersion", id == p.default_version}, {"CreateDate", created}};
  if (with_doc) v["Document"] = url_encoded(doc.text);
  return v;
}

std::pair<size_t, size_t> policy_usage(const Account& a, const std::string& arn) {
  size_t attached = 0, boundaries = 0;
  for (const auto* m : {&a.users, &a.groups, &a.roles})
    for (const auto& [n, e] : *m) {
      attached += std::count(e.attached.begin(), e.attached.end(), arn);
      boundaries += e.boundary == arn;
    }
  return {attached, boundaries};
}

namespace {

std::string policy_not_found(const std::string& arn) { return "Policy " + arn + " was not found."; }
std::string no_version(const std::string& arn, const std::string& id) {
  return "Policy " + arn + " version " + id + " does not exist or is not attachable.";
}

}  // namespace

Result<Output> Provider::create_policy(Context& ctx, const Value& in) {
  if (limits::policy_size(in.at("PolicyDocument").get_ref<const std::string&>()) > limits::kManagedPolicySize)
    return limits::quota_exceeded("PolicySize", limits::kManagedPolicySize);
  auto doc = compile_doc(in.at("PolicyDocument"), PolicyKind::kIdentity);
  if (!doc) return doc.take_error();
  Account& a = account(ctx);
  ManagedPolicy p;
  p.name = in.at("PolicyName");
  p.path = str(in, "Path", "/");
  p.arn = "arn:aws:iam::" + ctx.account_id + ":policy" + p.path + p.name;
  for (const auto& [arn, existing] : a.policies)
    if (existing.name == p.name)
      return errors("EntityAlreadyExistsException",
                    "A policy called " + p.name + " already exists. Duplicate names are not allowed.");
  p.id = random_id("ANPA", 17);
  p.description = str(in, "Description");
  p.created = p.updated = now(ctx);
  p.versions["v1"] = {*doc, p.created};
  if (in.contains("Tags")) p.tags = merge_tags(json::array(), in["Tags"]);
  NUAGE_TRY(save_policy(ctx.account_id, p));
  Output out;
  out.value["Policy"] = policy_view(p, 0, 0);
  a.policies[p.arn] = std::move(p);
  return out;
}

Result<Output> Provider::get_policy(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string arn = in.at("PolicyArn");
  const ManagedPolicy* p = find_policy(a, arn);
  if (!p) return errors("NoSuchEntityException", policy_not_found(arn));
  auto [n, b] = policy_usage(a, arn);
  Output out;
  out.value["Policy"] = policy_view(*p, n, b);
  return out;
}

Result<Output> Provider::list_policies(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string scope = str(in, "Scope", "All");
  bool only_attached = in.value("OnlyAttached", false);
  json items = json::array();
  auto consider = [&](const ManagedPolicy& p) {
    auto [n, b] = policy_usage(a, p.arn);
    if (only_attached && n == 0) return;
    if (!path_prefix_ok(in, p.path)) return;
    items.push_back(policy_view(p, n, b));
  };
  if (scope != "Local")
    for (const auto& [arn, p] : aws_policies()) consider(p);
  if (scope != "AWS")
    for (const auto& [arn, p] : a.policies) consider(p);
  Output out;
  page(out, "Policies", items, in);
  return out;
}

Result<Output> Provider::delete_policy(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  std::string arn = in.at("PolicyArn");
  if (!find_customer_policy(a, arn)) return errors("NoSuchEntityException", policy_not_found(arn));
  auto [n, b] = policy_usage(a, arn);
  if (n + b > 0) return errors("DeleteConflictException", "Cannot delete a policy attached to entities.");
  if (a.policies.at(arn).versions.size() > 1)
    return errors("DeleteConflictException",
                  "This policy has more than one version. Before you delete a policy, you must delete the "
                  "policy's versions. The default version is deleted with the policy.");
  NUAGE_TRY(erase(ctx.account_id, "policy", arn));
  a.policies.erase(arn);
  return Output{};
}

// ---------------------------------------------------------------- versions

Result<Output> Provider::create_policy_version(Context& ctx, const Value& in) {
  if (limits::policy_size(in.at("PolicyDocument").get_ref<const std::string&>()) > limits::kManagedPolicySize)
    return limits::quota_exceeded("PolicySize", limits::kManagedPolicySize);
  auto doc = compile_doc(in.at("PolicyDocument"), PolicyKind::kIdentity);
  if (!doc) return doc.take_error();
  Account& a = account(ctx);
  std::string arn = in.at("PolicyArn");
  ManagedPolicy* p = find_customer_policy(a, arn);
  if (!p) return errors("NoSuchEntityException", policy_not_found(arn));
  if (p->versions.size() >= 5)
    return errors("LimitExceededException",
                  "A managed policy can have up to 5 versions. Before you create a new version, you must delete "
                  "an existing version.");
  std::string id = "v" + std::to_string(p->next_version++);
  p->versions[id] = {*doc, now(ctx)};
  if (in.value("SetAsDefault", false)) p->default_version = id;
  p->updated = now(ctx);
  NUAGE_TRY(save_policy(ctx.account_id, *p));
  Output out;
  out.value["PolicyVersion"] = version_view(*p, id, false);
  return out;
}

Result<Output> Provider::get_policy_version(Context& ctx, const Value& in) {
  std::string arn = in.at("PolicyArn"), id = in.at("VersionId");
  const ManagedPolicy* p = find_policy(account_view(ctx), arn);
  if (!p || !p->versions.count(id)) return errors("NoSuchEntityException", no_version(arn, id));
  Output out;
  out.value["PolicyVersion"] = version_view(*p, id, true);
  return out;
}

Result<Output> Provider::list_policy_versions(Context& ctx, const Value& in) {
  std::string arn = in.at("PolicyArn");
  const ManagedPolicy* p = find_policy(account_view(ctx), arn);
  if (!p) return errors("NoSuchEntityException", policy_not_found(arn));
  json items = json::array();
  for (auto it = p->versions.rbegin(); it != p->versions.rend(); ++it)
    items.push_back(version_view(*p, it->first, false));
  Output out;
  page(out, "Versions", items, in);
  return out;
}

Result<Output> Provider::delete_policy_version(Context& ctx, const Value& in) {
  std::string arn = in.at("PolicyArn"), id = in.at("VersionId");
  ManagedPolicy* p = find_customer_policy(account(ctx), arn);
  if (!p || !p->versions.count(id)) return errors("NoSuchEntityException", no_version(arn, id));
  if (id == p->default_version)
    return errors("DeleteConflictException", "Cannot delete the default version of a policy.");
  p->versions.erase(id);
  NUAGE_TRY(save_policy(ctx.account_id, *p));
  return Output{};
}

Result<Output> Provider::set_default_policy_version(Context& ctx, const Value& in) {
  std::string arn = in.at("PolicyArn"), id = in.at("VersionId");
  ManagedPolicy* p = find_customer_policy(account(ctx), arn);
  if (!p || !p->versions.count(id)) return errors("NoSuchEntityException", no_version(arn, id));
  p->default_version = id;
  NUAGE_TRY(save_policy(ctx.account_id, *p));
  return Output{};
}

// ---------------------------------------------------------------- tags

Result<Output> Provider::tag_policy(Context& ctx, const Value& in) {
  ManagedPolicy* p = find_customer_policy(account(ctx), in.at("PolicyArn"));
  if (!p) return errors("NoSuchEntityException", policy_not_found(in.at("PolicyArn")));
  json tags = merge_tags(p->tags, in.at("Tags"));
  if (tags.size() > limits::kTagsPerEntity) return limits::quota_exceeded("TagsPerPolicy", limits::kTagsPerEntity);
  p->tags = std::move(tags);
  NUAGE_TRY(save_policy(ctx.account_id, *p));
  return Output{};
}

Result<Output> Provider::untag_policy(Context& ctx, const Value& in) {
  ManagedPolicy* p = find_customer_policy(account(ctx), in.at("PolicyArn"));
  if (!p) return errors("NoSuchEntityException", policy_not_found(in.at("PolicyArn")));
  p->tags = remove_tags(p->tags, in.at("TagKeys"));
  NUAGE_TRY(save_policy(ctx.account_id, *p));
  return Output{};
}

Result<Output> Provider::list_policy_tags(Context& ctx, const Value& in) {
  const ManagedPolicy* p = find_policy(account_view(ctx), in.at("PolicyArn").get<std::string>());
  if (!p) return errors("NoSuchEntityException", policy_not_found(in.at("PolicyArn")));
  Output out;
  page(out, "Tags", p->tags, in);
  return out;
}

// ---------------------------------------------------------------- where a policy is used

Result<Output> Provider::list_entities_for_policy(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string arn = in.at("PolicyArn");
  if (!find_policy(a, arn)) return errors("NoSuchEntityException", policy_not_found(arn));
  std::string filter = str(in, "EntityFilter");
  json users = json::array(), groups = json::array(), roles = json::array();
  auto attached = [&](const Entity& e) {
    bool usage_boundary = filter == "PermissionsBoundary";
    return usage_boundary ? e.boundary == arn
                          : std::find(e.attached.begin(), e.attached.end(), arn) != e.attached.end();
  };
  if (filter.empty() || filter == "User" || filter == "PermissionsBoundary")
    for (const auto& [n, e] : a.users)
      if (attached(e)) users.push_back({{"UserName", n}, {"UserId", e.id}});
  if (filter.empty() || filter == "Group")
    for (const auto& [n, e] : a.groups)
      if (attached(e)) groups.push_back({{"GroupName", n}, {"GroupId", e.id}});
  if (filter.empty() || filter == "Role" || filter == "PermissionsBoundary")
    for (const auto& [n, e] : a.roles)
      if (attached(e)) roles.push_back({{"RoleName", n}, {"RoleId", e.id}});
  Output out;
  out.value = {{"PolicyUsers", users}, {"PolicyGroups", groups}, {"PolicyRoles", roles}, {"IsTruncated", false}};
  return out;
}

}  // namespace nuage::services::iam
