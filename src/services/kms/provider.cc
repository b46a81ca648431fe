#include "services/kms/provider.h"

#include "common/text.h"
#include "common/time.h"
#include "services/kms/ciphertext.h"
#include "services/kms/key_material.h"
#include "services/kms/internal.h"

namespace nuage::services::kms {

using namespace detail;
using kit::Output;
using kit::Value;

namespace {

// arn:aws:kms:REGION:ACCOUNT:key/ID or :alias/NAME -> parts; empty if not a KMS ARN.
std::vector<std::string> kms_arn(const std::string& arn) {
  auto parts = text::split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "kms") return {};
  return parts;
}

}  // namespace

Provider::~Provider() {
  std::lock_guard lock(mutex_);
  for (auto& [arn, id] : timers_) env_.clock.cancel(id);
}

std::string Provider::key_arn(const storage::Scope& scope, const std::string& id) const {
  return "arn:aws:kms:" + scope.region + ":" + scope.account + ":key/" + id;
}

Status Provider::open() {
  NUAGE_TRY(env_.db.migrate("kms", {"CREATE TABLE kms_key_material (account TEXT NOT NULL, region TEXT NOT NULL, "
                                    "key_id TEXT NOT NULL, version INTEGER NOT NULL, material TEXT NOT NULL, "
                                    "PRIMARY KEY (account, region, key_id, version))"}));
  storage::ResourceStore::Options options;
  options.service = "kms";
  options.kinds[kKey] = {"Tags", true};
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  std::lock_guard lock(mutex_);
  store_ = std::move(*store);
  std::map<std::string, std::vector<std::string>> loaded;
  bool corrupt = false;
  NUAGE_TRY(env_.db.exec("SELECT account, region, key_id, material FROM kms_key_material ORDER BY account, region, "
                         "key_id, version",
                         {}, [&](const storage::Row& row) {
                           auto bytes = text::base64_decode(row.text(3));
                           if (!bytes) corrupt = true;
                           loaded[key_arn({row.text(0), row.text(1)}, row.text(2))].push_back(bytes.value_or(""));
                         }));
  if (corrupt) return AwsError{"InternalError", "kms: unreadable key material in the database", 500};
  for (auto& [arn, versions] : loaded)
    material_[arn] = std::make_shared<const std::vector<std::string>>(std::move(versions));
  std::vector<std::pair<storage::Scope, std::string>> keys;
  store_->for_each(kKey, [&](const storage::Scope& scope, const std::string& id, const Value&) {
    keys.emplace_back(scope, id);
  });
  for (const auto& [scope, id] : keys) arm(scope, id);
  return Status::Ok();
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  for (auto& [arn, id] : timers_) env_.clock.cancel(id);
  timers_.clear();
  store_->clear();
  material_.clear();
  (void)env_.db.exec("DELETE FROM kms_key_material");
}

std::string Provider::key_arn_of(const Context& ctx, const std::string& key_id) const {
  storage::Scope scope = scope_of(ctx);
  std::string name = key_id;
  if (auto parts = kms_arn(key_id); !parts.empty()) {
    scope = {parts[4], parts[3]};
    name = parts[5];
    if (text::starts_with(name, "key/")) name = name.substr(4);
  }
  if (text::starts_with(name, "alias/")) {
    const Value* alias = store_->get(scope, kAlias, name);
    if (!alias) return "";
    name = (*alias)["TargetKeyId"];
  }
  return store_->get(scope, kKey, name) ? key_arn(scope, name) : "";
}

Result<std::pair<storage::Scope, std::string>> Provider::find_key(const Context& ctx, const std::string& key_id) const {
  std::string arn = key_arn_of(ctx, key_id);
  if (arn.empty()) {
    if (text::starts_with(key_id, "alias/") || key_id.find(":alias/") != std::string::npos)
      return errors("NotFoundException",
                    "Alias " + (text::starts_with(key_id, "arn:") ? key_id
                                                                 : "arn:aws:kms:" + ctx.region + ":" + ctx.account_id +
                                                                       ":" + key_id) +
                        " is not found.");
    return key_not_found(text::starts_with(key_id, "arn:") ? key_id : key_arn(scope_of(ctx), key_id));
  }
  auto parts = kms_arn(arn);
  return std::pair{storage::Scope{parts[4], parts[3]}, parts[5].substr(4)};
}

