// The policy evaluation logic of AWS, for one request within one account:
//
//   1. an explicit Deny in any applicable policy (identity-based,
//      resource-based, permissions boundary, session policy) denies;
//   2. an Allow of a resource-based policy that names the principal itself
//      (the user ARN, the role session ARN, a service, or "*") allows;
//   3. otherwise an identity-based Allow is needed (a resource-based Allow
//      that names the role of a session stands in for it; one that names the
//      account delegates to the identity policies), and then
//   4. the permissions boundary, if any, must allow, and
//   5. the session policies, if any, must allow;
//   6. anything else is an implicit deny.
// For operations that need the resource's consent (sts:AssumeRole and the
// role's trust policy), `resource_required` makes a resource-based Allow
// mandatory.
//
// Each result names the statement that decided it (or says that nothing
// allowed it) and lists every statement that matched.
//
// Thread-safety: pure functions over immutable compiled policies.
#pragma once

#include <string>
#include <vector>

#include "policy/conditions.h"
#include "policy/policy.h"

namespace nuage::policy {

enum class PolicyType { kIdentity, kResource, kBoundary, kSession };

struct PolicyRef {
  std::string id;    // what reports name it by: a policy ARN, "user/alice/inline-name", ...
  std::string type;  // IAM's SourcePolicyType: "user", "group", "role", "aws-managed", "user-managed", "resource", ...
  PolicyPtr policy;
};

// Who is asking.
struct Principal {
  enum class Type { kRoot, kUser, kAssumedRole, kService, kFederated, kAnonymous };
  Type type = Type::kRoot;
  std::string arn;      // user, root or session ARN
  std::string account;  // the principal's account
  std::string role_arn; // sessions: the role's ARN (arn:aws:iam::acct:role/path/name)
  std::string service;  // services: "lambda.amazonaws.com"
};

struct Request {
  std::string action;    // "ec2:StartInstances" (any case)
  std::string resource;  // ARN or "*"
  Principal principal;
  Context context;
};

struct PolicySet {
  std::vector<PolicyRef> identity;
  std::vector<PolicyRef> resource;
  std::vector<PolicyRef> boundary;  // at most one, empty: no boundary
  std::vector<PolicyRef> session;   // empty: no session policy
  bool has_session_policy = false;  // a session policy was passed (even if it compiles to nothing)
  bool resource_required = false;   // the resource must consent (trust policies)
};

enum class Decision { kAllowed, kExplicitDeny, kImplicitDeny };

struct MatchedStatement {
  std::string policy_id;
  std::string policy_type;
  PolicyType kind = PolicyType::kIdentity;
  size_t index = 0;  // statement position in its policy
  std::string sid;
  Effect effect = Effect::kAllow;
};

struct Evaluation {
  Decision decision = Decision::kImplicitDeny;
  // Which kind of policy decided (the deny's or the missing allow's).
  PolicyType decided_by = PolicyType::kIdentity;
  bool has_decider = false;
  MatchedStatement decider;  // the deciding statement, when has_decider
  std::vector<MatchedStatement> matched;  // every statement that applied

  bool allowed() const { return decision == Decision::kAllowed; }
  // AWS's wording of the reason, e.g. "because no identity-based policy
  // allows the s3:GetObject action" or "with an explicit deny in a resource-
  // based policy".
  std::string reason(const std::string& action) const;
};

// Whether one statement applies to the request (action, resource, principal
// for resource-based policies, conditions).
bool statement_applies(const Statement& statement, const Policy& policy, const Request& request, PolicyType kind);

Evaluation evaluate(const Request& request, const PolicySet& policies);

}  // namespace nuage::policy
