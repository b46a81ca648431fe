// AWS KMS (json protocol): customer managed keys of every spec KMS offers
// here — SYMMETRIC_DEFAULT (AES-256-GCM), RSA_2048/3072/4096 (encryption
// and signatures), ECC_NIST_P256/P384/P521 and ECC_SECG_P256K1
// (signatures), HMAC_224/256/384/512 (MACs) — with real cryptography
// (key_material.h), aliases, AWS managed keys (alias/aws/<service>, made on
// first use), key policies, grants, tags, rotation and scheduled deletion
// on nuage's clock.
//
// State: keys (kind "key", id the key's UUID: {KeyMetadata, Policy,
// Rotation, Rotations, Tags}), aliases (kind "alias", id "alias/name") and
// grants (kind "grant", id "<key id>/<grant id>", so a key's grants are one
// range) in a storage::ResourceStore; the key material in its own table
// `kms_key_material` (one row per key and material version, never in the
// documents the bus announces), held in memory once loaded.
//
// Authorization: every operation is authorized against the key's ARN (an
// alias resolved to its key); the key's policy, with one statement per grant
// allowing the grantee the grant's operations under its constraints, is the
// key's resource policy (policy::evaluate_access decides, as for buckets).
//
// Thread-safety: mutex_ guards the store, the material and the timers;
// cryptography runs on copies of the material outside it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kit/environment.h"
#include "kit/provider.h"
#include "policy/resource_access.h"
#include "storage/resource_store.h"

