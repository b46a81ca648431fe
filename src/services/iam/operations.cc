// The IAM operations (see provider.h). The ones that work alike on users,
// groups and roles (inline policies, attachments, tags) are written once.
#include <mutex>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/iam/provider.h"
#include "services/iam/util.h"
#include "services/tag_list.h"

namespace nuage::services::iam {

using services::merge_tags;
using services::remove_tags;

using nlohmann::json;
using nuage::policy::PolicyKind;
using Output = kit::Output;
using Value = kit::Value;
using Context = kit::RequestContext;

namespace {

AwsError no_such(const std::string& what) { return AwsError{"NoSuchEntity", what, 404}; }
AwsError exists(const std::string& what) { return AwsError{"EntityAlreadyExists", what, 409}; }
AwsError conflict(const std::string& what) { return AwsError{"DeleteConflict", what, 409}; }

std::string str(const Value& in, const char* key, const std::string& fallback = "") {
  return in.contains(key) && in[key].is_string() ? in[key].get<std::string>() : fallback;
}

void page(Output& out, const char* member, const json& items, const Value& in) {
  size_t start = 0;
  if (in.contains("Marker")) start = std::strtoul(in["Marker"].get<std::string>().c_str(), nullptr, 10);
  size_t max = in.contains("MaxItems") ? in["MaxItems"].get<size_t>() : 100;
  json slice = json::array();
  for (size_t i = start; i < items.size() && slice.size() < max; ++i) slice.push_back(items[i]);
  out.value[member] = slice;
  bool truncated = start + slice.size() < items.size();
  out.value["IsTruncated"] = truncated;
  if (truncated) out.value["Marker"] = std::to_string(start + slice.size());
}

bool path_prefix_ok(const Value& in, const std::string& path) {
  return !in.contains("PathPrefix") || text::starts_with(path, in["PathPrefix"].get<std::string>());
}

json boundary_view(const std::string& arn) {
  return {{"PermissionsBoundaryType", "PermissionsBoundaryPolicy"}, {"PermissionsBoundaryArn", arn}};
}

json user_view(const Entity& u) {
  json v = {{"Path", u.path}, {"UserName", u.name}, {"UserId", u.id}, {"Arn", u.arn}, {"CreateDate", u.created}};
  if (!u.boundary.empty()) v["PermissionsBoundary"] = boundary_view(u.boundary);
  if (!u.tags.empty()) v["Tags"] = u.tags;
  return v;
}

json group_view(const Entity& g) {
  return {{"Path", g.path}, {"GroupName", g.name}, {"GroupId", g.id}, {"Arn", g.arn}, {"CreateDate", g.created}};
}

json role_view(const Entity& r, bool full = true) {
  json v = {{"Path", r.path},          {"RoleName", r.name},
            {"RoleId", r.id},          {"Arn", r.arn},
            {"CreateDate", r.created}, {"AssumeRolePolicyDocument", url_encoded(r.trust.text)},
            {"MaxSessionDuration", r.max_session}};
  if (!r.description.empty()) v["Description"] = r.description;
  if (full) {
    if (!r.boundary.empty()) v["PermissionsBoundary"] = boundary_view(r.boundary);
    if (!r.tags.empty()) v["Tags"] = r.tags;
    v["RoleLastUsed"] = json::object();
  }
  return v;
}

json policy_view(const ManagedPolicy& p, size_t attachments, size_t boundaries) {
  json v = {{"PolicyName", p.name},
            {"PolicyId", p.id},
            {"Arn", p.arn},
            {"Path", p.path},
            {"DefaultVersionId", p.default_version},
            {"AttachmentCount", attachments},
            {"PermissionsBoundaryUsageCount", boundaries},
            {"IsAttachable", true},
            {"CreateDate", p.created},
            {"UpdateDate", p.updated}};
  if (!p.description.empty()) v["Description"] = p.description;
  if (!p.tags.empty()) v["Tags"] = p.tags;
  return v;
}

json version_view(const ManagedPolicy& p, const std::string& id, bool with_doc) {
  const auto& [doc, created] = p.versions.at(id);
  json v = {{"VersionId", id}, {"IsDefaultVersion", id == p.default_version}, {"CreateDate", created}};
  if (with_doc) v["Document"] = url_encoded(doc.text);
  return v;
}

json profile_view(const InstanceProfile& p, const std::map<std::string, Entity>& roles) {
  json rs = json::array();
  for (const auto& name : p.roles)
    if (auto it = roles.find(name); it != roles.end()) rs.push_back(role_view(it->second, false));
  json v = {{"Path", p.path}, {"InstanceProfileName", p.name}, {"InstanceProfileId", p.id},
            {"Arn", p.arn},   {"CreateDate", p.created},       {"Roles", rs}};
  if (!p.tags.empty()) v["Tags"] = p.tags;
  return v;
}

// User / Group / Role, by the operation name's noun.
struct Kind {
  const char* kind;       // "user"
  const char* noun;       // "User"
  const char* name_key;   // "UserName"
  const char* id_prefix;  // "AIDA"
};
const Kind kUser{"user", "User", "UserName", "AIDA"};
const Kind kGroup{"group", "Group", "GroupName", "AGPA"};
const Kind kRole{"role", "Role", "RoleName", "AROA"};

std::string not_found_text(const Kind& k, const std::string& name) {
  return std::string("The ") + k.kind + " with name " + name + " cannot be found.";
}

}  // namespace

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
  using Handler = std::function<Result<Output>(Context&, const Value&)>;
  auto add = [&](const std::string& op, Handler h) { table.add(op, std::move(h)); };

