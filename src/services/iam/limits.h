// IAM's quotas that the service model does not carry ("IAM and AWS STS
// quotas" in the IAM user guide), with the errors IAM answers at each. The
// model's own constraints (name lengths and patterns, 50 tags per request)
// are checked before a handler runs (protocol/validate.h).
// Thread-safety: constants and pure functions.
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.h"
#include "services/iam/internal.h"

namespace nuage::services::iam::limits {

inline constexpr size_t kTagsPerEntity = 50;           // TagsPerUser, TagsPerRole, TagsPerPolicy
inline constexpr size_t kManagedPolicySize = 6144;     // PolicySize, each version
inline constexpr size_t kTrustPolicySize = 2048;       // ACLSizePerRole (default quota)
inline constexpr size_t kUserInlinePolicies = 2048;    // all of a user's inline policies together
inline constexpr size_t kGroupInlinePolicies = 5120;
inline constexpr size_t kRoleInlinePolicies = 10240;

// A policy's size as IAM counts it: characters, whitespace excluded.
inline size_t policy_size(std::string_view document) {
  size_t n = 0;
  for (unsigned char c : document) n += !std::isspace(c) && (c & 0xC0) != 0x80;
  return n;
}

inline AwsError quota_exceeded(const std::string& quota, size_t limit) {
  return errors("LimitExceededException", "Cannot exceed quota for " + quota + ": " + std::to_string(limit));
}

// The inline-policy budget of a "user", "group" or "role".
inline size_t inline_policy_budget(std::string_view kind) {
  return kind == "user" ? kUserInlinePolicies : kind == "group" ? kGroupInlinePolicies : kRoleInlinePolicies;
}

inline AwsError inline_policies_too_large(std::string_view kind, const std::string& name) {
  return errors("LimitExceededException", "Maximum policy size of " + std::to_string(inline_policy_budget(kind)) +
                                             " bytes exceeded for " + std::string(kind) + " " + name);
}

}  // namespace nuage::services::iam::limits