namespace nuage::services::kms {

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  ~Provider() override;
  std::string_view service() const override { return "kms"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;

  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

 private:
  // A key found for one call, copied out of the store so the cryptography
  // runs without the mutex.
  struct Key {
    storage::Scope scope;
    std::string id, arn;
    Value metadata;
    std::shared_ptr<const std::vector<std::string>> material;  // by version
  };
  // What a call will use a key for: its KeyUsage and the state errors.
  enum class Use { kAny, kEncrypt, kSign, kMac, kDescribe };

  // provider.cc
  // The key ARN a KeyId (UUID, key ARN, alias name or alias ARN) names in the
  // caller's account, or "" when none; the caller holds mutex_.
  std::string key_arn_of(const Context& ctx, const std::string& key_id) const;
  // The key for a call: found (NotFoundException), in a state that allows
  // `use` (DisabledException, KMSInvalidStateException) and of the usage it
  // needs (InvalidKeyUsageException). Takes mutex_. Makes the AWS managed
  // key of alias/aws/<service> on first use.
  Result<Key> use_key(const Context& ctx, const std::string& key_id, Use use);
  // The same with mutex_ held.
  Result<Key> use_key_locked(const Context& ctx, const std::string& key_id, Use use);
  // The stored key document for changing, with mutex_ held; NotFoundException.
  Result<std::pair<storage::Scope, std::string>> find_key(const Context& ctx, const std::string& key_id) const;
  std::optional<policy::ResourcePolicy> key_policy(const kit::ActionTarget& target);
  // The key's policy with its grants as statements.
  std::string effective_policy(const storage::Scope& scope, const std::string& key_id) const;
  // Arms the key's next clock event (deletion, rotation); mutex_ held.
  void arm(const storage::Scope& scope, const std::string& key_id);
  void on_due(const storage::Scope& scope, const std::string& key_id);
  Status delete_key_now(const storage::Scope& scope, const std::string& key_id);
  Status add_material(const storage::Scope& scope, const std::string& key_id, const std::string& arn,
                      std::string material);

  // keys.cc
  Result<Output> create_key(Context& ctx, const Value& in);
  // Stores a new key; mutex_ held. `material` made beforehand (RSA takes
  // long). `managed_by`: "" for a customer managed key, else the service
  // whose AWS managed key it is ("ssm").
  Result<Value> store_key(const Context& ctx, const Value& in, std::string material, const std::string& managed_by);
  Result<Output> describe_key(Context& ctx, const Value& in);
  Result<Output> list_keys(Context& ctx, const Value& in);
  Result<Output> enable_key(Context& ctx, const Value& in);
  Result<Output> disable_key(Context& ctx, const Value& in);
  Result<Output> update_key_description(Context& ctx, const Value& in);
  Result<Output> schedule_key_deletion(Context& ctx, const Value& in);
  Result<Output> cancel_key_deletion(Context& ctx, const Value& in);
  Result<Output> enable_key_rotation(Context& ctx, const Value& in);
  Result<Output> disable_key_rotation(Context& ctx, const Value& in);
  Result<Output> get_key_rotation_status(Context& ctx, const Value& in);
  Result<Output> rotate_key_on_demand(Context& ctx, const Value& in);
  Result<Output> list_key_rotations(Context& ctx, const Value& in);
  Result<Output> get_key_policy(Context& ctx, const Value& in);
  Result<Output> put_key_policy(Context& ctx, const Value& in);
  Result<Output> list_key_policies(Context& ctx, const Value& in);
  Result<Output> tag_resource(Context& ctx, const Value& in);
  Result<Output> untag_resource(Context& ctx, const Value& in);
  Result<Output> list_resource_tags(Context& ctx, const Value& in);
  // Changes a key document with mutex_ held: finds it, checks it is a
  // customer managed key when `customer_only`, applies `change`, stores it.
  Result<Output> change_key(const Context& ctx, const Value& in, bool customer_only,
                            const std::function<Status(Value& doc)>& change);

  // aliases.cc
  Result<Output> create_alias(Context& ctx, const Value& in);
  Result<Output> update_alias(Context& ctx, const Value& in);
  Result<Output> delete_alias(Context& ctx, const Value& in);
  Result<Output> list_aliases(Context& ctx, const Value& in);
  // The AWS managed key of alias/aws/<service>, made if it does not exist; mutex_ held.
  Result<std::string> managed_key(const Context& ctx, const std::string& alias);

  // cryptography.cc
  Result<Output> encrypt(Context& ctx, const Value& in);
  Result<Output> decrypt(Context& ctx, const Value& in);
  Result<Output> re_encrypt(Context& ctx, const Value& in);
  Result<Output> generate_data_key(Context& ctx, const Value& in);
  Result<Output> generate_data_key_without_plaintext(Context& ctx, const Value& in);
  Result<Output> generate_data_key_pair(Context& ctx, const Value& in);
  Result<Output> generate_data_key_pair_without_plaintext(Context& ctx, const Value& in);
  Result<Output> sign(Context& ctx, const Value& in);
  Result<Output> verify(Context& ctx, const Value& in);
  Result<Output> generate_mac(Context& ctx, const Value& in);
  Result<Output> verify_mac(Context& ctx, const Value& in);
  Result<Output> get_public_key(Context& ctx, const Value& in);
  // The key of a Sign or Verify call, and whether its message is a digest.
  Result<std::pair<Key, bool>> signing_key(const Context& ctx, const Value& in);
  // The key and the MAC of in["Message"] (GenerateMac, VerifyMac).
  Result<std::pair<Key, std::string>> mac_of(const Context& ctx, const Value& in);
  Result<Output> generate_random(Context& ctx, const Value& in);
  // Encrypts under `key` (symmetric: a blob naming the key; RSA: OAEP).
  Result<std::string> seal(const Key& key, const std::string& algorithm, const Value& context,
                           const std::string& plaintext);
  // Opens a ciphertext: KeyId optional for symmetric blobs (IncorrectKeyException
  // when it names another key), required for RSA.
  Result<std::pair<Key, std::string>> unseal(const Context& ctx, const std::string& key_id,
                                             const std::string& algorithm, const Value& context,
                                             const std::string& blob);

  // grants.cc
  Result<Output> create_grant(Context& ctx, const Value& in);
  Result<Output> list_grants(Context& ctx, const Value& in);
  Result<Output> list_retirable_grants(Context& ctx, const Value& in);
  Result<Output> retire_grant(Context& ctx, const Value& in);
  Result<Output> revoke_grant(Context& ctx, const Value& in);

  std::string key_arn(const storage::Scope& scope, const std::string& id) const;

  kit::Environment& env_;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  // Key ARN -> its material, version by version.
  std::map<std::string, std::shared_ptr<const std::vector<std::string>>> material_;
  std::map<std::string, Clock::TimerId> timers_;  // key ARN -> its next event
  policy::PolicyCache policies_{policy::PolicyKind::kResource};
};

}  // namespace nuage::services::kms
