// IAM access keys: at most two per user, registered in the credential store
// so that the gateway verifies requests signed with them. Without UserName,
// the operations act on the calling user.
#include "services/iam/internal.h"
#include "services/iam/util.h"

namespace nuage::services::iam {

namespace {

// The user a key operation names, or the calling user.
std::string key_user(const Context& ctx, const Value& in) {
  if (in.contains("UserName")) return in["UserName"];
  if (ctx.caller.type == auth::PrincipalType::kUser) return ctx.caller.arn.substr(ctx.caller.arn.rfind('/') + 1);
  return "";
}

std::string no_key(const std::string& id) { return "The Access Key with id " + id + " cannot be found."; }

// The key a call names, if it belongs to the user the call names (or to the
// calling user).
Result<std::map<std::string, AccessKey>::iterator> named_key(Account& a, const Context& ctx, const Value& in) {
  std::string id = in.at("AccessKeyId");
  auto it = a.keys.find(id);
  std::string user = key_user(ctx, in);
  if (it == a.keys.end() || (!user.empty() && it->second.user != user))
    return errors("NoSuchEntityException", no_key(id));
  return it;
}

}  // namespace

Result<Output> Provider::create_access_key(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  std::string user = key_user(ctx, in);
  if (user.empty()) return errors("ValidationError", "Must specify userName when calling with non-User credentials");
  if (!a.users.count(user)) return errors("NoSuchEntityException", not_found_text(kUser, user));
  size_t count = 0;
  for (const auto& [id, k] : a.keys) count += k.user == user;
  if (count >= 2) return errors("LimitExceededException", "Cannot exceed quota for AccessKeysPerUser: 2");
  AccessKey k;
  k.id = random_id("AKIA", 16);
  k.secret = text::base64_encode(crypto::random_bytes(30));
  k.user = user;
  k.created = now(ctx);
  NUAGE_TRY(save_key(ctx.account_id, k));
  a.keys[k.id] = k;
  register_key(ctx.account_id, k);
  Output out;
  out.value["AccessKey"] = {{"UserName", user}, {"AccessKeyId", k.id}, {"Status", k.status},
                            {"SecretAccessKey", k.secret}, {"CreateDate", k.created}};
  return out;
}

Result<Output> Provider::update_access_key(Context& ctx, const Value& in) {
  auto key = named_key(account(ctx), ctx, in);
  if (!key) return key.take_error();
  auto it = *key;
  std::string id = it->first;
  it->second.status = in.at("Status");
  NUAGE_TRY(save_key(ctx.account_id, it->second));
  credentials_.set_active(id, it->second.status == "Active");
  return Output{};
}

Result<Output> Provider::delete_access_key(Context& ctx, const Value& in) {
  Account& a = account(ctx);
  auto key = named_key(a, ctx, in);
  if (!key) return key.take_error();
  auto it = *key;
  std::string id = it->first;
  NUAGE_TRY(erase(ctx.account_id, "key", id));
  a.keys.erase(it);
  credentials_.remove(id);
  return Output{};
}

Result<Output> Provider::list_access_keys(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string user = key_user(ctx, in);
  if (!user.empty() && !a.users.count(user)) return errors("NoSuchEntityException", not_found_text(kUser, user));
  json items = json::array();
  for (const auto& [id, k] : a.keys)
    if (k.user == user)
      items.push_back({{"UserName", k.user}, {"AccessKeyId", id}, {"Status", k.status}, {"CreateDate", k.created}});
  Output out;
  page(out, "AccessKeyMetadata", items, in);
  return out;
}

Result<Output> Provider::get_access_key_last_used(Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  std::string id = in.at("AccessKeyId");
  auto it = a.keys.find(id);
  if (it == a.keys.end()) return errors("NoSuchEntityException", no_key(id));
  Output out;
  out.value = {{"UserName", it->second.user}, {"AccessKeyLastUsed", {{"ServiceName", "N/A"}, {"Region", "N/A"}}}};
  return out;
}

}  // namespace nuage::services::iam
