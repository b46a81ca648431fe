// IAM roles: GetRole, the trust policy and the description; what roles
// share with users and groups is in entities.cc.
#include "services/iam/internal.h"
#include "services/iam/limits.h"
#include "services/iam/util.h"

namespace nuage::services::iam {

using nuage::policy::PolicyKind;

json role_view(const Entity& r, bool full) {
  json v = {{"Path", r.path},          {"RoleName", r.name},
            {"RoleId", r.id},          {"Arn", r.arn},
            {"CreateDate", r.created}, {"AssumeRolePolicyDocument", url_encoded(r.trust.text)},
            {"MaxSessionDuration", r.max_session}};
  if (!r.description.empty()) v["Description"] = r.description;
  if (full) {
    if (!r.boundary.empty()) v["PermissionsBoundary"] = boundary_view(r.boundary);
    if (!r.tags.empty()) v["Tags"] = r.tags;
    v["RoleLastUsed"] = json::object();
  }
  return v;
}

const EntityKind kRole{"role",         "Role", "RoleName", "AROA", &Account::roles,
                       [](const Entity& e, bool listed) { return role_view(e, !listed); }, true};

Result<Output> Provider::get_role(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string name = in.at("RoleName");
  auto it = a.roles.find(name);
  if (it == a.roles.end()) return errors("NoSuchEntityException", not_found_text(kRole, name));
  Output out;
  out.value["Role"] = role_view(it->second);
  return out;
}

Result<Output> Provider::update_assume_role_policy(Context& ctx, const Value& in) {
  if (limits::policy_size(in.at("PolicyDocument").get_ref<const std::string&>()) > limits::kTrustPolicySize)
    return limits::quota_exceeded("ACLSizePerRole", limits::kTrustPolicySize);
  auto trust = compile_doc(in.at("PolicyDocument"), PolicyKind::kTrust);
  if (!trust) return trust.take_error();
  Account& a = account(ctx);
  auto it = a.roles.find(in.at("RoleName"));
  if (it == a.roles.end()) return errors("NoSuchEntityException", not_found_text(kRole, in.at("RoleName")));
  it->second.trust = *trust;
  NUAGE_TRY(save_entity(ctx.account_id, it->second));
  return Output{};
}

Result<Output> Provider::update_role_description(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  auto it = a.roles.find(in.at("RoleName"));
  if (it == a.roles.end()) return errors("NoSuchEntityException", not_found_text(kRole, in.at("RoleName")));
  it->second.description = in.at("Description");
  NUAGE_TRY(save_entity(ctx.account_id, it->second));
  Output out;
  out.value["Role"] = role_view(it->second);
  return out;
}

}  // namespace nuage::services::iam
