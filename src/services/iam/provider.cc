#include "services/iam/provider.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/iam/managed_policies.h"
#include "services/iam/util.h"

namespace nuage::services::iam {

using nlohmann::json;
using nuage::policy::PolicyKind;
using Output = kit::Output;
using Value = kit::Value;
using Context = kit::RequestContext;

namespace {

// --- persistence forms ---------------------------------------------------

json docs_to_json(const std::map<std::string, Doc>& docs) {
  json out = json::object();
  for (const auto& [k, d] : docs) out[k] = d.text;
  return out;
}

json entity_to_json(const Entity& e) {
  return {{"kind", e.kind},
          {"name", e.name},
          {"path", e.path},
          {"id", e.id},
          {"arn", e.arn},
          {"created", e.created},
          {"tags", e.tags},
          {"inline", docs_to_json(e.inline_policies)},
          {"attached", e.attached},
          {"boundary", e.boundary},
          {"groups", e.groups},
          {"login_profile", e.login_profile},
          {"trust", e.trust.text},
          {"description", e.description},
          {"max_session", e.max_session}};
}

Entity entity_from_json(const json& j) {
  Entity e;
  e.kind = j["kind"];
  e.name = j["name"];
  e.path = j["path"];
  e.id = j["id"];
  e.arn = j["arn"];
  e.created = j["created"];
  e.tags = j["tags"];
  for (const auto& [k, v] : j["inline"].items())
    if (auto d = compile_doc(v, PolicyKind::kIdentity)) e.inline_policies[k] = *d;
  e.attached = j["attached"].get<std::vector<std::string>>();
  e.boundary = j["boundary"];
  e.groups = j["groups"].get<std::set<std::string>>();
  e.login_profile = j["login_profile"];
  if (e.kind == "role")
    if (auto d = compile_doc(j["trust"], PolicyKind::kTrust)) e.trust = *d;
  e.description = j["description"];
  e.max_session = j["max_session"];
  return e;
}

json policy_to_json(const ManagedPolicy& p) {
  json versions = json::object();
  for (const auto& [id, v] : p.versions) versions[id] = {{"doc", v.first.text}, {"created", v.second}};
  return {{"name", p.name},       {"path", p.path},       {"id", p.id},
          {"arn", p.arn},         {"description", p.description}, {"created", p.created},
          {"updated", p.updated}, {"default", p.default_version}, {"next", p.next_version},
          {"versions", versions}, {"tags", p.tags}};
}

ManagedPolicy policy_from_json(const json& j) {
  ManagedPolicy p;
  p.name = j["name"];
  p.path = j["path"];
  p.id = j["id"];
  p.arn = j["arn"];
  p.description = j["description"];
  p.created = j["created"];
  p.updated = j["updated"];
  p.default_version = j["default"];
  p.next_version = j["next"];
  for (const auto& [id, v] : j["versions"].items())
    if (auto d = compile_doc(v["doc"], PolicyKind::kIdentity)) p.versions[id] = {*d, v["created"].get<double>()};
  p.tags = j["tags"];
  return p;
}

json session_to_json(const Session& s) {
  return {{"access_key", s.access_key}, {"secret", s.secret},
          {"token", s.token},           {"account", s.account},
          {"kind", s.kind},             {"arn", s.arn},
          {"user_id", s.user_id},       {"role_name", s.role_name},
          {"session_name", s.session_name}, {"expiration", s.expiration},
          {"issued", s.issued},         {"policy", s.policy ? json(s.policy->text) : json()},
          {"policy_arns", s.policy_arns}, {"tags", s.tags},
          {"source_identity", s.source_identity}};
}

Session session_from_json(const json& j) {
  Session s;
  s.access_key = j["access_key"];
  s.secret = j["secret"];
  s.token = j["token"];
  s.account = j["account"];
  s.kind = j["kind"];
  s.arn = j["arn"];
  s.user_id = j["user_id"];
  s.role_name = j["role_name"];
  s.session_name = j["session_name"];
  s.expiration = j["expiration"];
  s.issued = j["issued"];
  if (j["policy"].is_string())
    if (auto d = compile_doc(j["policy"], PolicyKind::kIdentity)) s.policy = *d;
  s.policy_arns = j["policy_arns"].get<std::vector<std::string>>();
  s.tags = j["tags"];
  s.source_identity = j["source_identity"];
  return s;
}

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
      json doc = entity_to_json(e);
      announce(account, e.kind, name, &doc);
    }
  for (const auto& [arn, p] : a->second.policies) {
    json doc = policy_to_json(p);
    announce(account, "policy", arn, &doc);
  }
}

Status Provider::load() {
  std::unique_lock lock(mu_);
  Status s = db_.exec("SELECT account, kind, doc FROM iam_entities", {}, [&](const storage::Row& r) {
    std::string account = r.text(0), kind = r.text(1);
    json doc = json::parse(r.text(2));
    Account& a = accounts_[account];
    if (kind == "user") a.users[doc["name"]] = entity_from_json(doc);
    else if (kind == "group") a.groups[doc["name"]] = entity_from_json(doc);
    else if (kind == "role") a.roles[doc["name"]] = entity_from_json(doc);
    else if (kind == "policy") a.policies[doc["arn"]] = policy_from_json(doc);
    else if (kind == "profile") {
      InstanceProfile p;
      p.name = doc["name"];
      p.path = doc["path"];
      p.id = doc["id"];
      p.arn = doc["arn"];
      p.created = doc["created"];
      p.roles = doc["roles"].get<std::vector<std::string>>();
      p.tags = doc["tags"];
      a.profiles[p.name] = p;
    } else if (kind == "key") {
      AccessKey k{doc["id"], doc["secret"], doc["user"], doc["status"], doc["created"]};
      a.keys[k.id] = k;
      register_key(account, k);
    } else if (kind == "session") {
      Session session = session_from_json(doc);
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

Status Provider::save_entity(const std::string& account, const Entity& e) {
  return save(account, e.kind, e.name, entity_to_json(e));
}
Status Provider::save_policy(const std::string& account, const ManagedPolicy& p) {
  return save(account, "policy", p.arn, policy_to_json(p));
}
Status Provider::save_profile(const std::string& account, const InstanceProfile& p) {
  return save(account, "profile", p.name,
              {{"name", p.name}, {"path", p.path}, {"id", p.id}, {"arn", p.arn}, {"created", p.created},
               {"roles", p.roles}, {"tags", p.tags}});
}
Status Provider::save_key(const std::string& account, const AccessKey& k) {
  return save(account, "key", k.id,
              {{"id", k.id}, {"secret", k.secret}, {"user", k.user}, {"status", k.status}, {"created", k.created}});
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
  static const Account kEmpty;
  const ManagedPolicy* p = find_policy(a == accounts_.end() ? kEmpty : a->second, arn);
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
  auto acc = accounts_.find(caller.account_id);
  if (acc == accounts_.end()) return std::nullopt;
  const Account& a = acc->second;
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
  NUAGE_TRY(save(session.account, "session", session.access_key, session_to_json(session)));
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

}  // namespace nuage::services::iam