  // The users, groups or roles map of the caller's account.
  auto entities = [this](Account& a, const Kind& k) -> std::map<std::string, Entity>& {
    return std::string(k.kind) == "user" ? a.users : std::string(k.kind) == "group" ? a.groups : a.roles;
  };
  auto find = [entities](Account& a, const Kind& k, const std::string& name) -> Entity* {
    auto& m = entities(a, k);
    auto it = m.find(name);
    return it == m.end() ? nullptr : &it->second;
  };

  // --- users, groups, roles: create / get / list / delete / update ----------
  for (const Kind* kp : {&kUser, &kGroup, &kRole}) {
    const Kind k = *kp;
    add(std::string("Create") + k.noun, [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Account& a = account(ctx);
      std::string name = in.at(k.name_key);
      for (const auto& [n, e] : entities(a, k))
        if (text::lower(n) == text::lower(name))
          return exists(std::string(k.noun) + " with name " + name + " already exists.");
      Entity e;
      e.kind = k.kind;
      e.name = name;
      e.path = str(in, "Path", "/");
      e.id = random_id(k.id_prefix, 17);
      e.arn = iam_arn(ctx.account_id, k.kind, e.path, name);
      e.created = now(ctx);
      if (in.contains("Tags")) e.tags = merge_tags(json::array(), in["Tags"]);
      if (k.kind == std::string("role")) {
        auto trust = compile_doc(in.at("AssumeRolePolicyDocument"), PolicyKind::kTrust);
        if (!trust) return trust.take_error();
        e.trust = *trust;
        e.description = str(in, "Description");
        e.max_session = in.value("MaxSessionDuration", int64_t{3600});
      }
      if (in.contains("PermissionsBoundary")) {
        std::string b = in["PermissionsBoundary"];
        if (!find_policy(a, b)) return no_such("Scope ARN: " + b + " does not exist or is not attachable.");
        e.boundary = b;
      }
      NUAGE_TRY(save_entity(ctx.account_id, e));
      Output out;
      out.value[k.noun] = k.kind == std::string("user") ? user_view(e) : k.kind == std::string("group") ? group_view(e) : role_view(e);
      entities(a, k)[name] = std::move(e);
      return out;
    });
    add(std::string("Delete") + k.noun, [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Account& a = account(ctx);
      std::string name = in.at(k.name_key);
      Entity* e = find(a, k, name);
      if (!e) return no_such(not_found_text(k, name));
      if (!e->inline_policies.empty()) return conflict("Cannot delete entity, must delete policies first.");
      if (!e->attached.empty()) return conflict("Cannot delete entity, must detach all policies first.");
      if (k.kind == std::string("user")) {
        for (const auto& [id, key] : a.keys)
          if (key.user == name) return conflict("Cannot delete entity, must delete access keys first.");
        if (!e->login_profile.is_null()) return conflict("Cannot delete entity, must delete login profile first.");
        if (!e->groups.empty()) return conflict("Cannot delete entity, must remove user from all groups first.");
      }
      if (k.kind == std::string("group"))
        for (const auto& [n, u] : a.users)
          if (u.groups.count(name)) return conflict("Cannot delete entity, must remove users from group first.");
      if (k.kind == std::string("role"))
        for (const auto& [n, p] : a.profiles)
          for (const auto& r : p.roles)
            if (r == name) return conflict("Cannot delete entity, must remove roles from instance profile first.");
      NUAGE_TRY(erase(ctx.account_id, k.kind, name));
      entities(a, k).erase(name);
      return Output{};
    });
    add(std::string("List") + k.noun + "s", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::shared_lock lock(mu_);
      Account& a = accounts_[ctx.account_id];
      json items = json::array();
      for (const auto& [n, e] : entities(a, k))
        if (path_prefix_ok(in, e.path))
          items.push_back(k.kind == std::string("user") ? user_view(e) : k.kind == std::string("group") ? group_view(e) : role_view(e, false));
      Output out;
      page(out, (std::string(k.noun) + "s").c_str(), items, in);
      return out;
    });
    add(std::string("Update") + k.noun, [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Account& a = account(ctx);
      std::string name = in.at(k.name_key);
      Entity* e = find(a, k, name);
      if (!e) return no_such(not_found_text(k, name));
      if (in.contains("Description")) e->description = in["Description"];
      if (in.contains("MaxSessionDuration")) e->max_session = in["MaxSessionDuration"];
      if (in.contains("NewPath")) e->path = in["NewPath"];
      std::string new_name = str(in, (std::string("New") + k.noun + "Name").c_str(), name);
      e->arn = iam_arn(ctx.account_id, k.kind, e->path, new_name);
      if (new_name != name) {
        Entity moved = *e;
        moved.name = new_name;
        NUAGE_TRY(erase(ctx.account_id, k.kind, name));
        entities(a, k).erase(name);
        NUAGE_TRY(save_entity(ctx.account_id, moved));
        entities(a, k)[new_name] = std::move(moved);
      } else {
        NUAGE_TRY(save_entity(ctx.account_id, *e));
      }
      return Output{};
    });

    // Inline policies.
    add(std::string("Put") + k.noun + "Policy", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      auto doc = compile_doc(in.at("PolicyDocument"), PolicyKind::kIdentity);
      if (!doc) return doc.take_error();
      std::unique_lock lock(mu_);
      Entity* e = find(account(ctx), k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      e->inline_policies[in.at("PolicyName")] = *doc;
      NUAGE_TRY(save_entity(ctx.account_id, *e));
      return Output{};
    });
    add(std::string("Get") + k.noun + "Policy", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::shared_lock lock(mu_);
      Entity* e = find(accounts_[ctx.account_id], k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      std::string pname = in.at("PolicyName");
      auto it = e->inline_policies.find(pname);
      if (it == e->inline_policies.end())
        return no_such(std::string("The ") + k.kind + " policy with name " + pname + " cannot be found.");
      Output out;
      out.value = {{k.name_key, e->name}, {"PolicyName", pname}, {"PolicyDocument", url_encoded(it->second.text)}};
      return out;
    });
    add(std::string("Delete") + k.noun + "Policy", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Entity* e = find(account(ctx), k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      std::string pname = in.at("PolicyName");
      if (!e->inline_policies.erase(pname))
        return no_such(std::string("The ") + k.kind + " policy with name " + pname + " cannot be found.");
      NUAGE_TRY(save_entity(ctx.account_id, *e));
      return Output{};
    });
    add(std::string("List") + k.noun + "Policies", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::shared_lock lock(mu_);
      Entity* e = find(accounts_[ctx.account_id], k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      json names = json::array();
      for (const auto& [n, d] : e->inline_policies) names.push_back(n);
      Output out;
      page(out, "PolicyNames", names, in);
      return out;
    });