Result<Provider::Key> Provider::use_key(const Context& ctx, const std::string& key_id, Use use) {
  std::lock_guard lock(mutex_);
  return use_key_locked(ctx, key_id, use);
}

Result<Provider::Key> Provider::use_key_locked(const Context& ctx, const std::string& key_id, Use use) {
  if (text::starts_with(key_id, "alias/aws/") && key_arn_of(ctx, key_id).empty()) NUAGE_TRY(managed_key(ctx, key_id));
  auto found = find_key(ctx, key_id);
  if (!found) return found.error();
  auto [scope, id] = *found;
  const Value& doc = *store_->get(scope, kKey, id);
  Key key{scope, id, key_arn(scope, id), doc["KeyMetadata"], nullptr};
  if (auto it = material_.find(key.arn); it != material_.end()) key.material = it->second;
  std::string state = key.metadata["KeyState"];
  if (use == Use::kDescribe) return key;
  if (state == "Disabled") return errors("DisabledException", key.arn + " is disabled.");
  if (state == "PendingDeletion") return errors("KMSInvalidStateException", key.arn + " is pending deletion.");
  if (state != "Enabled") return errors("KMSInvalidStateException", key.arn + " is " + text::lower(state) + ".");
  std::string usage = key.metadata["KeyUsage"];
  const char* needed = use == Use::kEncrypt ? "ENCRYPT_DECRYPT"
                       : use == Use::kSign  ? "SIGN_VERIFY"
                       : use == Use::kMac   ? "GENERATE_VERIFY_MAC"
                                            : nullptr;
  if (needed && usage != needed)
    return errors("InvalidKeyUsageException", key.arn + " key usage is " + usage + " which is not valid for " +
                                                  ctx.operation + ".");
  if (!key.material || key.material->empty())
    return errors("KMSInternalException", "The key material of " + key.arn + " is missing.");
  return key;
}

Status Provider::add_material(const storage::Scope& scope, const std::string& key_id, const std::string& arn,
                              std::string material) {
  auto versions = std::make_shared<std::vector<std::string>>();
  if (auto it = material_.find(arn); it != material_.end()) *versions = *it->second;
  NUAGE_TRY(env_.db.exec("INSERT INTO kms_key_material (account, region, key_id, version, material) VALUES (?, ?, ?, "
                         "?, ?)",
                         {scope.account, scope.region, key_id, static_cast<int64_t>(versions->size()),
                          text::base64_encode(material)}));
  versions->push_back(std::move(material));
  material_[arn] = std::move(versions);
  return Status::Ok();
}

Status Provider::delete_key_now(const storage::Scope& scope, const std::string& key_id) {
  std::string arn = key_arn(scope, key_id);
  std::vector<std::string> aliases, grants;
  for (auto [name, alias] : store_->all(scope, kAlias))
    if (alias["TargetKeyId"] == key_id) aliases.push_back(name);
  auto view = store_->all(scope, kGrant);
  for (auto it = view.from(key_id + "/"); it != view.end() && text::starts_with((*it).first, key_id + "/"); ++it)
    grants.push_back((*it).first);
  NUAGE_TRY(store_->transaction([&]() -> Status {
    for (const auto& name : aliases) NUAGE_TRY(store_->erase(scope, kAlias, name));
    for (const auto& id : grants) NUAGE_TRY(store_->erase(scope, kGrant, id));
    NUAGE_TRY(store_->erase(scope, kKey, key_id));
    return env_.db.exec("DELETE FROM kms_key_material WHERE account = ? AND region = ? AND key_id = ?",
                        {scope.account, scope.region, key_id});
  }));
  material_.erase(arn);
  return Status::Ok();
}

