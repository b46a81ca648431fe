// Pieces the files of the Secrets Manager provider share: the store's kind,
// the errors (named by the model's shapes, plus the undeclared ones AWS
// returns), AWS's words for the usual refusals, the limits, and small pure
// helpers over a secret's document.
// Thread-safety: constants and pure functions.
#pragma once

#include <string>
#include <vector>

#include "kit/errors.h"
#include "kit/provider.h"
#include "storage/resource_store.h"

namespace nuage::services::secretsmanager::detail {

inline constexpr const char* kSecret = "secret";
inline constexpr const char* kCurrent = "AWSCURRENT";
inline constexpr const char* kPrevious = "AWSPREVIOUS";
inline constexpr const char* kPending = "AWSPENDING";
inline constexpr const char* kDefaultKey = "alias/aws/secretsmanager";
inline constexpr const char* kPrincipal = "secretsmanager.amazonaws.com";

inline const kit::Errors errors("secretsmanager", {{"ValidationException", 400},
                                                   {"AccessDeniedException", 400},
                                                   {"NotImplemented", 501}});

// Limits (AWS's quotas where they bound what a client makes nuage keep).
inline constexpr size_t kMaxSecrets = 500000;   // per account and region
inline constexpr size_t kMaxVersions = 100;     // AWS drops unlabeled versions beyond
inline constexpr size_t kMaxStagesPerVersion = 20;
inline constexpr size_t kMaxPolicyBytes = 20480;
inline constexpr size_t kMaxValueBytes = 65536;

inline storage::Scope scope_of(const kit::RequestContext& ctx) { return {ctx.account_id, ctx.region}; }

// An answer holding `value` (Output's other members at their defaults).
inline kit::Output answer(kit::Value value) {
  kit::Output out;
  out.value = std::move(value);
  return out;
}

inline AwsError not_found() {
  return errors("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
}
inline AwsError marked_for_deletion() {
  return errors("InvalidRequestException",
                "You can't perform this operation on the secret because it was marked for deletion.");
}
inline AwsError invalid_parameter(const std::string& message) {
  return errors("InvalidParameterException", message);
}

// The ids of a secret's versions carrying `stage`, or "" when none does.
inline std::string version_with(const kit::Value& doc, const std::string& stage) {
  for (const auto& [id, version] : doc["Versions"].items())
    for (const auto& s : version["VersionStages"])
      if (s == stage) return id;
  return "";
}

inline bool has_stage(const kit::Value& version, const std::string& stage) {
  for (const auto& s : version["VersionStages"])
    if (s == stage) return true;
  return false;
}

// values.cc: staging labels on a secret's document. move_stage attaches
// `stage` to version `target`, taking it from whichever version holds it
// (AWSCURRENT leaves AWSPREVIOUS behind on the version it leaves).
void remove_stage(kit::Value& version, const std::string& stage);
void move_stage(kit::Value& secret, const std::string& stage, const std::string& target);

// listing.cc: ListSecrets' and BatchGetSecretValue's Filters.
// InvalidParameterException for a filter without values.
Status check_filters(const kit::Value& filters);
// Whether the secret passes every filter (each: any of its values).
bool matches_filters(const kit::Value& secret, const kit::Value& filters);
// The offset a NextToken of a sorted listing names; InvalidNextTokenException.
Result<size_t> listing_offset(const kit::Value& in);
std::string listing_token(size_t offset);

}  // namespace nuage::services::secretsmanager::detail