    // Managed policy attachments.
    add(std::string("Attach") + k.noun + "Policy", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Account& a = account(ctx);
      Entity* e = find(a, k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      std::string arn = in.at("PolicyArn");
      if (!find_policy(a, arn)) return no_such("Policy " + arn + " does not exist or is not attachable.");
      if (std::find(e->attached.begin(), e->attached.end(), arn) == e->attached.end()) e->attached.push_back(arn);
      NUAGE_TRY(save_entity(ctx.account_id, *e));
      return Output{};
    });
    add(std::string("Detach") + k.noun + "Policy", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Account& a = account(ctx);
      Entity* e = find(a, k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      std::string arn = in.at("PolicyArn");
      auto it = std::find(e->attached.begin(), e->attached.end(), arn);
      if (it == e->attached.end()) return no_such("Policy " + arn + " was not found.");
      e->attached.erase(it);
      NUAGE_TRY(save_entity(ctx.account_id, *e));
      return Output{};
    });
    add(std::string("ListAttached") + k.noun + "Policies", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::shared_lock lock(mu_);
      Account& a = accounts_[ctx.account_id];
      Entity* e = find(a, k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      json items = json::array();
      for (const auto& arn : e->attached)
        if (const ManagedPolicy* p = find_policy(a, arn))
          if (path_prefix_ok(in, p->path)) items.push_back({{"PolicyName", p->name}, {"PolicyArn", arn}});
      Output out;
      page(out, "AttachedPolicies", items, in);
      return out;
    });

