// KMS keys: creation, description, listing, state (enable, disable,
// scheduled deletion), rotation, the key policy and tags.
#include "common/crypto.h"
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

constexpr int kDefaultRotationDays = 365;

// Key policies keep AWS's member order (Version, Id, Statement), as GetKeyPolicy shows them.
std::string default_policy(const std::string& account) {
  return nlohmann::ordered_json{{"Version", "2012-10-17"},
                    {"Id", "key-default-1"},
                    {"Statement",
                     {{{"Sid", "Enable IAM User Permissions"},
                       {"Effect", "Allow"},
                       {"Principal", {{"AWS", "arn:aws:iam::" + account + ":root"}}},
                       {"Action", "kms:*"},
                       {"Resource", "*"}}}}}
      .dump(2);
}

// The policy of an AWS managed key: every principal of the account may use
// it (AWS adds kms:ViaService, the service that made it), the account reads it.
std::string managed_policy(const std::string& account, const std::string& service) {
  return nlohmann::ordered_json{
      {"Version", "2012-10-17"},
      {"Id", "auto-" + service + "-2"},
      {"Statement",
       {{{"Sid", "Allow access through " + service + " for all principals in the account that are authorized to use it"},
         {"Effect", "Allow"},
         {"Principal", {{"AWS", "*"}}},
         {"Action",
          {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant",
           "kms:DescribeKey"}},
         {"Resource", "*"},
         {"Condition", {{"StringEquals", {{"kms:CallerAccount", account}}}}}},
        {{"Sid", "Allow direct access to key metadata to the account"},
         {"Effect", "Allow"},
         {"Principal", {{"AWS", "arn:aws:iam::" + account + ":root"}}},
         {"Action", {"kms:Describe*", "kms:Get*", "kms:List*"}},
         {"Resource", "*"}}}}}
      .dump(2);
}

Status check_policy(policy::PolicyCache& cache, const std::string& document) {
  auto compiled = cache.compile(document);
  if (!compiled) return errors("MalformedPolicyDocumentException", compiled.error().message);
  return Status::Ok();
}

Result<storage::Tags> tags_of_input(const kit::Value& in) {
  storage::Tags tags;
  if (auto it = in.find("Tags"); it != in.end() && it->is_array())
    for (const auto& tag : *it) {
      std::string key = tag.value("TagKey", "");
      if (text::starts_with(key, "aws:")) return errors("TagException", "Tags beginning with aws: are reserved.");
      tags.emplace_back(key, tag.value("TagValue", ""));
    }
  return tags;
}

}  // namespace

Result<Value> Provider::store_key(const Context& ctx, const Value& in, std::string material,
                                  const std::string& managed_by) {
  std::string manager = managed_by.empty() ? "CUSTOMER" : "AWS";
  storage::Scope scope = scope_of(ctx);
  if (store_->all(scope, kKey).size() >= kMaxKeys)
    return errors("LimitExceededException", "Too many keys in this account and region (" + std::to_string(kMaxKeys) + ").");
  std::string spec = in.value("KeySpec", in.value("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"));
  std::string usage = in.value("KeyUsage", "ENCRYPT_DECRYPT");
  std::string policy = managed_by.empty() ? in.value("Policy", default_policy(ctx.account_id))
                                          : managed_policy(ctx.account_id, managed_by);
  NUAGE_TRY(check_policy(policies_, policy));
  auto tags = tags_of_input(in);
  if (!tags) return tags.error();
  if (tags->size() > kMaxTags) return errors("TagException", "Too many tags: a key has at most 50.");
  std::string id = crypto::random_uuid();
  double now = timefmt::epoch_seconds(ctx.clock->now());
  Value meta = {{"AWSAccountId", ctx.account_id},
                {"KeyId", id},
                {"Arn", key_arn(scope, id)},
                {"CreationDate", now},
                {"Enabled", true},
                {"Description", in.value("Description", "")},
                {"KeyUsage", usage},
                {"KeyState", "Enabled"},
                {"Origin", "AWS_KMS"},
                {"KeyManager", manager},
                {"CustomerMasterKeySpec", spec},
                {"KeySpec", spec},
                {"MultiRegion", false}};
  if (auto algorithms = material::encryption_algorithms(spec, usage); !algorithms.empty())
    meta["EncryptionAlgorithms"] = algorithms;
  if (usage == "SIGN_VERIFY") meta["SigningAlgorithms"] = material::signing_algorithms(spec);
  if (usage == "GENERATE_VERIFY_MAC") meta["MacAlgorithms"] = material::mac_algorithms(spec);
  Value doc = {{"KeyMetadata", meta}, {"Policy", policy}, {"Tags", Value::object()}, {"Rotations", Value::array()}};
  for (const auto& [k, v] : *tags) doc["Tags"][k] = v;
  if (manager == "AWS")  // AWS rotates its managed keys every year
    doc["Rotation"] = {{"Enabled", true},
                       {"RotationPeriodInDays", kDefaultRotationDays},
                       {"NextRotationDate", now + kDefaultRotationDays * 86400.0}};
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kKey, id, doc));
    return add_material(scope, id, key_arn(scope, id), std::move(material));
  }));
  arm(scope, id);
  return meta;
}

