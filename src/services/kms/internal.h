// Pieces the files of the KMS provider share: the store's kinds, KMS's
// errors (named by the model's shapes, plus the undeclared ones AWS
// returns), AWS's words for the usual refusals, and the limits.
// Thread-safety: constants and pure functions.
#pragma once

#include <string>

#include "kit/errors.h"
#include "kit/provider.h"
#include "storage/resource_store.h"

namespace nuage::services::kms::detail {

inline constexpr const char* kKey = "key";
inline constexpr const char* kAlias = "alias";
inline constexpr const char* kGrant = "grant";

inline const kit::Errors errors("kms", {{"ValidationException", 400}, {"NotAuthorizedException", 400},
                                        {"AccessDeniedException", 400},
                                        {"NotImplemented", 501}});

// Limits (AWS's quotas where they bound what a client makes nuage keep).
inline constexpr size_t kMaxKeys = 100000;     // per account and region
inline constexpr size_t kMaxAliases = 50000;   // per account and region
inline constexpr size_t kMaxGrants = 50000;    // per key
inline constexpr size_t kMaxTags = 50;         // per key
inline constexpr size_t kMaxRotations = 1000;  // material versions a key keeps

inline storage::Scope scope_of(const kit::RequestContext& ctx) { return {ctx.account_id, ctx.region}; }

inline AwsError key_not_found(const std::string& what) {
  return errors("NotFoundException", "Key '" + what + "' does not exist");
}
inline AwsError validation(const std::string& message) { return errors("ValidationException", message); }

}  // namespace nuage::services::kms::detail
