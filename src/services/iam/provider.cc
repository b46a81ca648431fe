#include "services/iam/provider.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/iam/documents.h"
#include "services/iam/internal.h"
#include "services/iam/managed_policies.h"
#include "services/iam/util.h"

namespace nuage::services::iam {

using nuage::policy::PolicyKind;

namespace {

auth::Credential session_credential(const Session& s) {
  auth::Credential c;
  c.access_key = s.access_key;
  c.secret_key = s.secret;
  c.account_id = s.account;
  c.type = s.kind == "session-token"  ? auth::PrincipalType::kUser
           : s.kind == "root-session" ? auth::PrincipalType::kRoot
                                      : auth::PrincipalType::kAssumedRole;
  c.arn = s.arn;
  c.user_id = s.user_id;
  c.session_token = s.token;
  c.expiration = timefmt::from_epoch_seconds(s.expiration);
  return c;
}

const char* kind_label(const std::string& kind) {
  return kind == "user" ? "user" : kind == "group" ? "group" : "role";
}

}  // namespace

Provider::Provider(kit::Environment& env)
    : db_(env.db), credentials_(*env.credentials), bus_(env.bus), clock_(env.clock) {}

Provider::~Provider() {
  if (inventory_source_) bus_.remove_inventory_source(inventory_source_);
}

Status Provider::open() {
  NUAGE_TRY(db_.migrate("iam", {
      "CREATE TABLE iam_entities (account TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, "
      "doc TEXT NOT NULL, PRIMARY KEY (account, kind, name))",
  }));
  NUAGE_TRY(load());
  inventory_source_ = bus_.add_inventory_source([this](const std::string& account, const std::string&) {
    std::shared_lock lock(mu_);
    announce_inventory(account);
  });
  return Status::Ok();
}

static bool announced_kind(const std::string& kind) {
  return kind == "user" || kind == "group" || kind == "role" || kind == "policy";
}

void Provider::announce(const std::string& account, const std::string& kind, const std::string& name,
                        const json* doc) {
  if (!announced_kind(kind) || !bus_.has_change_subscribers()) return;
  events::ResourceChange change;
  change.service = "iam";
  change.kind = kind;
  change.account = account;
  change.id = name;
  if (doc) change.document = std::make_shared<const json>(*doc);
  else change.deleted = std::make_shared<const json>(json{{"name", name}});
  change.time = clock_.now();
  bus_.publish_change(std::move(change));
}

void Provider::announce_inventory(const std::string& account) {
  auto a = accounts_.find(account);
  if (a == accounts_.end()) return;
  for (const auto* entities : {&a->second.users, &a->second.groups, &a->second.roles})
    for (const auto& [name, e] : *entities) {
      json doc = e;
      announce(account, e.kind, name, &doc);
    }
  for (const auto& [arn, p] : a->second.policies) {
    json doc = p;
    announce(account, "policy", arn, &doc);
  }
}

Status Provider::load() {
  std::unique_lock lock(mu_);
  Status s = db_.exec("SELECT account, kind, doc FROM iam_entities", {}, [&](const storage::Row& r) {
    std::string account = r.text(0), kind = r.text(1);
    json doc = json::parse(r.text(2));
    Account& a = accounts_[account];
    if (kind == "user") a.users[doc["name"]] = doc.get<Entity>();
    else if (kind == "group") a.groups[doc["name"]] = doc.get<Entity>();
    else if (kind == "role") a.roles[doc["name"]] = doc.get<Entity>();
    else if (kind == "policy") a.policies[doc["arn"]] = doc.get<ManagedPolicy>();
    else if (kind == "profile") a.profiles[doc["name"]] = doc.get<InstanceProfile>();
    else if (kind == "key") {
      AccessKey k = doc.get<AccessKey>();
      a.keys[k.id] = k;
      register_key(account, k);
    } else if (kind == "session") {
      Session session = doc.get<Session>();
      credentials_.put(session_credential(session));
      sessions_[session.access_key] = std::move(session);
    }
  });
  return s;
}

void Provider::register_key(const std::string& account, const AccessKey& k) {
  const Account& a = accounts_[account];
  auto u = a.users.find(k.user);
  if (u == a.users.end()) return;
  auth::Credential c;
  c.access_key = k.id;
  c.secret_key = k.secret;
  c.account_id = account;
  c.type = auth::PrincipalType::kUser;
  c.arn = u->second.arn;
  c.user_id = u->second.id;
  c.active = k.status == "Active";
  credentials_.put(c);
}

void Provider::reset() {
  std::unique_lock lock(mu_);
  for (const auto& [name, a] : accounts_)
    for (const auto& [id, k] : a.keys) credentials_.remove(id);
  for (const auto& [id, s] : sessions_) credentials_.remove(id);
  accounts_.clear();
  sessions_.clear();
  (void)db_.exec("DELETE FROM iam_entities");
}

Status Provider::save(const std::string& account, const std::string& kind, const std::string& name, const json& doc) {
  NUAGE_TRY(db_.exec(
      "INSERT INTO iam_entities(account, kind, name, doc) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(account, kind, name) DO UPDATE SET doc = excluded.doc",
      {account, kind, name, doc.dump()}));
  announce(account, kind, name, &doc);
  return Status::Ok();
}

Status Provider::erase(const std::string& account, const std::string& kind, const std::string& name) {
  NUAGE_TRY(db_.exec("DELETE FROM iam_entities WHERE account = ? AND kind = ? AND name = ?", {account, kind, name}));
  announce(account, kind, name, nullptr);
  return Status::Ok();
}

Status Provider::save_entity(const std::string& account, const Entity& e) { return save(account, e.kind, e.name, e); }
Status Provider::save_policy(const std::string& account, const ManagedPolicy& p) {
  return save(account, "policy", p.arn, p);
}
Status Provider::save_profile(const std::string& account, const InstanceProfile& p) {
  return save(account, "profile", p.name, p);
}
Status Provider::save_key(const std::string& account, const AccessKey& k) { return save(account, "key", k.id, k); }

const Account& Provider::account_view(const Context& ctx) const {
  static const Account kNone;
  auto it = accounts_.find(ctx.account_id);
  return it == accounts_.end() ? kNone : it->second;
}

const std::map<std::string, ManagedPolicy>& Provider::aws_policies() const {
  // Compiled at first use, not at start-up: the catalog is ~90 KB of policy
  // JSON, a tenth of nuage's start-up time.
  std::call_once(aws_policies_once_, [this] {
    std::map<std::string, ManagedPolicy> policies;
    for (const auto& m : aws_managed_policies()) {
      ManagedPolicy p;
      p.name = m.name;
      p.path = m.path;
      p.arn = std::string("arn:aws:iam::aws:policy") + m.path + m.name;
      p.id = "ANPA" + text::hex_encode(crypto::sha256(p.arn)).substr(0, 17);
      for (auto& c : p.id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      p.aws_managed = true;
      p.default_version = m.default_version;
      p.created = timefmt::epoch_seconds(*timefmt::parse(m.create_date));
      p.updated = timefmt::epoch_seconds(*timefmt::parse(m.update_date));
      auto doc = compile_doc(m.document, PolicyKind::kIdentity);
      if (!doc) throw std::runtime_error("AWS managed policy " + p.name + ": " + doc.error().message);
      p.versions[m.default_version] = {*doc, p.updated};
      policies[p.arn] = std::move(p);
    }
    aws_policies_ = std::move(policies);
  });
  return aws_policies_;
}

const ManagedPolicy* Provider::find_policy(const Account& a, const std::string& arn) const {
  if (auto it = a.policies.find(arn); it != a.policies.end()) return &it->second;
  if (auto it = aws_policies().find(arn); it != aws_policies().end()) return &it->second;
  return nullptr;
}

ManagedPolicy* Provider::find_customer_policy(Account& a, const std::string& arn) {
  if (auto it = a.policies.find(arn); it != a.policies.end()) return &it->second;
  return nullptr;
}

PolicyPtr Provider::managed_policy(const std::string& account, const std::string& arn) const {
  std::shared_lock lock(mu_);
  auto a = accounts_.find(account);
  static const Account kNone;
  const ManagedPolicy* p = find_policy(a == accounts_.end() ? kNone : a->second, arn);
  if (!p) return nullptr;
  return p->versions.at(p->default_version).first.compiled;
}

// --- what the engine needs --------------------------------------------------

void Provider::collect_entity_policies(const std::string& account, const Entity& e,
                                       nuage::policy::PolicySet& set) const {
  const Account& a = accounts_.at(account);
  for (const auto& [name, doc] : e.inline_policies)
    set.identity.push_back({name, kind_label(e.kind), doc.compiled});
  for (const auto& arn : e.attached)
    if (const ManagedPolicy* p = find_policy(a, arn))
      set.identity.push_back({arn, p->aws_managed ? "aws-managed" : "user-managed",
                              p->versions.at(p->default_version).first.compiled});
  if (e.kind == "user")
    for (const auto& g : e.groups)
      if (auto it = a.groups.find(g); it != a.groups.end()) {
        for (const auto& [name, doc] : it->second.inline_policies)
          set.identity.push_back({name, "group", doc.compiled});
        for (const auto& arn : it->second.attached)
          if (const ManagedPolicy* p = find_policy(a, arn))
            set.identity.push_back({arn, p->aws_managed ? "aws-managed" : "user-managed",
                                    p->versions.at(p->default_version).first.compiled});
      }
  if (!e.boundary.empty())
    if (const ManagedPolicy* p = find_policy(a, e.boundary))
      set.boundary.push_back({e.boundary, "permissions-boundary", p->versions.at(p->default_version).first.compiled});
}

std::optional<Provider::CallerView> Provider::caller_view(const auth::Credential& caller) const {
  std::shared_lock lock(mu_);
  // An account IAM has no state for yet still has its root.
  static const Account kEmptyAccount;
  auto acc = accounts_.find(caller.account_id);
  const Account& a = acc == accounts_.end() ? kEmptyAccount : acc->second;
  CallerView v;
  v.principal.arn = caller.arn;
  v.principal.account = caller.account_id;
  v.user_id = caller.user_id;
  v.context.set("aws:PrincipalAccount", caller.account_id);
  v.context.set("aws:userid", caller.user_id);
  auto add_tags = [&](const json& tags) {
    std::vector<std::string> keys;
    for (const auto& t : tags) {
      v.context.set("aws:PrincipalTag/" + t["Key"].get<std::string>(), t.value("Value", ""));
      keys.push_back(t["Key"]);
    }
  };
  const Session* session = nullptr;
  if (auto it = sessions_.find(caller.access_key); it != sessions_.end()) session = &it->second;
  if (caller.type == auth::PrincipalType::kUser) {
    std::string name = caller.arn.substr(caller.arn.rfind('/') + 1);
    auto u = a.users.find(name);
    if (u == a.users.end() || u->second.arn != caller.arn) return std::nullopt;
    v.principal.type = nuage::policy::Principal::Type::kUser;
    v.name = name;
    v.context.set("aws:username", name);
    v.context.set("aws:PrincipalArn", caller.arn);
    v.context.set("aws:PrincipalType", "User");
    add_tags(u->second.tags);
    collect_entity_policies(caller.account_id, u->second, v.policies);
  } else if (caller.type == auth::PrincipalType::kAssumedRole) {
    if (!session) return std::nullopt;
    auto r = a.roles.find(session->role_name);
    if (r == a.roles.end()) return std::nullopt;
    v.principal.type = nuage::policy::Principal::Type::kAssumedRole;
    v.principal.role_arn = r->second.arn;
    v.name = session->session_name;
    v.context.set("aws:PrincipalArn", r->second.arn);
    v.context.set("aws:PrincipalType", "AssumedRole");
    v.context.set("aws:TokenIssueTime", timefmt::iso8601(timefmt::from_epoch_seconds(session->issued)));
    add_tags(r->second.tags);
    for (const auto& [k, val] : session->tags.items()) v.context.set("aws:PrincipalTag/" + k, val.get<std::string>());
    if (!session->source_identity.empty()) v.context.set("aws:SourceIdentity", session->source_identity);
    collect_entity_policies(caller.account_id, r->second, v.policies);
    if (session->policy || !session->policy_arns.empty()) {
      v.policies.has_session_policy = true;
      if (session->policy) v.policies.session.push_back({"session-policy", "session", session->policy->compiled});
      for (const auto& arn : session->policy_arns)
        if (const ManagedPolicy* p = find_policy(a, arn))
          v.policies.session.push_back({arn, "session", p->versions.at(p->default_version).first.compiled});
    }
  } else {
    v.principal.type = nuage::policy::Principal::Type::kRoot;
    v.context.set("aws:PrincipalArn", caller.arn);
    v.context.set("aws:PrincipalType", "Account");
  }
  return v;
}

std::optional<Provider::RoleView> Provider::role_by_arn(const std::string& account, const std::string& arn) const {
  std::shared_lock lock(mu_);
  auto acc = accounts_.find(account);
  if (acc == accounts_.end()) return std::nullopt;
  std::string name = arn.substr(arn.rfind('/') + 1);
  auto r = acc->second.roles.find(name);
  if (r == acc->second.roles.end() || r->second.arn != arn) return std::nullopt;
  return RoleView{r->second.name, r->second.arn, r->second.id, r->second.max_session, r->second.trust.compiled,
                  r->second.tags};
}

std::optional<std::string> Provider::user_name_for_key(const std::string& account, const std::string& key) const {
  std::shared_lock lock(mu_);
  auto acc = accounts_.find(account);
  if (acc == accounts_.end()) return std::nullopt;
  auto k = acc->second.keys.find(key);
  if (k == acc->second.keys.end()) return std::nullopt;
  return k->second.user;
}

Status Provider::add_session(Session session, const Clock&) {
  std::unique_lock lock(mu_);
  NUAGE_TRY(save(session.account, "session", session.access_key, session));
  credentials_.put(session_credential(session));
  sessions_[session.access_key] = std::move(session);
  return Status::Ok();
}

std::optional<Session> Provider::session(const std::string& access_key) const {
  std::shared_lock lock(mu_);
  auto it = sessions_.find(access_key);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

// --- the operations ------------------------------------------------------------

// The user, group, role, policy or instance profile a call names.
static std::vector<std::string> iam_resources(const Context& ctx, const Value& in) {
  auto s = [&](const char* key) {
    auto it = in.find(key);
    return it != in.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string iam = "arn:aws:iam::" + ctx.account_id + ":";
  const std::string& op = ctx.operation;
  if (!s("PolicyArn").empty() && s("UserName").empty() && s("RoleName").empty() && s("GroupName").empty())
    return {s("PolicyArn")};
  if (!s("UserName").empty() && s("GroupName").empty()) return {iam + "user/" + s("UserName")};
  if (!s("GroupName").empty()) return {iam + "group/" + s("GroupName")};
  if (!s("RoleName").empty() && op.find("InstanceProfile") == std::string::npos) return {iam + "role/" + s("RoleName")};
  if (!s("InstanceProfileName").empty()) return {iam + "instance-profile/" + s("InstanceProfileName")};
  if (op == "CreatePolicy") return {iam + "policy/" + s("PolicyName")};
  if (op == "SimulatePrincipalPolicy" && !s("PolicySourceArn").empty()) return {s("PolicySourceArn")};
  // Access key operations without a UserName act on the caller's own user.
  return {"*"};
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(iam_resources);
  table.set_condition_keys([](const Context& ctx, const Value& in, policy::Context& keys) {
    auto it = in.find("PolicyArn");
    if (it != in.end() && it->is_string() && ctx.operation.find("Attach") != std::string::npos)
      keys.set("iam:PolicyARN", it->get<std::string>());
    it = in.find("PermissionsBoundary");
    if (it != in.end() && it->is_string()) keys.set("iam:PermissionsBoundary", it->get<std::string>());
  });
  // Writers hold mu_ exclusively, readers share it.
  register_entity_operations(table, kUser);
  table.add_shared("GetUser", this, mu_, &Provider::get_user);
  table.add_locked("CreateLoginProfile", this, mu_, &Provider::create_login_profile);
  table.add_shared("GetLoginProfile", this, mu_, &Provider::get_login_profile);
  table.add_locked("UpdateLoginProfile", this, mu_, &Provider::update_login_profile);
  table.add_locked("DeleteLoginProfile", this, mu_, &Provider::delete_login_profile);

  register_entity_operations(table, kGroup);
  table.add_shared("GetGroup", this, mu_, &Provider::get_group);
  table.add_locked("AddUserToGroup", this, mu_, &Provider::add_user_to_group);
  table.add_locked("RemoveUserFromGroup", this, mu_, &Provider::remove_user_from_group);
  table.add_shared("ListGroupsForUser", this, mu_, &Provider::list_groups_for_user);

  register_entity_operations(table, kRole);
  table.add_shared("GetRole", this, mu_, &Provider::get_role);
  table.add_locked("UpdateAssumeRolePolicy", this, mu_, &Provider::update_assume_role_policy);
  table.add_locked("UpdateRoleDescription", this, mu_, &Provider::update_role_description);

  table.add_locked("CreatePolicy", this, mu_, &Provider::create_policy);
  table.add_shared("GetPolicy", this, mu_, &Provider::get_policy);
  table.add_shared("ListPolicies", this, mu_, &Provider::list_policies);
  table.add_locked("DeletePolicy", this, mu_, &Provider::delete_policy);
  table.add_locked("CreatePolicyVersion", this, mu_, &Provider::create_policy_version);
  table.add_shared("GetPolicyVersion", this, mu_, &Provider::get_policy_version);
  table.add_shared("ListPolicyVersions", this, mu_, &Provider::list_policy_versions);
  table.add_locked("DeletePolicyVersion", this, mu_, &Provider::delete_policy_version);
  table.add_locked("SetDefaultPolicyVersion", this, mu_, &Provider::set_default_policy_version);
  table.add_locked("TagPolicy", this, mu_, &Provider::tag_policy);
  table.add_locked("UntagPolicy", this, mu_, &Provider::untag_policy);
  table.add_shared("ListPolicyTags", this, mu_, &Provider::list_policy_tags);
  table.add_shared("ListEntitiesForPolicy", this, mu_, &Provider::list_entities_for_policy);

  table.add_locked("CreateAccessKey", this, mu_, &Provider::create_access_key);
  table.add_locked("UpdateAccessKey", this, mu_, &Provider::update_access_key);
  table.add_locked("DeleteAccessKey", this, mu_, &Provider::delete_access_key);
  table.add_shared("ListAccessKeys", this, mu_, &Provider::list_access_keys);
  table.add_shared("GetAccessKeyLastUsed", this, mu_, &Provider::get_access_key_last_used);

  table.add_locked("CreateInstanceProfile", this, mu_, &Provider::create_instance_profile);
  table.add_shared("GetInstanceProfile", this, mu_, &Provider::get_instance_profile);
  table.add_locked("DeleteInstanceProfile", this, mu_, &Provider::delete_instance_profile);
  table.add_locked("AddRoleToInstanceProfile", this, mu_, &Provider::add_role_to_instance_profile);
  table.add_locked("RemoveRoleFromInstanceProfile", this, mu_, &Provider::remove_role_from_instance_profile);
  table.add_shared("ListInstanceProfiles", this, mu_, &Provider::list_instance_profiles);
  table.add_shared("ListInstanceProfilesForRole", this, mu_, &Provider::list_instance_profiles_for_role);

  table.add_shared("GetAccountAuthorizationDetails", this, mu_, &Provider::get_account_authorization_details);
  table.add("SimulatePrincipalPolicy", this, &Provider::simulate_principal_policy);
  table.add("SimulateCustomPolicy", this, &Provider::simulate_custom_policy);
}

}  // namespace nuage::services::iam