Result<Output> Provider::create_key(Context& ctx, const Value& in) {
  std::string spec = in.value("KeySpec", in.value("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"));
  std::string usage = in.value("KeyUsage", "ENCRYPT_DECRYPT");
  if (in.contains("KeySpec") && in.contains("CustomerMasterKeySpec"))
    return validation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.");
  if (in.value("Origin", "AWS_KMS") != "AWS_KMS")
    return errors("NotImplemented", "CreateKey with Origin " + in.value("Origin", "") + " is not implemented by nuage");
  if (in.value("MultiRegion", false))
    return errors("NotImplemented", "CreateKey with MultiRegion is not implemented by nuage");
  if (in.contains("CustomKeyStoreId") || in.contains("XksKeyId"))
    return errors("NotImplemented", "CreateKey in a custom key store is not implemented by nuage");
  auto info = material::spec_info(spec);
  if (!info) return errors("NotImplemented", "KeySpec " + spec + " is not implemented by nuage");
  using F = material::SpecInfo::Family;
  bool compatible = (info->family == F::kSymmetric && usage == "ENCRYPT_DECRYPT") ||
                    (info->family == F::kRsa && (usage == "ENCRYPT_DECRYPT" || usage == "SIGN_VERIFY")) ||
                    (info->family == F::kEcc && usage == "SIGN_VERIFY") ||
                    (info->family == F::kHmac && usage == "GENERATE_VERIFY_MAC");
  if (!compatible) return validation("KeyUsage " + usage + " is not compatible with KeySpec " + spec);
  // Made before taking the mutex: an RSA 4096 key takes a while.
  auto material = material::generate(spec);
  if (!material) return errors("KMSInternalException", "Could not generate the key material.");
  std::lock_guard lock(mutex_);
  auto meta = store_key(ctx, in, std::move(*material), "");
  if (!meta) return meta.error();
  Output out;
  out.value["KeyMetadata"] = std::move(*meta);
  return out;
}

Result<Output> Provider::describe_key(Context& ctx, const Value& in) {
  auto key = use_key_locked(ctx, in.at("KeyId"), Use::kDescribe);
  if (!key) return key.error();
  Output out;
  out.value["KeyMetadata"] = key->metadata;
  return out;
}

Result<Output> Provider::list_keys(Context& ctx, const Value& in) {
  return list_page(store_->all(scope_of(ctx), kKey), "", in, 100, "Keys",
                   [&](const std::string& id, const Value&) -> std::optional<Value> {
                     return Value{{"KeyId", id}, {"KeyArn", key_arn(scope_of(ctx), id)}};
                   });
}

Result<Output> Provider::change_key(const Context& ctx, const Value& in, bool customer_only,
                                    const std::function<Status(Value& doc)>& change) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  auto [scope, id] = *found;
  Value doc = *store_->get(scope, kKey, id);
  if (customer_only && doc["KeyMetadata"]["KeyManager"] == "AWS")
    return errors("UnsupportedOperationException",
                  key_arn(scope, id) + " is an AWS managed key: " + ctx.operation + " is not allowed on it.");
  NUAGE_TRY(change(doc));
  NUAGE_TRY(store_->put(scope, kKey, id, std::move(doc)));
  arm(scope, id);
  return Output{};
}

namespace {

Status not_pending(const kit::Value& meta) {
  if (meta["KeyState"] == "PendingDeletion")
    return errors("KMSInvalidStateException", meta["Arn"].get<std::string>() + " is pending deletion.");
  return Status::Ok();
}

}  // namespace

Result<Output> Provider::enable_key(Context& ctx, const Value& in) {
  return change_key(ctx, in, true, [](Value& doc) -> Status {
    NUAGE_TRY(not_pending(doc["KeyMetadata"]));
    doc["KeyMetadata"]["Enabled"] = true;
    doc["KeyMetadata"]["KeyState"] = "Enabled";
    return Status::Ok();
  });
}

Result<Output> Provider::disable_key(Context& ctx, const Value& in) {
  return change_key(ctx, in, true, [](Value& doc) -> Status {
    NUAGE_TRY(not_pending(doc["KeyMetadata"]));
    doc["KeyMetadata"]["Enabled"] = false;
    doc["KeyMetadata"]["KeyState"] = "Disabled";
    return Status::Ok();
  });
}

