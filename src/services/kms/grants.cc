// KMS grants: permissions on one key for a grantee principal, recorded as
// documents of the key (kind "grant", id "<key id>/<grant id>") and honored
// as statements of the key's effective policy (Provider::effective_policy),
// so the authorizer lets the grantee do the grant's operations, under its
// encryption-context constraints, without anything in its own policies.
#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/kms/internal.h"
#include "services/kms/paging.h"
#include "services/kms/provider.h"

namespace nuage::services::kms {

using namespace detail;
using kit::Output;
using kit::Value;

namespace {

// The role an assumed-role session acts as, the ARN otherwise: what a grant names.
std::string principal_arn(const auth::Credential& caller) {
  auto parts = text::split(caller.arn, ':');
  if (parts.size() == 6 && parts[2] == "sts" && text::starts_with(parts[5], "assumed-role/")) {
    auto path = text::split(parts[5], '/');
    if (path.size() >= 2) return "arn:aws:iam::" + parts[4] + ":role/" + path[1];
  }
  return caller.arn;
}

// The grant as ListGrants answers it (the token is not listed).
kit::Value listed(const kit::Value& grant) {
  kit::Value out = grant;
  out.erase("GrantToken");
  return out;
}

AwsError grant_not_found(const std::string& id) { return errors("NotFoundException", "Grant ID " + id + " not found"); }

}  // namespace

Result<Output> Provider::create_grant(Context& ctx, const Value& in) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  auto [scope, key_id] = *found;
  const Value& key = *store_->get(scope, kKey, key_id);
  std::string arn = key["KeyMetadata"]["Arn"];
  if (key["KeyMetadata"]["KeyState"] == "PendingDeletion")
    return errors("KMSInvalidStateException", arn + " is pending deletion.");
  if (key["KeyMetadata"]["KeyState"] == "Disabled") return errors("DisabledException", arn + " is disabled.");
  std::string grantee = in.at("GranteePrincipal");
  if (!text::starts_with(grantee, "arn:") && !text::ends_with(grantee, ".amazonaws.com") &&
      !(grantee.size() == 12 && grantee.find_first_not_of("0123456789") == std::string::npos))
    return errors("InvalidArnException", "GranteePrincipal " + grantee + " is not a valid principal.");
  auto view = store_->all(scope, kGrant);
  size_t count = 0;
  for (auto it = view.from(key_id + "/"); it != view.end() && text::starts_with((*it).first, key_id + "/"); ++it)
    if (++count >= kMaxGrants) return errors("LimitExceededException", "The key has too many grants.");
  if (in.value("DryRun", false))
    return errors("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.");
  std::string grant_id = text::hex_encode(crypto::random_bytes(32));
  std::string token = text::base64_encode(crypto::random_bytes(48));
  Value grant = {{"GrantId", grant_id},
                 {"KeyId", arn},
                 {"GranteePrincipal", grantee},
                 {"Operations", in.at("Operations")},
                 {"IssuingAccount", "arn:aws:iam::" + scope.account + ":root"},
                 {"CreationDate", timefmt::epoch_seconds(ctx.clock->now())},
                 {"GrantToken", token}};
  for (const char* member : {"RetiringPrincipal", "Constraints", "Name"})
    if (in.contains(member)) grant[member] = in[member];
  NUAGE_TRY(store_->put(scope, kGrant, key_id + "/" + grant_id, std::move(grant)));
  Output out;
  out.value = {{"GrantId", grant_id}, {"GrantToken", token}};
  return out;
}

Result<Output> Provider::list_grants(Context& ctx, const Value& in) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  auto [scope, key_id] = *found;
  return list_page(store_->all(scope, kGrant), key_id + "/", in, 50, "Grants",
                   [&](const std::string&, const Value& grant) -> std::optional<Value> {
                     if (in.contains("GrantId") && grant["GrantId"] != in["GrantId"]) return std::nullopt;
                     if (in.contains("GranteePrincipal") && grant["GranteePrincipal"] != in["GranteePrincipal"])
                       return std::nullopt;
                     return listed(grant);
                   });
}

Result<Output> Provider::list_retirable_grants(Context& ctx, const Value& in) {
  std::string retiring = in.at("RetiringPrincipal");
  return list_page(store_->all(scope_of(ctx), kGrant), "", in, 50, "Grants",
                   [&](const std::string&, const Value& grant) -> std::optional<Value> {
                     if (grant.value("RetiringPrincipal", "") != retiring) return std::nullopt;
                     return listed(grant);
                   });
}

Result<Output> Provider::retire_grant(Context& ctx, const Value& in) {
  storage::Scope scope = scope_of(ctx);
  std::string id;
  if (in.contains("GrantToken")) {
    std::string token = in["GrantToken"];
    store_->for_each(kGrant, [&](const storage::Scope& s, const std::string& grant_id, const Value& grant) {
      if (id.empty() && grant.value("GrantToken", "") == token) {
        scope = s;
        id = grant_id;
      }
    });
    if (id.empty()) return errors("InvalidGrantTokenException", "Grant token is invalid.");
  } else {
    if (!in.contains("KeyId") || !in.contains("GrantId"))
      return validation("Either GrantToken or both KeyId and GrantId are required.");
    auto found = find_key(ctx, in["KeyId"]);
    if (!found) return found.error();
    scope = found->first;
    id = found->second + "/" + in["GrantId"].get<std::string>();
    if (!store_->get(scope, kGrant, id)) return grant_not_found(in["GrantId"]);
  }
  const Value& grant = *store_->get(scope, kGrant, id);
  std::string caller = principal_arn(ctx.caller);
  bool grantee_may = grant["GranteePrincipal"] == caller &&
                     std::find(grant["Operations"].begin(), grant["Operations"].end(), "RetireGrant") !=
                         grant["Operations"].end();
  bool allowed = grant.value("RetiringPrincipal", "") == caller || grantee_may ||
                 caller == "arn:aws:iam::" + scope.account + ":root";
  if (!allowed)
    return errors("AccessDeniedException", "User: " + ctx.caller.arn + " is not authorized to perform: kms:RetireGrant");
  if (in.value("DryRun", false))
    return errors("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.");
  NUAGE_TRY(store_->erase(scope, kGrant, id));
  return Output{};
}

Result<Output> Provider::revoke_grant(Context& ctx, const Value& in) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  std::string id = found->second + "/" + in.at("GrantId").get<std::string>();
  if (!store_->get(found->first, kGrant, id)) return grant_not_found(in["GrantId"]);
  if (in.value("DryRun", false))
    return errors("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.");
  NUAGE_TRY(store_->erase(found->first, kGrant, id));
  return Output{};
}

}  // namespace nuage::services::kms