void Provider::arm(const storage::Scope& scope, const std::string& key_id) {
  std::string arn = key_arn(scope, key_id);
  if (auto it = timers_.find(arn); it != timers_.end()) {
    env_.clock.cancel(it->second);
    timers_.erase(it);
  }
  const Value* doc = store_->get(scope, kKey, key_id);
  if (!doc) return;
  std::optional<double> due;
  const Value& meta = (*doc)["KeyMetadata"];
  if (meta["KeyState"] == "PendingDeletion" && meta.contains("DeletionDate")) due = meta["DeletionDate"].get<double>();
  if (meta["KeyState"] == "Enabled" && doc->contains("Rotation") && (*doc)["Rotation"].value("Enabled", false)) {
    double next = (*doc)["Rotation"]["NextRotationDate"];
    due = due ? std::min(*due, next) : next;
  }
  if (!due) return;
  timers_[arn] = env_.clock.schedule(timefmt::from_epoch_seconds(*due),
                                     [this, scope, key_id](Clock::TimePoint) { on_due(scope, key_id); });
}

void Provider::on_due(const storage::Scope& scope, const std::string& key_id) {
  std::lock_guard lock(mutex_);
  timers_.erase(key_arn(scope, key_id));
  const Value* doc = store_->get(scope, kKey, key_id);
  if (!doc) return;
  double now = timefmt::epoch_seconds(env_.clock.now());
  const Value& meta = (*doc)["KeyMetadata"];
  if (meta["KeyState"] == "PendingDeletion" && meta.value("DeletionDate", now + 1) <= now) {
    if (Status s = delete_key_now(scope, key_id); !s.ok()) arm(scope, key_id);
    return;
  }
  if (meta["KeyState"] == "Enabled" && doc->contains("Rotation") && (*doc)["Rotation"].value("Enabled", false) &&
      (*doc)["Rotation"]["NextRotationDate"].get<double>() <= now) {
    Value changed = *doc;
    double period = changed["Rotation"]["RotationPeriodInDays"].get<double>() * 86400;
    changed["Rotation"]["NextRotationDate"] = changed["Rotation"]["NextRotationDate"].get<double>() + period;
    changed["Rotations"].push_back({{"RotationDate", now}, {"RotationType", "AUTOMATIC"}});
    auto material = material::generate("SYMMETRIC_DEFAULT");
    if (material && changed["Rotations"].size() < kMaxRotations)
      (void)store_->transaction([&]() -> Status {
        NUAGE_TRY(store_->put(scope, kKey, key_id, changed));
        return add_material(scope, key_id, key_arn(scope, key_id), *material);
      });
  }
  arm(scope, key_id);
}

std::string Provider::effective_policy(const storage::Scope& scope, const std::string& key_id) const {
  const Value* doc = store_->get(scope, kKey, key_id);
  if (!doc) return "";
  auto view = store_->all(scope, kGrant);
  auto first = view.from(key_id + "/");
  // Most keys have no grants: their policy is the stored text, not parsed again.
  if (!(first != view.end()) || !text::starts_with((*first).first, key_id + "/")) return doc->value("Policy", "");
  Value policy = Value::parse(doc->value("Policy", "{}"), nullptr, false);
  if (!policy.is_object()) return doc->value("Policy", "");
  bool any = false;
  for (auto it = first; it != view.end() && text::starts_with((*it).first, key_id + "/"); ++it) {
    const Value& grant = (*it).second;
    std::string grantee = grant["GranteePrincipal"];
    Value principal = text::ends_with(grantee, ".amazonaws.com") ? Value{{"Service", grantee}} : Value{{"AWS", grantee}};
    Value actions = Value::array();
    for (const auto& op : grant["Operations"]) actions.push_back("kms:" + op.get<std::string>());
    Value statement = {{"Sid", "grant " + grant["GrantId"].get<std::string>()},
                       {"Effect", "Allow"},
                       {"Principal", principal},
                       {"Action", actions},
                       {"Resource", "*"}};
    const Value& constraints = grant.value("Constraints", Value::object());
    Value conditions = Value::object();
    for (const char* member : {"EncryptionContextSubset", "EncryptionContextEquals"})
      if (constraints.contains(member))
        for (const auto& [k, v] : constraints[member].items()) conditions["StringEquals"]["kms:EncryptionContext:" + k] = v;
    if (constraints.contains("EncryptionContextEquals")) {
      Value keys = Value::array();
      for (const auto& [k, v] : constraints["EncryptionContextEquals"].items()) keys.push_back(k);
      conditions["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"] = keys;
    }
    if (!conditions.empty()) statement["Condition"] = conditions;
    if (!policy["Statement"].is_array()) policy["Statement"] = Value::array({policy["Statement"]});
    policy["Statement"].push_back(statement);
    any = true;
  }
  return any ? policy.dump() : doc->value("Policy", "");
}