Result<Output> Provider::update_key_description(Context& ctx, const Value& in) {
  return change_key(ctx, in, true, [&](Value& doc) -> Status {
    NUAGE_TRY(not_pending(doc["KeyMetadata"]));
    doc["KeyMetadata"]["Description"] = in.at("Description");
    return Status::Ok();
  });
}

Result<Output> Provider::schedule_key_deletion(Context& ctx, const Value& in) {
  int days = in.value("PendingWindowInDays", 30);
  if (days < 7 || days > 30)
    return validation("1 validation error detected: Value '" + std::to_string(days) +
                      "' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value " +
                      (days < 7 ? "greater than or equal to 7" : "less than or equal to 30"));
  double deletion = timefmt::epoch_seconds(ctx.clock->now()) + days * 86400.0;
  Value meta;
  auto changed = change_key(ctx, in, true, [&](Value& doc) -> Status {
    NUAGE_TRY(not_pending(doc["KeyMetadata"]));
    doc["KeyMetadata"]["Enabled"] = false;
    doc["KeyMetadata"]["KeyState"] = "PendingDeletion";
    doc["KeyMetadata"]["DeletionDate"] = deletion;
    doc["KeyMetadata"]["PendingDeletionWindowInDays"] = days;
    meta = doc["KeyMetadata"];
    return Status::Ok();
  });
  if (!changed) return changed.error();
  Output out;
  out.value = {{"KeyId", meta["Arn"]}, {"DeletionDate", deletion}, {"KeyState", "PendingDeletion"},
               {"PendingWindowInDays", days}};
  return out;
}

Result<Output> Provider::cancel_key_deletion(Context& ctx, const Value& in) {
  std::string arn;
  auto changed = change_key(ctx, in, true, [&](Value& doc) -> Status {
    Value& meta = doc["KeyMetadata"];
    arn = meta["Arn"];
    if (meta["KeyState"] != "PendingDeletion")
      return errors("KMSInvalidStateException", arn + " is not pending deletion.");
    meta["KeyState"] = "Disabled";  // as AWS leaves it
    meta.erase("DeletionDate");
    meta.erase("PendingDeletionWindowInDays");
    return Status::Ok();
  });
  if (!changed) return changed.error();
  Output out;
  out.value["KeyId"] = arn;
  return out;
}

namespace {

// Rotation is for symmetric encryption keys that are enabled.
Status rotatable(const kit::Value& meta) {
  std::string arn = meta["Arn"];
  NUAGE_TRY(not_pending(meta));
  if (meta["KeyState"] == "Disabled") return errors("DisabledException", arn + " is disabled.");
  if (meta["KeySpec"] != "SYMMETRIC_DEFAULT")
    return errors("UnsupportedOperationException", arn + " key rotation is not supported for asymmetric or HMAC keys.");
  return Status::Ok();
}

}  // namespace

Result<Output> Provider::enable_key_rotation(Context& ctx, const Value& in) {
  int days = in.value("RotationPeriodInDays", kDefaultRotationDays);
  double now = timefmt::epoch_seconds(ctx.clock->now());
  return change_key(ctx, in, true, [&](Value& doc) -> Status {
    NUAGE_TRY(rotatable(doc["KeyMetadata"]));
    doc["Rotation"] = {{"Enabled", true}, {"RotationPeriodInDays", days}, {"NextRotationDate", now + days * 86400.0}};
    return Status::Ok();
  });
}

Result<Output> Provider::disable_key_rotation(Context& ctx, const Value& in) {
  return change_key(ctx, in, true, [&](Value& doc) -> Status {
    NUAGE_TRY(rotatable(doc["KeyMetadata"]));
    doc["Rotation"]["Enabled"] = false;
    doc["Rotation"].erase("NextRotationDate");
    return Status::Ok();
  });
}

Result<Output> Provider::get_key_rotation_status(Context& ctx, const Value& in) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  const Value& doc = *store_->get(found->first, kKey, found->second);
  if (doc["KeyMetadata"]["KeySpec"] != "SYMMETRIC_DEFAULT")
    return errors("UnsupportedOperationException",
                  doc["KeyMetadata"]["Arn"].get<std::string>() + " key rotation is not supported for asymmetric or HMAC keys.");
  NUAGE_TRY(not_pending(doc["KeyMetadata"]));
  const Value& rotation = doc.value("Rotation", Value::object());
  Output out;
  out.value = {{"KeyId", doc["KeyMetadata"]["Arn"]}, {"KeyRotationEnabled", rotation.value("Enabled", false)}};
  if (rotation.value("Enabled", false)) {
    out.value["RotationPeriodInDays"] = rotation["RotationPeriodInDays"];
    out.value["NextRotationDate"] = rotation["NextRotationDate"];
  }
  return out;
}

