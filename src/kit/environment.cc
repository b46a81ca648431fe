#include "kit/environment.h"

namespace nuage::kit {

Result<Output> Environment::call(const std::string& service, const std::string& operation, const Value& input,
                                 const auth::Credential& caller, const std::string& region) const {
  if (!calls) return internal_error("no service calls before serving (" + service + "." + operation + ")");
  return calls->call(service, operation, input, caller, region);
}

auth::Credential Environment::service_principal(const std::string& service, const std::string& account,
                                                const std::string& source_arn) {
  auth::Credential principal;
  principal.source_arn = source_arn;
  principal.type = auth::PrincipalType::kService;
  principal.arn = service;
  principal.user_id = service;
  principal.account_id = account;
  return principal;
}

Result<auth::Credential> Environment::assume_role(const std::string& role_arn, const std::string& service,
                                                  const std::string& account, const std::string& region,
                                                  const std::string& session_name, int duration_seconds) const {
  Value in = {{"RoleArn", role_arn}, {"RoleSessionName", session_name}};
  if (duration_seconds > 0) in["DurationSeconds"] = duration_seconds;
  auto out = call("sts", "AssumeRole", in, service_principal(service, account), region);
  if (!out) return out.take_error();
  const Value& c = out->value["Credentials"];
  const Value& user = out->value["AssumedRoleUser"];
  auth::Credential cred;
  cred.access_key = c.value("AccessKeyId", "");
  cred.secret_key = c.value("SecretAccessKey", "");
  cred.session_token = c.value("SessionToken", "");
  cred.account_id = account;
  cred.type = auth::PrincipalType::kAssumedRole;
  cred.arn = user.value("Arn", "");
  cred.user_id = user.value("AssumedRoleId", "");
  if (auto exp = timestamp_seconds(c.value("Expiration", Value())))
    cred.expiration = Clock::TimePoint(std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double>(*exp)));
  return cred;
}

}  // namespace nuage::kit
