// GetAccountAuthorizationDetails: every user, group, role and managed policy
// of the account with their policies, in one answer.
#include <algorithm>
#include <set>

#include "services/iam/internal.h"
#include "services/iam/util.h"

namespace nuage::services::iam {

Result<Output> Provider::get_account_authorization_details(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::set<std::string> filter;
  if (in.contains("Filter"))
    for (const auto& f : in["Filter"]) filter.insert(f);
  auto wanted = [&](const char* f) { return filter.empty() || filter.count(f); };
  auto inline_list = [](const Entity& e) {
    json l = json::array();
    for (const auto& [n, d] : e.inline_policies)
      l.push_back({{"PolicyName", n}, {"PolicyDocument", url_encoded(d.text)}});
    return l;
  };
  auto attached_list = [&](const Entity& e) {
    json l = json::array();
    for (const auto& arn : e.attached)
      if (const ManagedPolicy* p = find_policy(a, arn)) l.push_back({{"PolicyName", p->name}, {"PolicyArn", arn}});
    return l;
  };
  Output out;
  json users = json::array(), groups = json::array(), roles = json::array(), policies = json::array();
  if (wanted("User"))
    for (const auto& [n, u] : a.users) {
      json v = user_view(u);
      v["UserPolicyList"] = inline_list(u);
      v["AttachedManagedPolicies"] = attached_list(u);
      v["GroupList"] = json(u.groups);
      users.push_back(v);
    }
  if (wanted("Group"))
    for (const auto& [n, g] : a.groups) {
      json v = group_view(g);
      v["GroupPolicyList"] = inline_list(g);
      v["AttachedManagedPolicies"] = attached_list(g);
      groups.push_back(v);
    }
  if (wanted("Role"))
    for (const auto& [n, r] : a.roles) {
      json v = role_view(r);
      v["RolePolicyList"] = inline_list(r);
      v["AttachedManagedPolicies"] = attached_list(r);
      json profiles = json::array();
      for (const auto& [pn, p] : a.profiles)
        if (std::find(p.roles.begin(), p.roles.end(), n) != p.roles.end())
          profiles.push_back(profile_view(p, a.roles));
      v["InstanceProfileList"] = profiles;
      roles.push_back(v);
    }
  auto detail = [&](const ManagedPolicy& p) {
    auto [cnt, b] = policy_usage(a, p.arn);
    json v = policy_view(p, cnt, b);
    json versions = json::array();
    for (const auto& [id, ver] : p.versions) versions.push_back(version_view(p, id, true));
    v["PolicyVersionList"] = versions;
    v.erase("Tags");
    return std::make_pair(cnt + b, v);
  };
  if (wanted("LocalManagedPolicy"))
    for (const auto& [arn, p] : a.policies) policies.push_back(detail(p).second);
  if (wanted("AWSManagedPolicy"))
    for (const auto& [arn, p] : aws_policies()) {
      auto [used, v] = detail(p);
      if (used) policies.push_back(v);  // AWS lists the AWS managed policies in use
    }
  out.value = {{"UserDetailList", users}, {"GroupDetailList", groups}, {"RoleDetailList", roles},
               {"Policies", policies},    {"IsTruncated", false}};
  return out;
}

}  // namespace nuage::services::iam