Result<Output> Provider::rotate_key_on_demand(Context& ctx, const Value& in) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  auto [scope, id] = *found;
  Value doc = *store_->get(scope, kKey, id);
  NUAGE_TRY(rotatable(doc["KeyMetadata"]));
  if (doc["KeyMetadata"]["KeyManager"] == "AWS")
    return errors("UnsupportedOperationException", doc["KeyMetadata"]["Arn"].get<std::string>() + " is an AWS managed key.");
  if (doc["Rotations"].size() + 1 >= kMaxRotations)
    return errors("LimitExceededException", "The key has reached its limit of rotations.");
  auto material = material::generate("SYMMETRIC_DEFAULT");
  if (!material) return errors("KMSInternalException", "Could not generate the key material.");
  doc["Rotations"].push_back({{"RotationDate", timefmt::epoch_seconds(ctx.clock->now())}, {"RotationType", "ON_DEMAND"}});
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kKey, id, doc));
    return add_material(scope, id, key_arn(scope, id), std::move(*material));
  }));
  Output out;
  out.value["KeyId"] = key_arn(scope, id);
  return out;
}

Result<Output> Provider::list_key_rotations(Context& ctx, const Value& in) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  const Value& doc = *store_->get(found->first, kKey, found->second);
  size_t limit = in.value("Limit", 100), start = 0;
  if (in.contains("Marker")) {
    std::string marker = in["Marker"];
    if (marker.empty() || marker.find_first_not_of("0123456789") != std::string::npos)
      return errors("InvalidMarkerException", "Invalid marker");
    start = std::stoul(marker);
  }
  Output out;
  out.value["Rotations"] = Value::array();
  const Value& rotations = doc["Rotations"];
  size_t i = start;
  for (; i < rotations.size() && out.value["Rotations"].size() < limit; ++i) {
    Value r = rotations[i];
    r["KeyId"] = doc["KeyMetadata"]["Arn"];
    out.value["Rotations"].push_back(std::move(r));
  }
  out.value["Truncated"] = i < rotations.size();
  if (i < rotations.size()) out.value["NextMarker"] = std::to_string(i);
  return out;
}

namespace {

Status check_policy_name(const kit::Value& in) {
  if (in.value("PolicyName", "default") != "default")
    return errors("NotFoundException", "No such policy exists: " + in.value("PolicyName", ""));
  return Status::Ok();
}

}  // namespace

Result<Output> Provider::get_key_policy(Context& ctx, const Value& in) {
  NUAGE_TRY(check_policy_name(in));
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  Output out;
  out.value = {{"Policy", (*store_->get(found->first, kKey, found->second))["Policy"]}, {"PolicyName", "default"}};
  return out;
}

Result<Output> Provider::put_key_policy(Context& ctx, const Value& in) {
  NUAGE_TRY(check_policy_name(in));
  std::string policy = in.at("Policy");
  NUAGE_TRY(check_policy(policies_, policy));
  return change_key(ctx, in, true, [&](Value& doc) -> Status {
    doc["Policy"] = policy;
    return Status::Ok();
  });
}

Result<Output> Provider::list_key_policies(Context& ctx, const Value& in) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  Output out;
  out.value = {{"PolicyNames", {"default"}}, {"Truncated", false}};
  return out;
}

Result<Output> Provider::tag_resource(Context& ctx, const Value& in) {
  auto tags = tags_of_input(in);
  if (!tags) return tags.error();
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  auto [scope, id] = *found;
  const Value& doc = *store_->get(scope, kKey, id);
  NUAGE_TRY(not_pending(doc["KeyMetadata"]));
  Value merged = doc["Tags"];
  for (const auto& [k, v] : *tags) merged[k] = v;
  if (merged.size() > kMaxTags) return errors("TagException", "Too many tags: a key has at most 50.");
  NUAGE_TRY(store_->tag(scope, kKey, id, *tags));
  return Output{};
}

Result<Output> Provider::untag_resource(Context& ctx, const Value& in) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  NUAGE_TRY(not_pending((*store_->get(found->first, kKey, found->second))["KeyMetadata"]));
  NUAGE_TRY(store_->untag(found->first, kKey, found->second, in.at("TagKeys").get<std::vector<std::string>>()));
  return Output{};
}

Result<Output> Provider::list_resource_tags(Context& ctx, const Value& in) {
  auto found = find_key(ctx, in.at("KeyId"));
  if (!found) return found.error();
  Output out;
  out.value["Tags"] = Value::array();
  for (const auto& [k, v] : store_->tags(found->first, kKey, found->second))
    out.value["Tags"].push_back({{"TagKey", k}, {"TagValue", v}});
  out.value["Truncated"] = false;
  return out;
}

}  // namespace nuage::services::kms