    if (k.kind == std::string("group")) continue;
    // Tags and permissions boundaries (users and roles).
    add(std::string("Tag") + k.noun, [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Entity* e = find(account(ctx), k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      e->tags = merge_tags(e->tags, in.at("Tags"));
      NUAGE_TRY(save_entity(ctx.account_id, *e));
      return Output{};
    });
    add(std::string("Untag") + k.noun, [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Entity* e = find(account(ctx), k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      e->tags = remove_tags(e->tags, in.at("TagKeys"));
      NUAGE_TRY(save_entity(ctx.account_id, *e));
      return Output{};
    });
    add(std::string("List") + k.noun + "Tags", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::shared_lock lock(mu_);
      Entity* e = find(accounts_[ctx.account_id], k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      Output out;
      page(out, "Tags", e->tags, in);
      return out;
    });
    add(std::string("Put") + k.noun + "PermissionsBoundary", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Account& a = account(ctx);
      Entity* e = find(a, k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      std::string arn = in.at("PermissionsBoundary");
      if (!find_policy(a, arn)) return no_such("Scope ARN: " + arn + " does not exist or is not attachable.");
      e->boundary = arn;
      NUAGE_TRY(save_entity(ctx.account_id, *e));
      return Output{};
    });
    add(std::string("Delete") + k.noun + "PermissionsBoundary", [=, this](Context& ctx, const Value& in) -> Result<Output> {
      std::unique_lock lock(mu_);
      Entity* e = find(account(ctx), k, in.at(k.name_key));
      if (!e) return no_such(not_found_text(k, in.at(k.name_key)));
      e->boundary.clear();
      NUAGE_TRY(save_entity(ctx.account_id, *e));
      return Output{};
    });
  }

  add("GetUser", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string name = str(in, "UserName");
    if (name.empty()) {
      if (ctx.caller.type != auth::PrincipalType::kUser) {
        Output out;  // the root: AWS answers with the account's root "user"
        out.value["User"] = {{"UserId", ctx.account_id}, {"Arn", ctx.caller.arn}, {"CreateDate", 0}, {"Path", "/"}, {"UserName", ""}};
        return out;
      }
      name = ctx.caller.arn.substr(ctx.caller.arn.rfind('/') + 1);
    }
    auto it = a.users.find(name);
    if (it == a.users.end()) return no_such(not_found_text(kUser, name));
    Output out;
    out.value["User"] = user_view(it->second);
    return out;
  });
  add("GetRole", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string name = in.at("RoleName");
    auto it = a.roles.find(name);
    if (it == a.roles.end()) return no_such(not_found_text(kRole, name));
    Output out;
    out.value["Role"] = role_view(it->second);
    return out;
  });
  add("GetGroup", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string name = in.at("GroupName");
    auto it = a.groups.find(name);
    if (it == a.groups.end()) return no_such(not_found_text(kGroup, name));
    json users = json::array();
    for (const auto& [n, u] : a.users)
      if (u.groups.count(name)) users.push_back(user_view(u));
    Output out;
    out.value["Group"] = group_view(it->second);
    page(out, "Users", users, in);
    return out;
  });
  add("UpdateAssumeRolePolicy", [this](Context& ctx, const Value& in) -> Result<Output> {
    auto trust = compile_doc(in.at("PolicyDocument"), PolicyKind::kTrust);
    if (!trust) return trust.take_error();
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    auto it = a.roles.find(in.at("RoleName"));
    if (it == a.roles.end()) return no_such(not_found_text(kRole, in.at("RoleName")));
    it->second.trust = *trust;
    NUAGE_TRY(save_entity(ctx.account_id, it->second));
    return Output{};
  });
  add("UpdateRoleDescription", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    auto it = a.roles.find(in.at("RoleName"));
    if (it == a.roles.end()) return no_such(not_found_text(kRole, in.at("RoleName")));
    it->second.description = in.at("Description");
    NUAGE_TRY(save_entity(ctx.account_id, it->second));
    Output out;
    out.value["Role"] = role_view(it->second);
    return out;
  });

  // --- group membership -------------------------------------------------------
  for (bool joining : {true, false}) {
    add(joining ? "AddUserToGroup" : "RemoveUserFromGroup",
        [this, joining](Context& ctx, const Value& in) -> Result<Output> {
          std::unique_lock lock(mu_);
          Account& a = account(ctx);
          std::string group = in.at("GroupName"), user = in.at("UserName");
          if (!a.groups.count(group)) return no_such(not_found_text(kGroup, group));
          auto u = a.users.find(user);
          if (u == a.users.end()) return no_such(not_found_text(kUser, user));
          if (joining) u->second.groups.insert(group);
          else u->second.groups.erase(group);
          NUAGE_TRY(save_entity(ctx.account_id, u->second));
          return Output{};
        });
  }
  add("ListGroupsForUser", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    auto u = a.users.find(in.at("UserName"));
    if (u == a.users.end()) return no_such(not_found_text(kUser, in.at("UserName")));
    json items = json::array();
    for (const auto& g : u->second.groups)
      if (auto it = a.groups.find(g); it != a.groups.end()) items.push_back(group_view(it->second));
    Output out;
    page(out, "Groups", items, in);
    return out;
  });

  // --- managed policies ---------------------------------------------------------
  auto usage = [](const Account& a, const std::string& arn, size_t& attached, size_t& boundaries) {
    attached = boundaries = 0;
    for (const auto* m : {&a.users, &a.groups, &a.roles})
      for (const auto& [n, e] : *m) {
        attached += std::count(e.attached.begin(), e.attached.end(), arn);
        boundaries += e.boundary == arn;
      }
  };
  add("CreatePolicy", [this, usage](Context& ctx, const Value& in) -> Result<Output> {
    auto doc = compile_doc(in.at("PolicyDocument"), PolicyKind::kIdentity);
    if (!doc) return doc.take_error();
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    ManagedPolicy p;
    p.name = in.at("PolicyName");
    p.path = str(in, "Path", "/");
    p.arn = "arn:aws:iam::" + ctx.account_id + ":policy" + p.path + p.name;
    for (const auto& [arn, existing] : a.policies)
      if (existing.name == p.name)
        return exists("A policy called " + p.name + " already exists. Duplicate names are not allowed.");
    p.id = random_id("ANPA", 17);
    p.description = str(in, "Description");
    p.created = p.updated = now(ctx);
    p.versions["v1"] = {*doc, p.created};
    if (in.contains("Tags")) p.tags = merge_tags(json::array(), in["Tags"]);
    NUAGE_TRY(save_policy(ctx.account_id, p));
    Output out;
    out.value["Policy"] = policy_view(p, 0, 0);
    a.policies[p.arn] = std::move(p);
    return out;
  });
  add("GetPolicy", [this, usage](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string arn = in.at("PolicyArn");
    const ManagedPolicy* p = find_policy(a, arn);
    if (!p) return no_such("Policy " + arn + " was not found.");
    size_t n = 0, b = 0;
    usage(a, arn, n, b);
    Output out;
    out.value["Policy"] = policy_view(*p, n, b);
    return out;
  });
  add("ListPolicies", [this, usage](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string scope = str(in, "Scope", "All");
    bool only_attached = in.value("OnlyAttached", false);
    json items = json::array();
    auto consider = [&](const ManagedPolicy& p) {
      size_t n = 0, b = 0;
      usage(a, p.arn, n, b);
      if (only_attached && n == 0) return;
      if (!path_prefix_ok(in, p.path)) return;
      items.push_back(policy_view(p, n, b));
    };
    if (scope != "Local")
      for (const auto& [arn, p] : aws_policies()) consider(p);
    if (scope != "AWS")
      for (const auto& [arn, p] : a.policies) consider(p);
    Output out;
    page(out, "Policies", items, in);
    return out;
  });
  add("DeletePolicy", [this, usage](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string arn = in.at("PolicyArn");
    if (!find_customer_policy(a, arn)) return no_such("Policy " + arn + " was not found.");
    size_t n = 0, b = 0;
    usage(a, arn, n, b);
    if (n + b > 0) return conflict("Cannot delete a policy attached to entities.");
    if (a.policies.at(arn).versions.size() > 1)
      return conflict("This policy has more than one version. Before you delete a policy, you must delete the "
                      "policy's versions. The default version is deleted with the policy.");
    NUAGE_TRY(erase(ctx.account_id, "policy", arn));
    a.policies.erase(arn);
    return Output{};
  });
  add("CreatePolicyVersion", [this](Context& ctx, const Value& in) -> Result<Output> {
    auto doc = compile_doc(in.at("PolicyDocument"), PolicyKind::kIdentity);
    if (!doc) return doc.take_error();
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string arn = in.at("PolicyArn");
    ManagedPolicy* p = find_customer_policy(a, arn);
    if (!p) return no_such("Policy " + arn + " was not found.");
    if (p->versions.size() >= 5)
      return AwsError{"LimitExceeded",
                      "A managed policy can have up to 5 versions. Before you create a new version, you must delete "
                      "an existing version.",
                      409};
    std::string id = "v" + std::to_string(p->next_version++);
    p->versions[id] = {*doc, now(ctx)};
    if (in.value("SetAsDefault", false)) p->default_version = id;
    p->updated = now(ctx);
    NUAGE_TRY(save_policy(ctx.account_id, *p));
    Output out;
    out.value["PolicyVersion"] = version_view(*p, id, false);
    return out;
  });
  add("GetPolicyVersion", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string arn = in.at("PolicyArn"), id = in.at("VersionId");
    const ManagedPolicy* p = find_policy(a, arn);
    if (!p || !p->versions.count(id))
      return no_such("Policy " + arn + " version " + id + " does not exist or is not attachable.");
    Output out;
    out.value["PolicyVersion"] = version_view(*p, id, true);
    return out;
  });
  add("ListPolicyVersions", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string arn = in.at("PolicyArn");
    const ManagedPolicy* p = find_policy(a, arn);
    if (!p) return no_such("Policy " + arn + " was not found.");
    json items = json::array();
    for (auto it = p->versions.rbegin(); it != p->versions.rend(); ++it) items.push_back(version_view(*p, it->first, false));
    Output out;
    page(out, "Versions", items, in);
    return out;
  });
  add("DeletePolicyVersion", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string arn = in.at("PolicyArn"), id = in.at("VersionId");
    ManagedPolicy* p = find_customer_policy(a, arn);
    if (!p || !p->versions.count(id))
      return no_such("Policy " + arn + " version " + id + " does not exist or is not attachable.");
    if (id == p->default_version) return conflict("Cannot delete the default version of a policy.");
    p->versions.erase(id);
    NUAGE_TRY(save_policy(ctx.account_id, *p));
    return Output{};
  });
  add("SetDefaultPolicyVersion", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string arn = in.at("PolicyArn"), id = in.at("VersionId");
    ManagedPolicy* p = find_customer_policy(a, arn);
    if (!p || !p->versions.count(id))
      return no_such("Policy " + arn + " version " + id + " does not exist or is not attachable.");
    p->default_version = id;
    NUAGE_TRY(save_policy(ctx.account_id, *p));
    return Output{};
  });
  add("TagPolicy", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    ManagedPolicy* p = find_customer_policy(account(ctx), in.at("PolicyArn"));
    if (!p) return no_such("Policy " + in.at("PolicyArn").get<std::string>() + " was not found.");
    p->tags = merge_tags(p->tags, in.at("Tags"));
    NUAGE_TRY(save_policy(ctx.account_id, *p));
    return Output{};
  });
  add("UntagPolicy", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    ManagedPolicy* p = find_customer_policy(account(ctx), in.at("PolicyArn"));
    if (!p) return no_such("Policy " + in.at("PolicyArn").get<std::string>() + " was not found.");
    p->tags = remove_tags(p->tags, in.at("TagKeys"));
    NUAGE_TRY(save_policy(ctx.account_id, *p));
    return Output{};
  });
  add("ListPolicyTags", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    const ManagedPolicy* p = find_policy(accounts_[ctx.account_id], in.at("PolicyArn").get<std::string>());
    if (!p) return no_such("Policy " + in.at("PolicyArn").get<std::string>() + " was not found.");
    Output out;
    page(out, "Tags", p->tags, in);
    return out;
  });
  add("ListEntitiesForPolicy", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string arn = in.at("PolicyArn");
    if (!find_policy(a, arn)) return no_such("Policy " + arn + " was not found.");
    std::string filter = str(in, "EntityFilter");
    json users = json::array(), groups = json::array(), roles = json::array();
    auto attached = [&](const Entity& e) {
      bool usage_boundary = filter == "PermissionsBoundary";
      return usage_boundary ? e.boundary == arn
                            : std::find(e.attached.begin(), e.attached.end(), arn) != e.attached.end();
    };
    if (filter.empty() || filter == "User" || filter == "PermissionsBoundary")
      for (const auto& [n, e] : a.users)
        if (attached(e)) users.push_back({{"UserName", n}, {"UserId", e.id}});
    if (filter.empty() || filter == "Group")
      for (const auto& [n, e] : a.groups)
        if (attached(e)) groups.push_back({{"GroupName", n}, {"GroupId", e.id}});
    if (filter.empty() || filter == "Role" || filter == "PermissionsBoundary")
      for (const auto& [n, e] : a.roles)
        if (attached(e)) roles.push_back({{"RoleName", n}, {"RoleId", e.id}});
    Output out;
    out.value = {{"PolicyUsers", users}, {"PolicyGroups", groups}, {"PolicyRoles", roles}, {"IsTruncated", false}};
    return out;
  });

  // --- instance profiles ---------------------------------------------------------
  add("CreateInstanceProfile", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    InstanceProfile p;
    p.name = in.at("InstanceProfileName");
    if (a.profiles.count(p.name)) return exists("Instance Profile " + p.name + " already exists.");
    p.path = str(in, "Path", "/");
    p.id = random_id("AIPA", 17);
    p.arn = iam_arn(ctx.account_id, "instance-profile", p.path, p.name);
    p.created = now(ctx);
    if (in.contains("Tags")) p.tags = merge_tags(json::array(), in["Tags"]);
    NUAGE_TRY(save_profile(ctx.account_id, p));
    Output out;
    out.value["InstanceProfile"] = profile_view(p, a.roles);
    a.profiles[p.name] = std::move(p);
    return out;
  });
  auto profile_not_found = [](const std::string& name) {
    return no_such("Instance Profile " + name + " cannot be found.");
  };
  add("GetInstanceProfile", [this, profile_not_found](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    auto it = a.profiles.find(in.at("InstanceProfileName"));
    if (it == a.profiles.end()) return profile_not_found(in.at("InstanceProfileName"));
    Output out;
    out.value["InstanceProfile"] = profile_view(it->second, a.roles);
    return out;
  });
  add("DeleteInstanceProfile", [this, profile_not_found](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    auto it = a.profiles.find(in.at("InstanceProfileName"));
    if (it == a.profiles.end()) return profile_not_found(in.at("InstanceProfileName"));
    if (!it->second.roles.empty()) return conflict("Cannot delete entity, must remove roles from instance profile first.");
    NUAGE_TRY(erase(ctx.account_id, "profile", it->first));
    a.profiles.erase(it);
    return Output{};
  });
  add("AddRoleToInstanceProfile", [this, profile_not_found](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    auto it = a.profiles.find(in.at("InstanceProfileName"));
    if (it == a.profiles.end()) return profile_not_found(in.at("InstanceProfileName"));
    std::string role = in.at("RoleName");
    if (!a.roles.count(role)) return no_such(not_found_text(kRole, role));
    if (!it->second.roles.empty())
      return AwsError{"LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409};
    it->second.roles.push_back(role);
    NUAGE_TRY(save_profile(ctx.account_id, it->second));
    return Output{};
  });
  add("RemoveRoleFromInstanceProfile", [this, profile_not_found](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    auto it = a.profiles.find(in.at("InstanceProfileName"));
    if (it == a.profiles.end()) return profile_not_found(in.at("InstanceProfileName"));
    std::string role = in.at("RoleName");
    auto r = std::find(it->second.roles.begin(), it->second.roles.end(), role);
    if (r == it->second.roles.end()) return no_such(not_found_text(kRole, role));
    it->second.roles.erase(r);
    NUAGE_TRY(save_profile(ctx.account_id, it->second));
    return Output{};
  });
  add("ListInstanceProfiles", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    json items = json::array();
    for (const auto& [n, p] : a.profiles)
      if (path_prefix_ok(in, p.path)) items.push_back(profile_view(p, a.roles));
    Output out;
    page(out, "InstanceProfiles", items, in);
    return out;
  });
  add("ListInstanceProfilesForRole", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string role = in.at("RoleName");
    if (!a.roles.count(role)) return no_such(not_found_text(kRole, role));
    json items = json::array();
    for (const auto& [n, p] : a.profiles)
      if (std::find(p.roles.begin(), p.roles.end(), role) != p.roles.end()) items.push_back(profile_view(p, a.roles));
    Output out;
    page(out, "InstanceProfiles", items, in);
    return out;
  });

  // --- access keys ------------------------------------------------------------------
  // Without UserName, the key operations act on the calling user.
  auto key_user = [](const Context& ctx, const Value& in) -> std::string {
    if (in.contains("UserName")) return in["UserName"];
    if (ctx.caller.type == auth::PrincipalType::kUser) return ctx.caller.arn.substr(ctx.caller.arn.rfind('/') + 1);
    return "";
  };
  add("CreateAccessKey", [this, key_user](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string user = key_user(ctx, in);
    if (user.empty())
      return AwsError{"ValidationError", "Must specify userName when calling with non-User credentials", 400};
    if (!a.users.count(user)) return no_such(not_found_text(kUser, user));
    size_t count = 0;
    for (const auto& [id, k] : a.keys) count += k.user == user;
    if (count >= 2)
      return AwsError{"LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409};
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
  });
  auto key_not_found = [](const std::string& id) {
    return no_such("The Access Key with id " + id + " cannot be found.");
  };
  add("UpdateAccessKey", [this, key_user, key_not_found](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string id = in.at("AccessKeyId");
    auto it = a.keys.find(id);
    std::string user = key_user(ctx, in);
    if (it == a.keys.end() || (!user.empty() && it->second.user != user)) return key_not_found(id);
    it->second.status = in.at("Status");
    NUAGE_TRY(save_key(ctx.account_id, it->second));
    credentials_.set_active(id, it->second.status == "Active");
    return Output{};
  });
  add("DeleteAccessKey", [this, key_user, key_not_found](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string id = in.at("AccessKeyId");
    auto it = a.keys.find(id);
    std::string user = key_user(ctx, in);
    if (it == a.keys.end() || (!user.empty() && it->second.user != user)) return key_not_found(id);
    NUAGE_TRY(erase(ctx.account_id, "key", id));
    a.keys.erase(it);
    credentials_.remove(id);
    return Output{};
  });
  add("ListAccessKeys", [this, key_user](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string user = key_user(ctx, in);
    if (!user.empty() && !a.users.count(user)) return no_such(not_found_text(kUser, user));
    json items = json::array();
    for (const auto& [id, k] : a.keys)
      if (k.user == user)
        items.push_back({{"UserName", k.user}, {"AccessKeyId", id}, {"Status", k.status}, {"CreateDate", k.created}});
    Output out;
    page(out, "AccessKeyMetadata", items, in);
    return out;
  });
  add("GetAccessKeyLastUsed", [this, key_not_found](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string id = in.at("AccessKeyId");
    auto it = a.keys.find(id);
    if (it == a.keys.end()) return key_not_found(id);
    Output out;
    out.value = {{"UserName", it->second.user}, {"AccessKeyLastUsed", {{"ServiceName", "N/A"}, {"Region", "N/A"}}}};
    return out;
  });

  // --- login profiles -------------------------------------------------------------
  add("CreateLoginProfile", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string user = in.at("UserName");
    auto u = a.users.find(user);
    if (u == a.users.end()) return no_such(not_found_text(kUser, user));
    if (!u->second.login_profile.is_null()) return exists("Login Profile for user " + user + " already exists.");
    u->second.login_profile = {{"CreateDate", now(ctx)},
                               {"PasswordResetRequired", in.value("PasswordResetRequired", false)}};
    NUAGE_TRY(save_entity(ctx.account_id, u->second));
    Output out;
    out.value["LoginProfile"] = u->second.login_profile;
    out.value["LoginProfile"]["UserName"] = user;
    return out;
  });
  add("GetLoginProfile", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::string user = in.at("UserName");
    auto u = a.users.find(user);
    if (u == a.users.end() || u->second.login_profile.is_null())
      return no_such("Login Profile for User " + user + " cannot be found.");
    Output out;
    out.value["LoginProfile"] = u->second.login_profile;
    out.value["LoginProfile"]["UserName"] = user;
    return out;
  });
  add("UpdateLoginProfile", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string user = in.at("UserName");
    auto u = a.users.find(user);
    if (u == a.users.end() || u->second.login_profile.is_null())
      return no_such("Login Profile for User " + user + " cannot be found.");
    if (in.contains("PasswordResetRequired")) u->second.login_profile["PasswordResetRequired"] = in["PasswordResetRequired"];
    NUAGE_TRY(save_entity(ctx.account_id, u->second));
    return Output{};
  });
  add("DeleteLoginProfile", [this](Context& ctx, const Value& in) -> Result<Output> {
    std::unique_lock lock(mu_);
    Account& a = account(ctx);
    std::string user = in.at("UserName");
    auto u = a.users.find(user);
    if (u == a.users.end() || u->second.login_profile.is_null())
      return no_such("Login Profile for User " + user + " cannot be found.");
    u->second.login_profile = nullptr;
    NUAGE_TRY(save_entity(ctx.account_id, u->second));
    return Output{};
  });

  // --- account-wide views -------------------------------------------------------------
  add("GetAccountAuthorizationDetails", [this, usage](Context& ctx, const Value& in) -> Result<Output> {
    std::shared_lock lock(mu_);
    Account& a = accounts_[ctx.account_id];
    std::set<std::string> filter;
    if (in.contains("Filter"))
      for (const auto& f : in["Filter"]) filter.insert(f);
    auto wanted = [&](const char* f) { return filter.empty() || filter.count(f); };
    auto inline_list = [](const Entity& e) {
      json l = json::array();
      for (const auto& [n, d] : e.inline_policies) l.push_back({{"PolicyName", n}, {"PolicyDocument", url_encoded(d.text)}});
      return l;
    };
    auto attached_list = [&](const Entity& e) {
      json l = json::array();
      for (const auto& arn : e.attached)
        if (const ManagedPolicy* p = find_policy(a, arn)) l.push_back({{"PolicyName", p->name}, {"PolicyArn", arn}});
      return l;
    };
    Output out;
    json users = json::array(), groups = json::array(), roles = json::array(), policies = json::array();
    if (wanted("User"))
      for (const auto& [n, u] : a.users) {
        json v = user_view(u);
        v["UserPolicyList"] = inline_list(u);
        v["AttachedManagedPolicies"] = attached_list(u);
        v["GroupList"] = json(u.groups);
        users.push_back(v);
      }
    if (wanted("Group"))
      for (const auto& [n, g] : a.groups) {
        json v = group_view(g);
        v["GroupPolicyList"] = inline_list(g);
        v["AttachedManagedPolicies"] = attached_list(g);
        groups.push_back(v);
      }
    if (wanted("Role"))
      for (const auto& [n, r] : a.roles) {
        json v = role_view(r);
        v["RolePolicyList"] = inline_list(r);
        v["AttachedManagedPolicies"] = attached_list(r);
        json profiles = json::array();
        for (const auto& [pn, p] : a.profiles)
          if (std::find(p.roles.begin(), p.roles.end(), n) != p.roles.end()) profiles.push_back(profile_view(p, a.roles));
        v["InstanceProfileList"] = profiles;
        roles.push_back(v);
      }
    auto detail = [&](const ManagedPolicy& p) {
      size_t cnt = 0, b = 0;
      usage(a, p.arn, cnt, b);
      json v = policy_view(p, cnt, b);
      json versions = json::array();
      for (const auto& [id, ver] : p.versions) versions.push_back(version_view(p, id, true));
      v["PolicyVersionList"] = versions;
      v.erase("Tags");
      return std::make_pair(cnt + b, v);
    };
    if (wanted("LocalManagedPolicy"))
      for (const auto& [arn, p] : a.policies) policies.push_back(detail(p).second);
    if (wanted("AWSManagedPolicy"))
      for (const auto& [arn, p] : aws_policies()) {
        auto [used, v] = detail(p);
        if (used) policies.push_back(v);  // AWS lists the AWS managed policies in use
      }
    out.value = {{"UserDetailList", users}, {"GroupDetailList", groups}, {"RoleDetailList", roles},
                 {"Policies", policies},    {"IsTruncated", false}};
    return out;
  });

  add("SimulatePrincipalPolicy", [this](Context& ctx, const Value& in) { return simulate(ctx, in, true); });
  add("SimulateCustomPolicy", [this](Context& ctx, const Value& in) { return simulate(ctx, in, false); });
}

