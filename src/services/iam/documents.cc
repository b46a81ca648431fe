#include "services/iam/documents.h"

#include "services/iam/util.h"

namespace nuage::services::iam {

using nlohmann::json;
using nuage::policy::PolicyKind;

namespace {

json docs_to_json(const std::map<std::string, Doc>& docs) {
  json out = json::object();
  for (const auto& [k, d] : docs) out[k] = d.text;
  return out;
}

}  // namespace

void to_json(json& j, const Entity& e) {
  j = {{"kind", e.kind},
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

void from_json(const json& j, Entity& e) {
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
}

void to_json(json& j, const ManagedPolicy& p) {
  json versions = json::object();
  for (const auto& [id, v] : p.versions) versions[id] = {{"doc", v.first.text}, {"created", v.second}};
  j = {{"name", p.name},       {"path", p.path},       {"id", p.id},
       {"arn", p.arn},         {"description", p.description}, {"created", p.created},
       {"updated", p.updated}, {"default", p.default_version}, {"next", p.next_version},
       {"versions", versions}, {"tags", p.tags}};
}

void from_json(const json& j, ManagedPolicy& p) {
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
}

void to_json(json& j, const InstanceProfile& p) {
  j = {{"name", p.name}, {"path", p.path},   {"id", p.id},    {"arn", p.arn},
       {"created", p.created}, {"roles", p.roles}, {"tags", p.tags}};
}

void from_json(const json& j, InstanceProfile& p) {
  p.name = j["name"];
  p.path = j["path"];
  p.id = j["id"];
  p.arn = j["arn"];
  p.created = j["created"];
  p.roles = j["roles"].get<std::vector<std::string>>();
  p.tags = j["tags"];
}

void to_json(json& j, const AccessKey& k) {
  j = {{"id", k.id}, {"secret", k.secret}, {"user", k.user}, {"status", k.status}, {"created", k.created}};
}

void from_json(const json& j, AccessKey& k) {
  k.id = j["id"];
  k.secret = j["secret"];
  k.user = j["user"];
  k.status = j["status"];
  k.created = j["created"];
}

void to_json(json& j, const Session& s) {
  j = {{"access_key", s.access_key}, {"secret", s.secret},
       {"token", s.token},           {"account", s.account},
       {"kind", s.kind},             {"arn", s.arn},
       {"user_id", s.user_id},       {"role_name", s.role_name},
       {"session_name", s.session_name}, {"expiration", s.expiration},
       {"issued", s.issued},         {"policy", s.policy ? json(s.policy->text) : json()},
       {"policy_arns", s.policy_arns}, {"tags", s.tags},
       {"source_identity", s.source_identity}};
}

void from_json(const json& j, Session& s) {
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
}

}  // namespace nuage::services::iam
