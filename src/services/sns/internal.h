// Pieces the files of the SNS provider share: the store's kinds, SNS's
// "Invalid parameter: ..." error, and the scope an ARN names.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "common/text.h"
#include "services/sns/errors.h"
#include "storage/resource_store.h"

namespace nuage::services::sns::detail {

inline constexpr const char* kTopic = "topic";
inline constexpr const char* kSubscription = "subscription";

inline AwsError invalid(const std::string& message) {
  return errors("InvalidParameterException", "Invalid parameter: " + message);
}

// arn:aws:sns:REGION:ACCOUNT:... → {ACCOUNT, REGION}.
inline storage::Scope scope_of_arn(const std::string& arn) {
  auto parts = text::split(arn, ':');
  return parts.size() >= 6 ? storage::Scope{parts[4], parts[3]} : storage::Scope{};
}

}  // namespace nuage::services::sns::detail
