// IAM instance profiles: a role (at most one) for EC2 instances.
#include <algorithm>

#include "services/iam/internal.h"
#include "services/iam/util.h"
#include "services/tag_list.h"

namespace nuage::services::iam {

json profile_view(const InstanceProfile& p, const std::map<std::string, Entity>& roles) {
  json rs = json::array();
  for (const auto& name : p.roles)
    if (auto it = roles.find(name); it != roles.end()) rs.push_back(role_view(it->second, false));
  json v = {{"Path", p.path}, {"InstanceProfileName", p.name}, {"InstanceProfileId", p.id},
            {"Arn", p.arn},   {"CreateDate", p.created},       {"Roles", rs}};
  if (!p.tags.empty()) v["Tags"] = p.tags;
  return v;
}

namespace {

std::string instance_profile_not_found(const std::string& name) { return "Instance Profile " + name + " cannot be found."; }

}  // namespace

Result<Output> Provider::create_instance_profile(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  InstanceProfile p;
  p.name = in.at("InstanceProfileName");
  if (a.profiles.count(p.name))
    return errors("EntityAlreadyExistsException", "Instance Profile " + p.name + " already exists.");
  p.path = str(in, "Path", "/");
  p.id = random_id("AIPA", 17);
  p.arn = iam_arn(ctx.account_id, "instance-profile", p.path, p.name);
  p.created = now(ctx);
  if (in.contains("Tags")) p.tags = merge_tags(json::array(), in["Tags"]);
  NUAGE_TRY(save_profile(ctx.account_id, p));
  Output out;
  out.value["InstanceProfile"] = profile_view(p, a.roles);
  a.profiles[p.name] = std::move(p);
  return out;
}

Result<Output> Provider::get_instance_profile(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  auto it = a.profiles.find(in.at("InstanceProfileName"));
  if (it == a.profiles.end()) return errors("NoSuchEntityException", instance_profile_not_found(in.at("InstanceProfileName")));
  Output out;
  out.value["InstanceProfile"] = profile_view(it->second, a.roles);
  return out;
}

Result<Output> Provider::delete_instance_profile(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  auto it = a.profiles.find(in.at("InstanceProfileName"));
  if (it == a.profiles.end()) return errors("NoSuchEntityException", instance_profile_not_found(in.at("InstanceProfileName")));
  if (!it->second.roles.empty())
    return errors("DeleteConflictException", "Cannot delete entity, must remove roles from instance profile first.");
  NUAGE_TRY(erase(ctx.account_id, "profile", it->first));
  a.profiles.erase(it);
  return Output{};
}

Result<Output> Provider::add_role_to_instance_profile(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  auto it = a.profiles.find(in.at("InstanceProfileName"));
  if (it == a.profiles.end()) return errors("NoSuchEntityException", instance_profile_not_found(in.at("InstanceProfileName")));
  std::string role = in.at("RoleName");
  if (!a.roles.count(role)) return errors("NoSuchEntityException", not_found_text(kRole, role));
  if (!it->second.roles.empty())
    return errors("LimitExceededException", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
  it->second.roles.push_back(role);
  NUAGE_TRY(save_profile(ctx.account_id, it->second));
  return Output{};
}

Result<Output> Provider::remove_role_from_instance_profile(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  auto it = a.profiles.find(in.at("InstanceProfileName"));
  if (it == a.profiles.end()) return errors("NoSuchEntityException", instance_profile_not_found(in.at("InstanceProfileName")));
  std::string role = in.at("RoleName");
  auto r = std::find(it->second.roles.begin(), it->second.roles.end(), role);
  if (r == it->second.roles.end()) return errors("NoSuchEntityException", not_found_text(kRole, role));
  it->second.roles.erase(r);
  NUAGE_TRY(save_profile(ctx.account_id, it->second));
  return Output{};
}

Result<Output> Provider::list_instance_profiles(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  json items = json::array();
  for (const auto& [n, p] : a.profiles)
    if (path_prefix_ok(in, p.path)) items.push_back(profile_view(p, a.roles));
  Output out;
  page(out, "InstanceProfiles", items, in);
  return out;
}

Result<Output> Provider::list_instance_profiles_for_role(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string role = in.at("RoleName");
  if (!a.roles.count(role)) return errors("NoSuchEntityException", not_found_text(kRole, role));
  json items = json::array();
  for (const auto& [n, p] : a.profiles)
    if (std::find(p.roles.begin(), p.roles.end(), role) != p.roles.end()) items.push_back(profile_view(p, a.roles));
  Output out;
  page(out, "InstanceProfiles", items, in);
  return out;
}

}  // namespace nuage::services::iam
