// Access to a resource that may carry a resource-based policy (an S3 bucket
// policy, a Lambda function policy, and — as they land — SQS queue, SNS
// topic, KMS key, Secrets Manager secret and ECR repository policies): the
// one decision every service's stored policy goes through, across accounts.
//
//   - anonymous callers and AWS service principals are allowed only by the
//     resource policy (a statement naming "*", {"AWS": "*"} or the service);
//   - a caller of the account that owns the resource is judged as within
//     one account (evaluator.h): either its identity policies or a resource
//     policy naming it may allow;
//   - a caller of another account needs both: its identity policies (in its
//     own account) and the resource policy (naming it, its role, its
//     account or everyone) must allow;
//   - an explicit Deny in any of them wins.
// `restrict_to_owner` (S3's RestrictPublicBuckets on a public policy) makes
// the resource policy allow nobody outside the owner's account but service
// principals; its denies still apply.
//
// Also: whether a resource policy is public, as S3 and Lambda judge it
// (GetBucketPolicyStatus, BlockPublicPolicy).
//
// Thread-safety: pure functions over immutable compiled policies; a
// PolicyCache may be used from any thread.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "policy/evaluator.h"
#include "policy/policy.h"

namespace nuage::policy {

// The stored policy of the resource a request targets.
struct ResourcePolicy {
  std::string owner_account;  // the account that owns the resource
  std::string id;             // what reports name the policy by (the resource's ARN)
  PolicyPtr policy;           // null: the resource has no policy
  bool restrict_to_owner = false;
};

// The identity policies that allow everything: an account's root, or every
// caller when identity policies are not enforced.
const PolicyRef& allow_all_identity();

// `identity`: the caller's identity-based policies, permissions boundary and
// session policies (its `resource` member is ignored); empty for anonymous
// callers and service principals.
Evaluation evaluate_access(const Request& request, const PolicySet& identity, const ResourcePolicy& resource);

// Policies compiled once per distinct document (bounded), for services
// that store a resource policy as text and look it up on every request.
class PolicyCache {
 public:
  explicit PolicyCache(PolicyKind kind, size_t capacity = 4096) : kind_(kind), capacity_(capacity) {}
  // compile_policy's result for `document`, compiled at most once while cached.
  Result<PolicyPtr> compile(const std::string& document);

 private:
  PolicyKind kind_;
  size_t capacity_;
  std::mutex mu_;
  std::map<std::string, PolicyPtr, std::less<>> compiled_;
};

// Whether `policy` grants access to everyone: an Allow whose principal is a
// wildcard (or a NotPrincipal) and that no condition ties to fixed accounts,
// principals, sources or a narrow address range.
bool is_public(const Policy& policy);

}  // namespace nuage::policy
