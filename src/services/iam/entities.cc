// What users, groups and roles have in common, written once: creation,
// deletion, listing, renaming, inline policies, managed policy attachments,
// and (users and roles) tags and permissions boundaries. Each kind registers
// them under its own names (CreateUser, PutRolePolicy, ListGroups ...).
#include <algorithm>

#include "services/iam/internal.h"
#include "services/iam/limits.h"
#include "services/iam/util.h"
#include "services/tag_list.h"

namespace nuage::services::iam {

using nuage::policy::PolicyKind;

namespace {

Entity* find(Account& a, const EntityKind& k, const std::string& name) {
  auto& m = a.*k.entities;
  auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

const Entity* find(const Account& a, const EntityKind& k, const std::string& name) {
  const auto& m = a.*k.entities;
  auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

bool is(const EntityKind& k, const EntityKind& kind) { return &k == &kind; }

}  // namespace

std::string not_found_text(const EntityKind& k, const std::string& name) {
  return std::string("The ") + k.kind + " with name " + name + " cannot be found.";
}

void Provider::register_entity_operations(kit::OperationTable& table, const EntityKind& kind) {
  using Method = Result<Output> (Provider::*)(const EntityKind&, Context&, const Value&);
  // Writers hold mu_ exclusively, readers share it.
  auto writer = [&](const std::string& op, Method m) {
    table.add(op, [this, &kind, m](Context& ctx, const Value& in) {
      std::unique_lock lock(mu_);
      return (this->*m)(kind, ctx, in);
    });
  };
  auto reader = [&](const std::string& op, Method m) {
    table.add(op, [this, &kind, m](Context& ctx, const Value& in) {
      std::shared_lock lock(mu_);
      return (this->*m)(kind, ctx, in);
    });
  };
  const std::string noun = kind.noun;
  writer("Create" + noun, &Provider::create_entity);
  writer("Delete" + noun, &Provider::delete_entity);
  reader("List" + noun + "s", &Provider::list_entities);
  writer("Update" + noun, &Provider::update_entity);
  writer("Put" + noun + "Policy", &Provider::put_inline_policy);
  reader("Get" + noun + "Policy", &Provider::get_inline_policy);
  writer("Delete" + noun + "Policy", &Provider::delete_inline_policy);
  reader("List" + noun + "Policies", &Provider::list_inline_policies);
  writer("Attach" + noun + "Policy", &Provider::attach_policy);
  writer("Detach" + noun + "Policy", &Provider::detach_policy);
  reader("ListAttached" + noun + "Policies", &Provider::list_attached_policies);
  if (!kind.tags_and_boundary) return;
  writer("Tag" + noun, &Provider::tag_entity);
  writer("Untag" + noun, &Provider::untag_entity);
  reader("List" + noun + "Tags", &Provider::list_entity_tags);
  writer("Put" + noun + "PermissionsBoundary", &Provider::put_boundary);
  writer("Delete" + noun + "PermissionsBoundary", &Provider::delete_boundary);
}

// ---------------------------------------------------------------- create / delete / list / update

Result<Output> Provider::create_entity(const EntityKind& k, Context& ctx, const Value& in) {
  Account& a = account(ctx);
  std::string name = in.at(k.name_key);
  for (const auto& [n, e] : a.*k.entities)
    if (text::lower(n) == text::lower(name))
      return errors("EntityAlreadyExistsException", std::string(k.noun) + " with name " + name + " already exists.");
  Entity e;
  e.kind = k.kind;
  e.name = name;
  e.path = str(in, "Path", "/");
  e.id = random_id(k.id_prefix, 17);
  e.arn = iam_arn(ctx.account_id, k.kind, e.path, name);
  e.created = now(ctx);
  if (in.contains("Tags")) e.tags = merge_tags(json::array(), in["Tags"]);
  if (is(k, kRole)) {
    if (limits::policy_size(in.at("AssumeRolePolicyDocument").get_ref<const std::string&>()) > limits::kTrustPolicySize)
      return limits::quota_exceeded("ACLSizePerRole", limits::kTrustPolicySize);
    auto trust = compile_doc(in.at("AssumeRolePolicyDocument"), PolicyKind::kTrust);
    if (!trust) return trust.take_error();
    e.trust = *trust;
    e.description = str(in, "Description");
    e.max_session = in.value("MaxSessionDuration", int64_t{3600});
  }
  if (in.contains("PermissionsBoundary")) {
    std::string b = in["PermissionsBoundary"];
    if (!find_policy(a, b))
      return errors("NoSuchEntityException", "Scope ARN: " + b + " does not exist or is not attachable.");
    e.boundary = b;
  }
  NUAGE_TRY(save_entity(ctx.account_id, e));
  Output out;
  out.value[k.noun] = k.view(e, false);
  (a.*k.entities)[name] = std::move(e);
  return out;
}

Result<Output> Provider::delete_entity(const EntityKind& k, Context& ctx, const Value& in) {
  Account& a = account(ctx);
  std::string name = in.at(k.name_key);
  Entity* e = find(a, k, name);
  if (!e) return errors("NoSuchEntityException", not_found_text(k, name));
  auto conflict = [](const char* what) {
    return errors("DeleteConflictException", std::string("Cannot delete entity, must ") + what);
  };
  if (!e->inline_policies.empty()) return conflict("delete policies first.");
  if (!e->attached.empty()) return conflict("detach all policies first.");
  if (is(k, kUser)) {
    for (const auto& [id, key] : a.keys)
      if (key.user == name) return conflict("delete access keys first.");
    if (!e->login_profile.is_null()) return conflict("delete login profile first.");
    if (!e->groups.empty()) return conflict("remove user from all groups first.");
  }
  if (is(k, kGroup))
    for (const auto& [n, u] : a.users)
      if (u.groups.count(name)) return conflict("remove users from group first.");
  if (is(k, kRole))
    for (const auto& [n, p] : a.profiles)
      for (const auto& r : p.roles)
        if (r == name) return conflict("remove roles from instance profile first.");
  NUAGE_TRY(erase(ctx.account_id, k.kind, name));
  (a.*k.entities).erase(name);
  return Output{};
}

Result<Output> Provider::list_entities(const EntityKind& k, Context& ctx, const Value& in) {
  json items = json::array();
  for (const auto& [n, e] : account_view(ctx).*k.entities)
    if (path_prefix_ok(in, e.path)) items.push_back(k.view(e, true));
  Output out;
  page(out, (std::string(k.noun) + "s").c_str(), items, in);
  return out;
}

Result<Output> Provider::update_entity(const EntityKind& k, Context& ctx, const Value& in) {
  Account& a = account(ctx);
  std::string name = in.at(k.name_key);
  Entity* e = find(a, k, name);
  if (!e) return errors("NoSuchEntityException", not_found_text(k, name));
  if (in.contains("Description")) e->description = in["Description"];
  if (in.contains("MaxSessionDuration")) e->max_session = in["MaxSessionDuration"];
  if (in.contains("NewPath")) e->path = in["NewPath"];
  std::string new_name = str(in, (std::string("New") + k.noun + "Name").c_str(), name);
  e->arn = iam_arn(ctx.account_id, k.kind, e->path, new_name);
  if (new_name != name) {
    Entity moved = *e;
    moved.name = new_name;
    NUAGE_TRY(erase(ctx.account_id, k.kind, name));
    (a.*k.entities).erase(name);
    NUAGE_TRY(save_entity(ctx.account_id, moved));
    (a.*k.entities)[new_name] = std::move(moved);
  } else {
    NUAGE_TRY(save_entity(ctx.account_id, *e));
  }
  return Output{};
}

// ---------------------------------------------------------------- inline policies

Result<Output> Provider::put_inline_policy(const EntityKind& k, Context& ctx, const Value& in) {
  auto doc = compile_doc(in.at("PolicyDocument"), PolicyKind::kIdentity);
  if (!doc) return doc.take_error();
  Entity* e = find(account(ctx), k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  size_t total = limits::policy_size(doc->text);
  for (const auto& [n, d] : e->inline_policies)
    if (n != in.at("PolicyName")) total += limits::policy_size(d.text);
  if (total > limits::inline_policy_budget(k.kind)) return limits::inline_policies_too_large(k.kind, e->name);
  e->inline_policies[in.at("PolicyName")] = *doc;
  NUAGE_TRY(save_entity(ctx.account_id, *e));
  return Output{};
}

Result<Output> Provider::get_inline_policy(const EntityKind& k, Context& ctx, const Value& in) {
  const Entity* e = find(account_view(ctx), k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  std::string pname = in.at("PolicyName");
  auto it = e->inline_policies.find(pname);
  if (it == e->inline_policies.end())
    return errors("NoSuchEntityException", std::string("The ") + k.kind + " policy with name " + pname +
                                               " cannot be found.");
  Output out;
  out.value = {{k.name_key, e->name}, {"PolicyName", pname}, {"PolicyDocument", url_encoded(it->second.text)}};
  return out;
}

Result<Output> Provider::delete_inline_policy(const EntityKind& k, Context& ctx, const Value& in) {
  Entity* e = find(account(ctx), k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  std::string pname = in.at("PolicyName");
  if (!e->inline_policies.erase(pname))
    return errors("NoSuchEntityException", std::string("The ") + k.kind + " policy with name " + pname +
                                               " cannot be found.");
  NUAGE_TRY(save_entity(ctx.account_id, *e));
  return Output{};
}

Result<Output> Provider::list_inline_policies(const EntityKind& k, Context& ctx, const Value& in) {
  const Entity* e = find(account_view(ctx), k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  json names = json::array();
  for (const auto& [n, d] : e->inline_policies) names.push_back(n);
  Output out;
  page(out, "PolicyNames", names, in);
  return out;
}

// ---------------------------------------------------------------- managed policy attachments

Result<Output> Provider::attach_policy(const EntityKind& k, Context& ctx, const Value& in) {
  Account& a = account(ctx);
  Entity* e = find(a, k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  std::string arn = in.at("PolicyArn");
  if (!find_policy(a, arn))
    return errors("NoSuchEntityException", "Policy " + arn + " does not exist or is not attachable.");
  if (std::find(e->attached.begin(), e->attached.end(), arn) == e->attached.end()) e->attached.push_back(arn);
  NUAGE_TRY(save_entity(ctx.account_id, *e));
  return Output{};
}

Result<Output> Provider::detach_policy(const EntityKind& k, Context& ctx, const Value& in) {
  Entity* e = find(account(ctx), k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  std::string arn = in.at("PolicyArn");
  auto it = std::find(e->attached.begin(), e->attached.end(), arn);
  if (it == e->attached.end()) return errors("NoSuchEntityException", "Policy " + arn + " was not found.");
  e->attached.erase(it);
  NUAGE_TRY(save_entity(ctx.account_id, *e));
  return Output{};
}

Result<Output> Provider::list_attached_policies(const EntityKind& k, Context& ctx, const Value& in) {
  const Account& a = account_view(ctx);
  const Entity* e = find(a, k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  json items = json::array();
  for (const auto& arn : e->attached)
    if (const ManagedPolicy* p = find_policy(a, arn))
      if (path_prefix_ok(in, p->path)) items.push_back({{"PolicyName", p->name}, {"PolicyArn", arn}});
  Output out;
  page(out, "AttachedPolicies", items, in);
  return out;
}

// ---------------------------------------------------------------- tags and permissions boundaries

Result<Output> Provider::tag_entity(const EntityKind& k, Context& ctx, const Value& in) {
  Entity* e = find(account(ctx), k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  json tags = merge_tags(e->tags, in.at("Tags"));
  if (tags.size() > limits::kTagsPerEntity)
    return limits::quota_exceeded(std::string("TagsPer") + k.noun, limits::kTagsPerEntity);
  e->tags = std::move(tags);
  NUAGE_TRY(save_entity(ctx.account_id, *e));
  return Output{};
}

Result<Output> Provider::untag_entity(const EntityKind& k, Context& ctx, const Value& in) {
  Entity* e = find(account(ctx), k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  e->tags = remove_tags(e->tags, in.at("TagKeys"));
  NUAGE_TRY(save_entity(ctx.account_id, *e));
  return Output{};
}

Result<Output> Provider::list_entity_tags(const EntityKind& k, Context& ctx, const Value& in) {
  const Entity* e = find(account_view(ctx), k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  Output out;
  page(out, "Tags", e->tags, in);
  return out;
}

Result<Output> Provider::put_boundary(const EntityKind& k, Context& ctx, const Value& in) {
  Account& a = account(ctx);
  Entity* e = find(a, k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  std::string arn = in.at("PermissionsBoundary");
  if (!find_policy(a, arn))
    return errors("NoSuchEntityException", "Scope ARN: " + arn + " does not exist or is not attachable.");
  e->boundary = arn;
  NUAGE_TRY(save_entity(ctx.account_id, *e));
  return Output{};
}

Result<Output> Provider::delete_boundary(const EntityKind& k, Context& ctx, const Value& in) {
  Entity* e = find(account(ctx), k, in.at(k.name_key));
  if (!e) return errors("NoSuchEntityException", not_found_text(k, in.at(k.name_key)));
  e->boundary.clear();
  NUAGE_TRY(save_entity(ctx.account_id, *e));
  return Output{};
}

}  // namespace nuage::services::iam
