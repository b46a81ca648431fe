// IAM policy documents: validation and compilation.
//
// A policy is parsed, validated (with IAM's MalformedPolicyDocument reasons)
// and compiled once, when it is written; the evaluator (evaluator.h) then
// works on the compiled form only, so a request never parses JSON or builds
// a regex. This library depends on nothing but src/common: every service
// (IAM identities, S3 bucket policies, Lambda function policies, role trust
// policies) uses the same implementation.
//
// Thread-safety: a compiled Policy is immutable and may be shared between
// threads (it is handed around as shared_ptr<const Policy>).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace nuage::policy {

// `*` matches any run of characters (also empty), `?` exactly one. No regex:
// a linear scan with one backtrack point, as fast as a strcmp in the common
// case. `ignore_case` compares ASCII letters case-insensitively.
bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case = false);

enum class Effect { kAllow, kDeny };

// What kind of document is checked: identity policies (and permissions
// boundaries, session policies) must not name a Principal; resource-based
// policies and trust policies must.
enum class PolicyKind { kIdentity, kResource, kTrust };

// One condition clause: `Operator: { Key: [values] }` after splitting the
// operator into its base, its IfExists suffix and its set qualifier.
struct Condition {
  enum class Set { kNone, kForAllValues, kForAnyValue };
  std::string op;          // base operator, e.g. "StringLike"
  std::string op_spelled;  // as written, e.g. "ForAnyValue:StringLikeIfExists"
  bool if_exists = false;
  Set set = Set::kNone;
  std::string key;          // as written, e.g. "aws:PrincipalTag/team"
  std::string key_lower;    // lookup form (keys are case-insensitive)
  std::vector<std::string> values;
  bool values_have_variables = false;
};

// A Principal or NotPrincipal element.
struct PrincipalSpec {
  bool any = false;  // "*" or {"AWS": "*"}
  // (type, value): type is "AWS", "Service", "Federated" or "CanonicalUser".
  std::vector<std::pair<std::string, std::string>> entries;
};

struct Statement {
  size_t index = 0;  // position in the policy
  std::string sid;
  Effect effect = Effect::kAllow;
  bool not_action = false;
  std::vector<std::string> actions;  // lowercased patterns
  bool has_resource = false;         // Resource or NotResource present
  bool not_resource = false;
  std::vector<std::string> resources;  // patterns (case-sensitive)
  std::vector<bool> resource_has_variables;
  bool has_principal = false;
  bool not_principal = false;
  PrincipalSpec principal;
  std::vector<Condition> conditions;
};

struct Policy {
  std::string version;  // "2012-10-17", "2008-10-17" or "" (then no policy variables)
  std::string id;
  std::vector<Statement> statements;
  bool variables_enabled() const { return version == "2012-10-17"; }
};

using PolicyPtr = std::shared_ptr<const Policy>;

// Parses, validates and compiles a policy document. Failure is IAM's
// MalformedPolicyDocument (400) with the reason AWS gives.
Result<PolicyPtr> compile_policy(std::string_view document, PolicyKind kind);

// The MalformedPolicyDocument error with `reason`.
AwsError malformed_policy(const std::string& reason);

}  // namespace nuage::policy
