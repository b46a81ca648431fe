// Pieces shared by the files of the IAM provider: IAM's errors (from its
// model), the answer forms ("views") of its structs, paging, and what users,
// groups and roles have in common (EntityKind).
// Thread-safety: pure functions and immutable data.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "kit/errors.h"
#include "services/iam/provider.h"

namespace nuage::services::iam {

using nlohmann::json;
using Context = kit::RequestContext;
using Output = kit::Output;
using Value = kit::Value;

// IAM's errors: the model gives each shape's code and status
// (NoSuchEntityException is NoSuchEntity, 404). ValidationError is not in
// the model.
inline const kit::Errors errors("iam", {{"ValidationError", 400}});

// `in[key]` when it is a string, else `fallback`.
std::string str(const kit::Value& in, const char* key, const std::string& fallback = "");
// Answers `items` as `member`, one page of MaxItems after Marker, with
// IsTruncated and the next Marker.
void page(kit::Output& out, const char* member, const nlohmann::json& items, const kit::Value& in);
// Whether `path` is under the request's PathPrefix (or no prefix is given).
bool path_prefix_ok(const kit::Value& in, const std::string& path);

// Answer forms.
nlohmann::json boundary_view(const std::string& arn);
nlohmann::json user_view(const Entity& u);                     // users.cc
nlohmann::json group_view(const Entity& g);                    // groups.cc
nlohmann::json role_view(const Entity& r, bool full = true);   // roles.cc
nlohmann::json policy_view(const ManagedPolicy& p, size_t attachments, size_t boundaries);  // policies.cc
nlohmann::json version_view(const ManagedPolicy& p, const std::string& id, bool with_doc);
nlohmann::json profile_view(const InstanceProfile& p, const std::map<std::string, Entity>& roles);

// How many entities of the account have `arn` attached, and as their
// permissions boundary.
std::pair<size_t, size_t> policy_usage(const Account& a, const std::string& arn);

// User, group or role: what their shared operations (entities.cc) need to
// know of each, by the operation names' noun.
struct EntityKind {
  const char* kind;       // "user"
  const char* noun;       // "User"
  const char* name_key;   // "UserName"
  const char* id_prefix;  // "AIDA"
  std::map<std::string, Entity> Account::*entities;
  // The form in Create* and List* answers (`listed`: List*'s).
  nlohmann::json (*view)(const Entity& e, bool listed);
  bool tags_and_boundary;  // Tag*, Untag*, List*Tags, Put/Delete*PermissionsBoundary
};
extern const EntityKind kUser;   // users.cc
extern const EntityKind kGroup;  // groups.cc
extern const EntityKind kRole;   // roles.cc

// "The user with name bob cannot be found."
std::string not_found_text(const EntityKind& k, const std::string& name);

}  // namespace nuage::services::iam
