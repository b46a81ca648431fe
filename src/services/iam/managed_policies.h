// The AWS managed policies nuage serves (read-only, in every account), with
// their published documents. Thread-safety: immutable data.
#pragma once

#include <string>
#include <vector>

namespace nuage::services::iam {

struct ManagedPolicyData {
  const char* name;
  const char* path;
  const char* default_version;
  const char* create_date;  // ISO 8601
  const char* update_date;
  const char* document;     // JSON
};

const std::vector<ManagedPolicyData>& aws_managed_policies();

}  // namespace nuage::services::iam
