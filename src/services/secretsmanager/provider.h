// AWS Secrets Manager (json protocol): secrets with versions and staging
// labels (AWSCURRENT / AWSPREVIOUS / AWSPENDING moved as AWS moves them),
// values encrypted at rest under KMS (envelope.h), deletion with a recovery
// window on nuage's clock, resource policies judged by the policy engine,
// tags, replication recorded, random passwords, and rotation by a real
// Lambda function invoked with AWS's four steps, on demand or on a schedule
// that fires on the clock (rotation.cc).
//
// State: secrets in a storage::ResourceStore (kind "secret", id the name:
// {ARN, Name, Description, KmsKeyId, dates, rotation settings, Tags,
// ResourcePolicy, ReplicationStatus, Versions: {id: {VersionStages,
// CreatedDate, KmsKeyId, Binary}}}); each version's sealed value in its own
// table `secretsmanager_values` (never in the documents the bus announces),
// held in memory once loaded. A version made by RotateSecret has no value
// until the rotation function puts one.
//
// Authorization: every operation naming a secret is authorized against its
// ARN (a name resolved in the caller's account, a full or partial ARN as
// given); the secret's resource policy decides for other accounts.
//
// Thread-safety: mutex_ guards the store, the values, the timers and the
// rotations list. KMS and Lambda are called without it: a handler finds
// what it needs under the mutex, calls out, and takes the mutex again to
// commit, checking the secret is still the one it found.
#pragma once

#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kit/environment.h"
#include "kit/provider.h"
#include "policy/resource_access.h"
#include "storage/resource_store.h"

namespace nuage::services::secretsmanager {

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  ~Provider() override;
  std::string_view service() const override { return "secretsmanager"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void close() override;
  void reset() override;

  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

 private:
  // A secret found for one call: where it is and its name (the store id).
  struct Found {
    storage::Scope scope;
    std::string name;
  };
  // A value to store, sealed outside the mutex.
  struct NewValue {
    std::string plaintext;
    bool binary = false;
  };

  // provider.cc
  // The secret a SecretId (name, full ARN, or ARN without the random
  // suffix) names; ResourceNotFoundException. mutex_ held.
  Result<Found> find(const Context& ctx, const std::string& secret_id) const;
  // The same, refusing a secret marked for deletion (InvalidRequestException).
  Result<Found> find_live(const Context& ctx, const std::string& secret_id) const;
  // The document of a secret found with mutex_ held, before any change.
  const Value& doc(const Found& f) const;
  std::optional<policy::ResourcePolicy> secret_policy(const kit::ActionTarget& target);
  // Arms the secret's next clock event (its deletion, else its rotation); mutex_ held.
  void arm(const storage::Scope& scope, const std::string& name);
  void on_due(const storage::Scope& scope, const std::string& name);
  // Forgets the secret and its values now; mutex_ held.
  Status erase_now(const storage::Scope& scope, const std::string& name);
  // The sealed value of a version, or null; mutex_ held.
  std::shared_ptr<const std::string> sealed_value(const std::string& arn, const std::string& version_id) const;
  Status store_sealed(const storage::Scope& scope, const std::string& arn, const std::string& version_id,
                      std::string sealed);

  // secrets.cc
  Result<Output> create_secret(Context& ctx, const Value& in);
  Result<Output> describe_secret(Context& ctx, const Value& in);
  Result<Output> update_secret(Context& ctx, const Value& in);
  Result<Output> delete_secret(Context& ctx, const Value& in);
  Result<Output> restore_secret(Context& ctx, const Value& in);
  Result<Output> list_secrets(Context& ctx, const Value& in);
  // DescribeSecret's answer (ListSecrets' entry when `listing`).
  Value describe(const Value& secret, bool listing) const;

  // values.cc
  Result<Output> get_secret_value(Context& ctx, const Value& in);
  Result<Output> batch_get_secret_value(Context& ctx, const Value& in);
  Result<Output> put_secret_value(Context& ctx, const Value& in);
  Result<Output> list_secret_version_ids(Context& ctx, const Value& in);
  Result<Output> update_secret_version_stage(Context& ctx, const Value& in);
  // The value of in's SecretString / SecretBinary, nullopt when neither;
  // InvalidParameterException for both.
  static Result<std::optional<NewValue>> value_of(const Value& in);
  // Seals `value` for a new version of `arn` (no mutex), then with mutex_
  // adds the version to the secret `name` (still `arn`) with `stages`,
  // moving the labels as AWS does. `token`: the version id. Answers the
  // version id; an existing version of the same token and value is
  // answered as is (ResourceExistsException for another value).
  Result<std::string> add_version(const Context& ctx, const Found& where, const std::string& arn,
                                  const std::string& token, const NewValue& value, std::vector<std::string> stages);
  // GetSecretValue's answer for one secret (BatchGetSecretValue's entry).
  Result<Value> read_value(const Context& ctx, const std::string& secret_id, const std::string& version_id,
                           const std::string& stage);

  // rotation.cc
  Result<Output> rotate_secret(Context& ctx, const Value& in);
  Result<Output> cancel_rotate_secret(Context& ctx, const Value& in);
  // Runs the rotation function's four steps for `token` on a thread of its
  // own; the clock waits for it when the schedule started it.
  void start_rotation(const storage::Scope& scope, const std::string& arn, const std::string& function,
                      const std::string& token);
  void run_rotation(const storage::Scope& scope, const std::string& arn, const std::string& function,
                    const std::string& token);
  // Stages `token` AWSPENDING on the secret for a rotation (a new version
  // without a value); mutex_ held.
  Status stage_pending(const Found& where, const std::string& token);
  // The due time of the next scheduled rotation after `after` (epoch seconds).
  static std::optional<double> next_rotation(const Value& rules, double after);

  // policies.cc
  Result<Output> get_resource_policy(Context& ctx, const Value& in);
  Result<Output> put_resource_policy(Context& ctx, const Value& in);
  Result<Output> delete_resource_policy(Context& ctx, const Value& in);
  Result<Output> validate_resource_policy(Context& ctx, const Value& in);

  // replication.cc
  Result<Output> replicate_secret_to_regions(Context& ctx, const Value& in);
  Result<Output> remove_regions_from_replication(Context& ctx, const Value& in);
  // The ReplicationStatus entries of AddReplicaRegions; InvalidParameterException.
  static Result<Value> replicas(const Context& ctx, const Value& regions, const Value& current);

  // random_password.cc
  Result<Output> get_random_password(Context& ctx, const Value& in);

  // Changes the secret's document with mutex_ held and stores it.
  Status change(const Found& where, const std::function<Status(Value& doc)>& fn);

  kit::Environment& env_;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  // "<secret ARN> <version id>" -> the sealed value.
  std::map<std::string, std::shared_ptr<const std::string>> values_;
  std::map<std::string, Clock::TimerId> timers_;  // secret ARN -> its next event
  // Rotations running, each on its thread (joined by close(), or reaped
  // by the next start once done), and the ARNs of their secrets.
  struct Rotation {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Rotation> rotations_;
  std::set<std::string> rotating_;
  bool closing_ = false;
  policy::PolicyCache policies_{policy::PolicyKind::kResource};
};

}  // namespace nuage::services::secretsmanager
