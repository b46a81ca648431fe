// The parameter filters of DescribeParameters and GetParametersByPath
// (ParameterStringFilter: Name, Path, Type, KeyId, Tier, DataType, Label,
// tag:<key>, with Equals / BeginsWith / Contains / OneLevel / Recursive),
// and DescribeParameters' older Filters (Name, Type, KeyId), checked with
// Parameter Store's errors and matched against stored documents.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::ssm::parameter_filters {

// GetParametersByPath takes Type, KeyId, DataType, Label and tags (its
// path is the call's own); DescribeParameters takes all but Label.
enum class Use { kDescribe, kByPath };

struct Filter {
  std::string key, option;
  std::vector<std::string> values;
};

Result<std::vector<Filter>> parse(const kit::Value& parameter_filters, Use use);
// DescribeParameters' Filters member: Name (names beginning with a value),
// Type and KeyId (equal to a value).
Result<std::vector<Filter>> parse_legacy(const kit::Value& filters);

// The version of `doc` (an entry of its History) that the filters select —
// the newest, or the one a Label filter names — or nullptr when the
// parameter does not match.
const kit::Value* select(const std::vector<Filter>& filters, const kit::Value& doc);

}  // namespace nuage::services::ssm::parameter_filters