std::optional<policy::ResourcePolicy> Provider::key_policy(const kit::ActionTarget& target) {
  auto parts = kms_arn(target.resource);
  if (parts.empty() || !text::starts_with(parts[5], "key/")) return std::nullopt;
  std::string document;
  {
    std::lock_guard lock(mutex_);
    if (!store_) return std::nullopt;
    document = effective_policy({parts[4], parts[3]}, parts[5].substr(4));
  }
  if (document.empty()) return std::nullopt;
  policy::ResourcePolicy out{parts[4], target.resource, nullptr, false};
  if (auto compiled = policies_.compile(document)) out.policy = *compiled;
  return out;
}

void Provider::register_operations(kit::OperationTable& table) {
  // The key a call names: KeyId, or for Decrypt the key its blob names.
  auto key_resources = [this](const Context& ctx, const Value& in) -> std::vector<std::string> {
    std::string key_id;
    for (const char* member : {"KeyId", "TargetKeyId", "SourceKeyId"})
      if (auto it = in.find(member); it != in.end() && it->is_string()) {
        key_id = *it;
        break;
      }
    if (key_id.empty()) {
      if (auto it = in.find("CiphertextBlob"); it != in.end())
        if (auto parsed = ciphertext::parse(kit::blob_bytes(*it))) return {parsed->header.key_arn};
      if (auto it = in.find("AliasName"); it != in.end() && it->is_string()) key_id = *it;
    }
    if (key_id.empty()) return {"*"};
    std::lock_guard lock(mutex_);
    if (!store_) return {"*"};
    std::string arn = key_arn_of(ctx, key_id);
    if (!arn.empty()) return {arn};
    if (text::starts_with(key_id, "arn:")) return {key_id};
    return {"arn:aws:kms:" + ctx.region + ":" + ctx.account_id + ":" +
            (text::starts_with(key_id, "alias/") ? key_id : "key/" + key_id)};
  };
  table.set_default_resources(key_resources);
  table.set_resource_policies(
      [this](const Context&, const kit::ActionTarget& target) { return key_policy(target); });
  table.set_condition_keys([](const Context& ctx, const Value& in, policy::Context& keys) {
    keys.set("kms:CallerAccount", ctx.caller.account_id.empty() ? ctx.account_id : ctx.caller.account_id);
    for (const char* member : {"EncryptionContext", "SourceEncryptionContext"}) {
      auto it = in.find(member);
      if (it == in.end() || !it->is_object()) continue;
      std::vector<std::string> names;
      for (const auto& [k, v] : it->items()) {
        names.push_back(k);
        if (v.is_string()) keys.set("kms:EncryptionContext:" + k, v.get<std::string>());
      }
      keys.set_multi("kms:EncryptionContextKeys", names);
      break;
    }
    for (const char* member : {"EncryptionAlgorithm", "SigningAlgorithm", "MacAlgorithm"})
      if (auto it = in.find(member); it != in.end() && it->is_string())
        keys.set(std::string("kms:") + member, it->get<std::string>());
  });
  auto everything = [](const Context&, const Value&) { return std::vector<std::string>{"*"}; };

  // keys.cc
  table.add("CreateKey", this, &Provider::create_key).iam_resources(everything);
  table.add_locked("DescribeKey", this, mutex_, &Provider::describe_key);
  table.add_locked("ListKeys", this, mutex_, &Provider::list_keys).iam_resources(everything);
  table.add_locked("EnableKey", this, mutex_, &Provider::enable_key);
  table.add_locked("DisableKey", this, mutex_, &Provider::disable_key);
  table.add_locked("UpdateKeyDescription", this, mutex_, &Provider::update_key_description);
  table.add_locked("ScheduleKeyDeletion", this, mutex_, &Provider::schedule_key_deletion);
  table.add_locked("CancelKeyDeletion", this, mutex_, &Provider::cancel_key_deletion);
  table.add_locked("EnableKeyRotation", this, mutex_, &Provider::enable_key_rotation);
  table.add_locked("DisableKeyRotation", this, mutex_, &Provider::disable_key_rotation);
  table.add_locked("GetKeyRotationStatus", this, mutex_, &Provider::get_key_rotation_status);
  table.add_locked("RotateKeyOnDemand", this, mutex_, &Provider::rotate_key_on_demand);
  table.add_locked("ListKeyRotations", this, mutex_, &Provider::list_key_rotations);
  table.add_locked("GetKeyPolicy", this, mutex_, &Provider::get_key_policy);
  table.add_locked("PutKeyPolicy", this, mutex_, &Provider::put_key_policy);
  table.add_locked("ListKeyPolicies", this, mutex_, &Provider::list_key_policies);
  table.add_locked("TagResource", this, mutex_, &Provider::tag_resource);
  table.add_locked("UntagResource", this, mutex_, &Provider::untag_resource);
  table.add_locked("ListResourceTags", this, mutex_, &Provider::list_resource_tags);
  // aliases.cc: authorized against the alias, the key it names now and the key it is to name.
  auto alias_resources = [key_resources](const Context& ctx, const Value& in) {
    std::string alias = in.value("AliasName", "");
    std::vector<std::string> out{"arn:aws:kms:" + ctx.region + ":" + ctx.account_id + ":" + alias};
    std::vector<Value> keys{Value{{"KeyId", alias}}};
    if (in.contains("TargetKeyId")) keys.push_back(Value{{"KeyId", in["TargetKeyId"]}});
    for (const auto& key : keys)
      for (auto& arn : key_resources(ctx, key))
        if (std::find(out.begin(), out.end(), arn) == out.end()) out.push_back(arn);
    return out;
  };
  table.add_locked("CreateAlias", this, mutex_, &Provider::create_alias).iam_resources(alias_resources);
  table.add_locked("UpdateAlias", this, mutex_, &Provider::update_alias).iam_resources(alias_resources);
  table.add_locked("DeleteAlias", this, mutex_, &Provider::delete_alias).iam_resources(alias_resources);
  table.add_locked("ListAliases", this, mutex_, &Provider::list_aliases).iam_resources(everything);
  // cryptography.cc: outside the mutex (use_key copies what they need).
  table.add("Encrypt", this, &Provider::encrypt);
  table.add("Decrypt", this, &Provider::decrypt);
  table.add("ReEncrypt", this, &Provider::re_encrypt).iam_targets([key_resources](const Context& ctx, const Value& in) {
    Value source = Value::object();
    if (in.contains("SourceKeyId")) source["KeyId"] = in["SourceKeyId"];
    if (in.contains("CiphertextBlob")) source["CiphertextBlob"] = in["CiphertextBlob"];
    std::vector<kit::ActionTarget> out;
    for (auto& arn : key_resources(ctx, source)) out.push_back({"kms:ReEncryptFrom", arn});
    for (auto& arn : key_resources(ctx, Value{{"KeyId", in.value("DestinationKeyId", "")}}))
      out.push_back({"kms:ReEncryptTo", arn});
    return out;
  });
  table.add("GenerateDataKey", this, &Provider::generate_data_key);
  table.add("GenerateDataKeyWithoutPlaintext", this, &Provider::generate_data_key_without_plaintext);
  table.add("GenerateDataKeyPair", this, &Provider::generate_data_key_pair);
  table.add("GenerateDataKeyPairWithoutPlaintext", this, &Provider::generate_data_key_pair_without_plaintext);
  table.add("Sign", this, &Provider::sign);
  table.add("Verify", this, &Provider::verify);
  table.add("GenerateMac", this, &Provider::generate_mac);
  table.add("VerifyMac", this, &Provider::verify_mac);
  table.add("GetPublicKey", this, &Provider::get_public_key);
  table.add("GenerateRandom", this, &Provider::generate_random).iam_resources(everything);
  // grants.cc
  table.add_locked("CreateGrant", this, mutex_, &Provider::create_grant);
  table.add_locked("ListGrants", this, mutex_, &Provider::list_grants);
  table.add_locked("ListRetirableGrants", this, mutex_, &Provider::list_retirable_grants).iam_resources(everything);
  // Retiring is decided by the grant (its retiring principal or grantee), not by IAM.
  table.add_locked("RetireGrant", this, mutex_, &Provider::retire_grant).iam_decided_by_provider();
  table.add_locked("RevokeGrant", this, mutex_, &Provider::revoke_grant);
}

}  // namespace nuage::services::kms
