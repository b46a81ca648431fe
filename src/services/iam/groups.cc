// IAM groups: GetGroup (with its users) and membership; what groups share
// with users and roles is in entities.cc.
#include "services/iam/internal.h"

namespace nuage::services::iam {

json group_view(const Entity& g) {
  return {{"Path", g.path}, {"GroupName", g.name}, {"GroupId", g.id}, {"Arn", g.arn}, {"CreateDate", g.created}};
}

const EntityKind kGroup{"group",        "Group", "GroupName", "AGPA", &Account::groups,
                        [](const Entity& e, bool) { return group_view(e); }, false};

Result<Output> Provider::get_group(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string name = in.at("GroupName");
  auto it = a.groups.find(name);
  if (it == a.groups.end()) return errors("NoSuchEntityException", not_found_text(kGroup, name));
  json users = json::array();
  for (const auto& [n, u] : a.users)
    if (u.groups.count(name)) users.push_back(user_view(u));
  Output out;
  out.value["Group"] = group_view(it->second);
  page(out, "Users", users, in);
  return out;
}

Result<Output> Provider::add_user_to_group(Context& ctx, const Value& in) { return change_membership(ctx, in, true); }

Result<Output> Provider::remove_user_from_group(Context& ctx, const Value& in) {
  return change_membership(ctx, in, false);
}

Result<Output> Provider::change_membership(Context& ctx, const Value& in, bool joining) {
  Account& a = account(ctx);
  std::string group = in.at("GroupName"), user = in.at("UserName");
  if (!a.groups.count(group)) return errors("NoSuchEntityException", not_found_text(kGroup, group));
  auto u = a.users.find(user);
  if (u == a.users.end()) return errors("NoSuchEntityException", not_found_text(kUser, user));
  if (joining) u->second.groups.insert(group);
  else u->second.groups.erase(group);
  NUAGE_TRY(save_entity(ctx.account_id, u->second));
  return Output{};
}

Result<Output> Provider::list_groups_for_user(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  auto u = a.users.find(in.at("UserName"));
  if (u == a.users.end()) return errors("NoSuchEntityException", not_found_text(kUser, in.at("UserName")));
  json items = json::array();
  for (const auto& g : u->second.groups)
    if (auto it = a.groups.find(g); it != a.groups.end()) items.push_back(group_view(it->second));
  Output out;
  page(out, "Groups", items, in);
  return out;
}

}  // namespace nuage::services::iam
