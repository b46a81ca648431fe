// KMS aliases: names for keys ("alias/name"), and the AWS managed keys
// behind the reserved "alias/aws/<service>" names, made on first use.
#include "common/text.h"
#include "common/time.h"
#include "services/kms/internal.h"
#include "services/kms/key_material.h"
#include "services/kms/paging.h"
#include "services/kms/provider.h"

namespace nuage::services::kms {

using namespace detail;
using kit::Output;
using kit::Value;

namespace {

std::string alias_arn(const kit::RequestContext& ctx, const std::string& name) {
  return "arn:aws:kms:" + ctx.region + ":" + ctx.account_id + ":" + name;
}

Status check_alias_name(const std::string& name) {
  if (!text::starts_with(name, "alias/") || name.size() <= 6)
    return errors("InvalidAliasNameException", "Alias must start with the prefix \"alias/\". Please see "
                                               "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
  if (text::starts_with(name, "alias/aws/"))
    return errors("NotAuthorizedException", "Cannot create, update or delete an alias with the reserved prefix alias/aws/.");
  if (name.substr(6).find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-") !=
      std::string::npos)
    return errors("InvalidAliasNameException", "Alias name " + name + " contains invalid characters.");
  return Status::Ok();
}

}  // namespace

Result<std::string> Provider::managed_key(const Context& ctx, const std::string& alias) {
  std::string service = alias.substr(std::string("alias/aws/").size());
  if (service.empty() || service.find('/') != std::string::npos) return key_not_found(alias_arn(ctx, alias));
  auto material = material::generate("SYMMETRIC_DEFAULT");
  if (!material) return errors("KMSInternalException", "Could not generate the key material.");
  Value in = {{"Description", "Default key that protects my " + service + " data when no other key is defined"}};
  std::string id;
  NUAGE_TRY(store_->transaction([&]() -> Status {
    auto meta = store_key(ctx, in, std::move(*material), service);
    if (!meta) return meta.error();
    id = (*meta)["KeyId"];
    double now = timefmt::epoch_seconds(ctx.clock->now());
    return store_->put(scope_of(ctx), kAlias, alias,
                       {{"AliasName", alias}, {"AliasArn", alias_arn(ctx, alias)}, {"TargetKeyId", id},
                        {"CreationDate", now}, {"LastUpdatedDate", now}});
  }));
  return id;
}

Result<Output> Provider::create_alias(Context& ctx, const Value& in) {
  std::string name = in.at("AliasName");
  NUAGE_TRY(check_alias_name(name));
  if (store_->get(scope_of(ctx), kAlias, name))
    return errors("AlreadyExistsException", "An alias with the name " + alias_arn(ctx, name) + " already exists");
  if (store_->all(scope_of(ctx), kAlias).size() >= kMaxAliases)
    return errors("LimitExceededException", "Too many aliases in this account and region.");
  auto found = find_key(ctx, in.at("TargetKeyId"));
  if (!found) return found.error();
  if (found->first != scope_of(ctx)) return errors("NotFoundException", "An alias may only name a key of its account and region.");
  const Value& key = *store_->get(found->first, kKey, found->second);
  if (key["KeyMetadata"]["KeyState"] == "PendingDeletion")
    return errors("KMSInvalidStateException", key["KeyMetadata"]["Arn"].get<std::string>() + " is pending deletion.");
  double now = timefmt::epoch_seconds(ctx.clock->now());
  NUAGE_TRY(store_->put(scope_of(ctx), kAlias, name,
                        {{"AliasName", name}, {"AliasArn", alias_arn(ctx, name)}, {"TargetKeyId", found->second},
                         {"CreationDate", now}, {"LastUpdatedDate", now}}));
  return Output{};
}

Result<Output> Provider::update_alias(Context& ctx, const Value& in) {
  std::string name = in.at("AliasName");
  NUAGE_TRY(check_alias_name(name));
  const Value* alias = store_->get(scope_of(ctx), kAlias, name);
  if (!alias) return errors("NotFoundException", "Alias " + alias_arn(ctx, name) + " is not found.");
  auto found = find_key(ctx, in.at("TargetKeyId"));
  if (!found) return found.error();
  if (found->first != scope_of(ctx)) return errors("NotFoundException", "An alias may only name a key of its account and region.");
  const Value& old_key = *store_->get(scope_of(ctx), kKey, (*alias)["TargetKeyId"]);
  const Value& new_key = *store_->get(found->first, kKey, found->second);
  if (old_key["KeyMetadata"]["KeyUsage"] != new_key["KeyMetadata"]["KeyUsage"] ||
      old_key["KeyMetadata"]["KeySpec"] != new_key["KeyMetadata"]["KeySpec"])
    return validation("Alias " + alias_arn(ctx, name) +
                      " cannot be changed to a key of another key usage or key spec.");
  Value doc = *alias;
  doc["TargetKeyId"] = found->second;
  doc["LastUpdatedDate"] = timefmt::epoch_seconds(ctx.clock->now());
  NUAGE_TRY(store_->put(scope_of(ctx), kAlias, name, std::move(doc)));
  return Output{};
}

Result<Output> Provider::delete_alias(Context& ctx, const Value& in) {
  std::string name = in.at("AliasName");
  NUAGE_TRY(check_alias_name(name));
  if (!store_->get(scope_of(ctx), kAlias, name))
    return errors("NotFoundException", "Alias " + alias_arn(ctx, name) + " is not found.");
  NUAGE_TRY(store_->erase(scope_of(ctx), kAlias, name));
  return Output{};
}

Result<Output> Provider::list_aliases(Context& ctx, const Value& in) {
  std::string key_filter;
  if (in.contains("KeyId")) {
    auto found = find_key(ctx, in["KeyId"]);
    if (!found) return found.error();
    key_filter = found->second;
  }
  return list_page(store_->all(scope_of(ctx), kAlias), "", in, 100, "Aliases",
                   [&](const std::string&, const Value& alias) -> std::optional<Value> {
                     if (!key_filter.empty() && alias["TargetKeyId"] != key_filter) return std::nullopt;
                     return alias;
                   });
}

}  // namespace nuage::services::kms
