// IAM (query protocol, global): users, groups, roles, managed policies with
// versions, inline policies, permissions boundaries, instance profiles,
// access keys, login profiles, tags, and the policy simulator. It also keeps
// the STS sessions, since they are IAM identities too (sts/provider.cc makes
// them, the authorizer reads them).
//
// State is per account (not per region), kept in memory with the compiled
// policies (parsed once, when written) and written through to the shared
// database (table iam_entities, one JSON document per entity), from which
// it is reloaded at start; access keys and live session credentials are
// registered again in the credential store then.
//
// The operations live one file per group: users.cc, groups.cc, roles.cc
// (entities.cc holds what the three share), policies.cc, access_keys.cc,
// instance_profiles.cc, authorization_details.cc, simulator.cc;
// documents.cc is the stored form of each struct.
//
// Thread-safety: one shared_mutex guards the state: writers hold it
// exclusively (and write the database under it), readers — among them every
// authorized request — share it.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "kit/environment.h"
#include "kit/provider.h"
#include "policy/evaluator.h"
#include "storage/database.h"

namespace nuage::services::iam {

using nuage::policy::PolicyPtr;

struct Doc {
  std::string text;  // as submitted (IAM returns it verbatim, URL-encoded)
  PolicyPtr compiled;
};

// A user, group or role.
struct Entity {
  std::string kind;  // "user", "group", "role"
  std::string name, path = "/", id, arn;
  double created = 0;
  nlohmann::json tags = nlohmann::json::array();
  std::map<std::string, Doc> inline_policies;
  std::vector<std::string> attached;  // managed policy ARNs
  std::string boundary;               // permissions boundary policy ARN
  // users
  std::set<std::string> groups;
  nlohmann::json login_profile;  // null or {CreateDate, PasswordResetRequired}
  // roles
  Doc trust;
  std::string description;
  int64_t max_session = 3600;
};

struct ManagedPolicy {
  std::string name, path = "/", id, arn, description;
  double created = 0, updated = 0;
  std::string default_version = "v1";
  int next_version = 2;
  std::map<std::string, std::pair<Doc, double>> versions;  // id -> (document, created)
  nlohmann::json tags = nlohmann::json::array();
  bool aws_managed = false;
};

struct InstanceProfile {
  std::string name, path = "/", id, arn;
  double created = 0;
  std::vector<std::string> roles;
  nlohmann::json tags = nlohmann::json::array();
};

struct AccessKey {
  std::string id, secret, user, status = "Active";
  double created = 0;
};

// Temporary credentials issued by STS.
struct Session {
  std::string access_key, secret, token, account;
  std::string kind;         // "assumed-role", "session-token" (acts as the user), "web-identity"
  std::string arn;          // arn:aws:sts::acct:assumed-role/Role/Session, or the user ARN
  std::string user_id;      // AROA...:Session, or the user id
  std::string role_name;    // assumed roles
  std::string session_name;
  double expiration = 0;    // epoch seconds, nuage clock
  double issued = 0;
  std::optional<Doc> policy;              // inline session policy
  std::vector<std::string> policy_arns;   // managed session policies
  nlohmann::json tags = nlohmann::json::object();  // session tags key -> value
  std::string source_identity;
};

// What one account holds.
struct Account {
  std::map<std::string, Entity> users, groups, roles;
  std::map<std::string, ManagedPolicy> policies;  // customer managed, by ARN
  std::map<std::string, InstanceProfile> profiles;
  std::map<std::string, AccessKey> keys;  // by key id
};

struct EntityKind;  // user, group or role (internal.h)

class Provider : public kit::Provider {
 public:
  // Keys and sessions are registered in env.credentials.
  explicit Provider(kit::Environment& env);
  ~Provider() override;
  std::string_view service() const override { return "iam"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;

  // --- used by STS and the authorizer ---------------------------------
  // What the engine needs to judge a caller: principal, policies, and the
  // principal's context keys (aws:username, aws:PrincipalTag/..., ...).
  // nullopt when the caller's identity no longer exists.
  struct CallerView {
    nuage::policy::Principal principal;
    nuage::policy::PolicySet policies;
    nuage::policy::Context context;
    std::string user_id;
    std::string name;  // user name, or role session name
  };
  std::optional<CallerView> caller_view(const auth::Credential& caller) const;

  struct RoleView {
    std::string name, arn, id;
    int64_t max_session = 3600;
    PolicyPtr trust;
    nlohmann::json tags;
  };
  std::optional<RoleView> role_by_arn(const std::string& account, const std::string& arn) const;
  std::optional<std::string> user_name_for_key(const std::string& account, const std::string& access_key) const;
  // The compiled default version of a managed policy (customer or AWS).
  PolicyPtr managed_policy(const std::string& account, const std::string& arn) const;

  // Registers (and persists) a session's credentials.
  Status add_session(Session session, const Clock& clock);
  std::optional<Session> session(const std::string& access_key) const;

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

  // --- users (users.cc); their shared operations are in entities.cc
  Result<Output> get_user(Context& ctx, const Value& in);
  Result<Output> create_login_profile(Context& ctx, const Value& in);
  Result<Output> get_login_profile(Context& ctx, const Value& in);
  Result<Output> update_login_profile(Context& ctx, const Value& in);
  Result<Output> delete_login_profile(Context& ctx, const Value& in);
  // --- groups (groups.cc)
  Result<Output> get_group(Context& ctx, const Value& in);
  Result<Output> add_user_to_group(Context& ctx, const Value& in);
  Result<Output> remove_user_from_group(Context& ctx, const Value& in);
  Result<Output> change_membership(Context& ctx, const Value& in, bool joining);
  Result<Output> list_groups_for_user(Context& ctx, const Value& in);
  // --- roles (roles.cc)
  Result<Output> get_role(Context& ctx, const Value& in);
  Result<Output> update_assume_role_policy(Context& ctx, const Value& in);
  Result<Output> update_role_description(Context& ctx, const Value& in);
  // --- what users, groups and roles share (entities.cc), registered for each
  void register_entity_operations(kit::OperationTable& table, const EntityKind& kind);
  Result<Output> create_entity(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> delete_entity(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> list_entities(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> update_entity(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> put_inline_policy(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> get_inline_policy(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> delete_inline_policy(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> list_inline_policies(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> attach_policy(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> detach_policy(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> list_attached_policies(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> tag_entity(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> untag_entity(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> list_entity_tags(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> put_boundary(const EntityKind& k, Context& ctx, const Value& in);
  Result<Output> delete_boundary(const EntityKind& k, Context& ctx, const Value& in);
  // --- managed policies (policies.cc)
  Result<Output> create_policy(Context& ctx, const Value& in);
  Result<Output> get_policy(Context& ctx, const Value& in);
  Result<Output> list_policies(Context& ctx, const Value& in);
  Result<Output> delete_policy(Context& ctx, const Value& in);
  Result<Output> create_policy_version(Context& ctx, const Value& in);
  Result<Output> get_policy_version(Context& ctx, const Value& in);
  Result<Output> list_policy_versions(Context& ctx, const Value& in);
  Result<Output> delete_policy_version(Context& ctx, const Value& in);
  Result<Output> set_default_policy_version(Context& ctx, const Value& in);
  Result<Output> tag_policy(Context& ctx, const Value& in);
  Result<Output> untag_policy(Context& ctx, const Value& in);
  Result<Output> list_policy_tags(Context& ctx, const Value& in);
  Result<Output> list_entities_for_policy(Context& ctx, const Value& in);
  // --- access keys (access_keys.cc)
  Result<Output> create_access_key(Context& ctx, const Value& in);
  Result<Output> update_access_key(Context& ctx, const Value& in);
  Result<Output> delete_access_key(Context& ctx, const Value& in);
  Result<Output> list_access_keys(Context& ctx, const Value& in);
  Result<Output> get_access_key_last_used(Context& ctx, const Value& in);
  // --- instance profiles (instance_profiles.cc)
  Result<Output> create_instance_profile(Context& ctx, const Value& in);
  Result<Output> get_instance_profile(Context& ctx, const Value& in);
  Result<Output> delete_instance_profile(Context& ctx, const Value& in);
  Result<Output> add_role_to_instance_profile(Context& ctx, const Value& in);
  Result<Output> remove_role_from_instance_profile(Context& ctx, const Value& in);
  Result<Output> list_instance_profiles(Context& ctx, const Value& in);
  Result<Output> list_instance_profiles_for_role(Context& ctx, const Value& in);
  // --- the account at once (authorization_details.cc)
  Result<Output> get_account_authorization_details(Context& ctx, const Value& in);
  // --- the policy simulator (simulator.cc); takes the lock it needs
  Result<Output> simulate_principal_policy(Context& ctx, const Value& in);
  Result<Output> simulate_custom_policy(Context& ctx, const Value& in);
  Result<Output> simulate(Context& ctx, const Value& in, bool principal);

  // Persistence (called with mu_ held exclusively).
  Status save(const std::string& account, const std::string& kind, const std::string& name, const nlohmann::json& doc);
  Status erase(const std::string& account, const std::string& kind, const std::string& name);
  Status save_entity(const std::string& account, const Entity& e);
  Status save_policy(const std::string& account, const ManagedPolicy& p);
  Status save_profile(const std::string& account, const InstanceProfile& p);
  Status save_key(const std::string& account, const AccessKey& k);
  Status load();
  void register_key(const std::string& account, const AccessKey& k);
  // Users, groups, roles and customer managed policies are announced on
  // the bus once written (AWS Config records them), region "": IAM is
  // global. A deletion carries only the entity's key.
  void announce(const std::string& account, const std::string& kind, const std::string& name,
                const nlohmann::json* doc);
  void announce_inventory(const std::string& account);

  // The caller's account, for changing (mu_ held exclusively) ...
  Account& account(const Context& ctx) { return accounts_[ctx.account_id]; }
  // ... or for reading (an empty one when it has nothing yet).
  const Account& account_view(const Context& ctx) const;
  const ManagedPolicy* find_policy(const Account& a, const std::string& arn) const;
  ManagedPolicy* find_customer_policy(Account& a, const std::string& arn);  // writable ones only
  void collect_entity_policies(const std::string& account, const Entity& e, nuage::policy::PolicySet& set) const;

  storage::Database& db_;
  auth::CredentialStore& credentials_;
  events::Bus& bus_;
  const Clock& clock_;
  events::Bus::SubscriptionId inventory_source_ = 0;
  mutable std::shared_mutex mu_;
  std::map<std::string, Account> accounts_;
  // AWS managed policies by ARN, shared by all accounts: use aws_policies().
  const std::map<std::string, ManagedPolicy>& aws_policies() const;
  mutable std::once_flag aws_policies_once_;
  mutable std::map<std::string, ManagedPolicy> aws_policies_;
  std::map<std::string, Session> sessions_;            // by access key
};

}  // namespace nuage::services::iam
