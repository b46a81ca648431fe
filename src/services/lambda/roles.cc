#include "services/lambda/roles.h"

#include <spdlog/spdlog.h>

#include "common/text.h"
#include "services/lambda/errors.h"
#include "services/lambda/resources.h"

namespace nuage::services::lambda {

Result<auth::Credential> Roles::credentials(const std::string& account, const std::string& region,
                                            const std::string& role, const std::string& function) {
  std::string key = account + "/" + region + "/" + function + "/" + role;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && env_.clock.now() < it->second.refresh_at) return it->second.credential;
  }
  auto cred = env_.assume_role(role, "lambda.amazonaws.com", account, region, function, 3600);
  if (!cred) {
    spdlog::info("lambda: cannot assume {} for {}: {} {}", role, function, cred.error().code, cred.error().message);
    return errors("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.");
  }
  std::lock_guard lock(mu_);
  // Renewed well before the hour is over, as Lambda does.
  cache_[key] = {*cred, env_.clock.now() + std::chrono::minutes(45)};
  return *cred;
}

Status Roles::check(const kit::RequestContext& ctx, const std::string& role, const std::string& function) {
  auto p = text::split(role, ':');
  if (p.size() < 6 || p[0] != "arn" || p[2] != "iam" || p[4].size() != 12 || !is_number(p[4]) ||
      !text::starts_with(p[5], "role/"))
    return errors("ValidationException",
                  "1 validation error detected: Value '" + role +
                      "' at 'role' failed to satisfy constraint: Member must satisfy regular expression "
                      "pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  {
    // A new or changed role is always checked afresh.
    std::lock_guard lock(mu_);
    cache_.erase(ctx.account_id + "/" + ctx.region + "/" + function + "/" + role);
  }
  auto cred = credentials(ctx.account_id, ctx.region, role, function);
  if (!cred) return cred.error();
  return Status::Ok();
}

bool Roles::renew_keys(const std::map<std::string, std::string>& variables, const auth::Credential& current) {
  auto key = variables.find("AWS_ACCESS_KEY_ID");
  auto token = variables.find("AWS_SESSION_TOKEN");
  if (key == variables.end() || token == variables.end()) return false;
  if (key->second == current.access_key) return true;
  if (!env_.credentials) return false;
  auto known = env_.credentials->lookup(key->second);
  if (!known || known->type != auth::PrincipalType::kAssumedRole || known->session_token != token->second ||
      known->arn != current.arn || !known->active)
    return false;
  if (known->expiration && current.expiration && *known->expiration >= *current.expiration) return true;
  auth::Credential renewed = *known;
  renewed.expiration = current.expiration;
  env_.credentials->put(std::move(renewed));
  return true;
}

Result<std::vector<std::string>> Roles::denied_actions(const std::string& account, const std::string& region,
                                                      const std::string& role, const std::vector<std::string>& actions,
                                                      const std::string& resource) {
  std::vector<std::string> denied;
  if (!env_.settings.iam_enforcement) return denied;
  // Lambda asks on its own authority, as the account's root would.
  auth::Credential root;
  root.account_id = account;
  root.type = auth::PrincipalType::kRoot;
  root.arn = "arn:aws:iam::" + account + ":root";
  root.user_id = account;
  kit::Value in = {{"PolicySourceArn", role}, {"ActionNames", actions}, {"ResourceArns", {resource}}};
  auto out = env_.call("iam", "SimulatePrincipalPolicy", in, root, region);
  if (!out) return out.take_error();
  for (const auto& r : out->value.value("EvaluationResults", kit::Value::array()))
    if (r.value("EvalDecision", "") != "allowed") denied.push_back(r.value("EvalActionName", ""));
  return denied;
}

void Roles::clear() {
  std::lock_guard lock(mu_);
  cache_.clear();
}

}  // namespace nuage::services::lambda
