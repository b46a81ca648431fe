// IAM users: GetUser (the caller's own user without UserName) and login
// profiles; what users share with groups and roles is in entities.cc.
#include "services/iam/internal.h"
#include "services/iam/util.h"

namespace nuage::services::iam {

nlohmann::json user_view(const Entity& u) {
  nlohmann::json v = {{"Path", u.path}, {"UserName", u.name}, {"UserId", u.id}, {"Arn", u.arn},
                      {"CreateDate", u.created}};
  if (!u.boundary.empty()) v["PermissionsBoundary"] = boundary_view(u.boundary);
  if (!u.tags.empty()) v["Tags"] = u.tags;
  return v;
}

const EntityKind kUser{"user",         "User", "UserName", "AIDA", &Account::users,
                       [](const Entity& e, bool) { return user_view(e); }, true};

Result<Output> Provider::get_user(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string name = str(in, "UserName");
  if (name.empty()) {
    if (ctx.caller.type != auth::PrincipalType::kUser) {
      Output out;  // the root: AWS answers with the account's root "user"
      out.value["User"] = {{"UserId", ctx.account_id}, {"Arn", ctx.caller.arn}, {"CreateDate", 0}, {"Path", "/"},
                           {"UserName", ""}};
      return out;
    }
    name = ctx.caller.arn.substr(ctx.caller.arn.rfind('/') + 1);
  }
  auto it = a.users.find(name);
  if (it == a.users.end()) return errors("NoSuchEntityException", not_found_text(kUser, name));
  Output out;
  out.value["User"] = user_view(it->second);
  return out;
}

// ---------------------------------------------------------------- login profiles

namespace {

std::string no_login_profile(const std::string& user) { return "Login Profile for User " + user + " cannot be found."; }

}  // namespace

Result<Output> Provider::create_login_profile(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  std::string user = in.at("UserName");
  auto u = a.users.find(user);
  if (u == a.users.end()) return errors("NoSuchEntityException", not_found_text(kUser, user));
  if (!u->second.login_profile.is_null())
    return errors("EntityAlreadyExistsException", "Login Profile for user " + user + " already exists.");
  u->second.login_profile = {{"CreateDate", now(ctx)},
                             {"PasswordResetRequired", in.value("PasswordResetRequired", false)}};
  NUAGE_TRY(save_entity(ctx.account_id, u->second));
  Output out;
  out.value["LoginProfile"] = u->second.login_profile;
  out.value["LoginProfile"]["UserName"] = user;
  return out;
}

Result<Output> Provider::get_login_profile(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string user = in.at("UserName");
  auto u = a.users.find(user);
  if (u == a.users.end() || u->second.login_profile.is_null())
    return errors("NoSuchEntityException", no_login_profile(user));
  Output out;
  out.value["LoginProfile"] = u->second.login_profile;
  out.value["LoginProfile"]["UserName"] = user;
  return out;
}

Result<Output> Provider::update_login_profile(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  std::string user = in.at("UserName");
  auto u = a.users.find(user);
  if (u == a.users.end() || u->second.login_profile.is_null())
    return errors("NoSuchEntityException", no_login_profile(user));
  if (in.contains("PasswordResetRequired"))
    u->second.login_profile["PasswordResetRequired"] = in["PasswordResetRequired"];
  NUAGE_TRY(save_entity(ctx.account_id, u->second));
  return Output{};
}

Result<Output> Provider::delete_login_profile(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  std::string user = in.at("UserName");
  auto u = a.users.find(user);
  if (u == a.users.end() || u->second.login_profile.is_null())
    return errors("NoSuchEntityException", no_login_profile(user));
  u->second.login_profile = nullptr;
  NUAGE_TRY(save_entity(ctx.account_id, u->second));
  return Output{};
}

}  // namespace nuage::services::iam