// --- the policy simulator -------------------------------------------------------------

Result<Output> Provider::simulate(Context& ctx, const Value& in, bool principal) {
  nuage::policy::PolicySet set;
  nuage::policy::Principal who;
  nuage::policy::Context keys;
  who.account = ctx.account_id;
  auto add_inputs = [&](const char* member, std::vector<nuage::policy::PolicyRef>& into, const char* type) -> Status {
    if (!in.contains(member)) return Status::Ok();
    size_t i = 0;
    for (const auto& text : in[member]) {
      auto doc = compile_doc(text, PolicyKind::kIdentity);
      if (!doc) return doc.error();
      into.push_back({"PolicyInputList." + std::to_string(++i), type, doc->compiled});
    }
    return Status::Ok();
  };
  if (principal) {
    std::string source = in.at("PolicySourceArn");
    auth::Credential caller;
    caller.account_id = ctx.account_id;
    caller.arn = source;
    std::string tail = source.substr(source.find(":", 13) + 1);
    if (text::starts_with(tail, "user/")) {
      caller.type = auth::PrincipalType::kUser;
      auto v = caller_view(caller);
      if (!v) return no_such("The user with name " + source.substr(source.rfind('/') + 1) + " cannot be found.");
      set = v->policies;
      who = v->principal;
      keys = v->context;
    } else {
      std::shared_lock lock(mu_);
      Account& a = accounts_[ctx.account_id];
      std::string name = source.substr(source.rfind('/') + 1);
      const Entity* e = nullptr;
      if (text::starts_with(tail, "role/")) {
        auto it = a.roles.find(name);
        if (it != a.roles.end()) e = &it->second;
        who.type = nuage::policy::Principal::Type::kAssumedRole;
        who.role_arn = source;
      } else if (text::starts_with(tail, "group/")) {
        auto it = a.groups.find(name);
        if (it != a.groups.end()) e = &it->second;
        who.type = nuage::policy::Principal::Type::kUser;
      }
      if (!e) return no_such("The entity " + source + " cannot be found.");
      collect_entity_policies(ctx.account_id, *e, set);
      who.arn = source;
    }
    NUAGE_TRY(add_inputs("PolicyInputList", set.identity, "IAM Policy"));
  } else {
    who.type = nuage::policy::Principal::Type::kUser;
    who.arn = str(in, "CallerArn", "arn:aws:iam::" + ctx.account_id + ":user/SimulatedUser");
    NUAGE_TRY(add_inputs("PolicyInputList", set.identity, "IAM Policy"));
  }
  if (in.contains("PermissionsBoundaryPolicyInputList")) {
    set.boundary.clear();
    NUAGE_TRY(add_inputs("PermissionsBoundaryPolicyInputList", set.boundary, "PermissionsBoundaryPolicy"));
  }
  if (in.contains("ResourcePolicy")) {
    auto doc = compile_doc(in["ResourcePolicy"], PolicyKind::kResource);
    if (!doc) return doc.take_error();
    set.resource.push_back({"ResourcePolicy", "Resource Policy", doc->compiled});
  }
  if (in.contains("CallerArn")) who.arn = in["CallerArn"];
  if (in.contains("ContextEntries"))
    for (const auto& e : in["ContextEntries"]) {
      std::vector<std::string> values = e.value("ContextKeyValues", std::vector<std::string>{});
      std::string type = e.value("ContextKeyType", "string");
      if (type.size() > 4 && type.substr(type.size() - 4) == "List") keys.set_multi(e["ContextKeyName"].get<std::string>(), values);
      else if (!values.empty()) keys.set(e["ContextKeyName"].get<std::string>(), values[0]);
    }
  if (!keys.find("aws:currenttime")) keys.set("aws:CurrentTime", timefmt::iso8601(ctx.clock->now()));

  std::vector<std::string> resources = {"*"};
  if (in.contains("ResourceArns")) resources = in["ResourceArns"].get<std::vector<std::string>>();
  json results = json::array();
  auto statement = [](const nuage::policy::MatchedStatement& m) {
    return json{{"SourcePolicyId", m.policy_id},
                {"SourcePolicyType", m.policy_type},
                {"StartPosition", {{"Line", 1}, {"Column", static_cast<int>(m.index) + 1}}},
                {"EndPosition", {{"Line", 1}, {"Column", static_cast<int>(m.index) + 1}}}};
  };
  auto decision_name = [](const nuage::policy::Evaluation& ev) {
    return ev.decision == nuage::policy::Decision::kAllowed        ? "allowed"
           : ev.decision == nuage::policy::Decision::kExplicitDeny ? "explicitDeny"
                                                                 : "implicitDeny";
  };
  for (const auto& action : in.at("ActionNames")) {
    json per_resource = json::array();
    nuage::policy::Evaluation overall;
    bool first = true;
    for (const auto& resource : resources) {
      nuage::policy::Request req{action, resource, who, keys};
      auto ev = nuage::policy::evaluate(req, set);
      json matched = json::array();
      for (const auto& m : ev.matched)
        if (m.effect == (ev.allowed() ? nuage::policy::Effect::kAllow : nuage::policy::Effect::kDeny)) matched.push_back(statement(m));
      per_resource.push_back({{"EvalResourceName", resource},
                              {"EvalResourceDecision", decision_name(ev)},
                              {"MatchedStatements", matched},
                              {"MissingContextValues", json::array()}});
      // The overall decision: any deny wins, else the first result.
      if (first || (overall.allowed() && !ev.allowed()) ||
          (ev.decision == nuage::policy::Decision::kExplicitDeny)) overall = ev;
      first = false;
    }
    json matched = json::array();
    for (const auto& m : overall.matched)
      if (m.effect == (overall.allowed() ? nuage::policy::Effect::kAllow : nuage::policy::Effect::kDeny)) matched.push_back(statement(m));
    json result = {{"EvalActionName", action},
                   {"EvalResourceName", resources.size() == 1 ? resources[0] : std::string("*")},
                   {"EvalDecision", decision_name(overall)},
                   {"MatchedStatements", matched},
                   {"MissingContextValues", json::array()}};
    if (!set.boundary.empty())
      result["PermissionsBoundaryDecisionDetail"] = {
          {"AllowedByPermissionsBoundary",
           !(overall.decided_by == nuage::policy::PolicyType::kBoundary && !overall.allowed())}};
    if (in.contains("ResourceArns")) result["ResourceSpecificResults"] = per_resource;
    results.push_back(result);
  }
  Output out;
  page(out, "EvaluationResults", results, in);
  return out;
}

}  // namespace nuage::services::iam
