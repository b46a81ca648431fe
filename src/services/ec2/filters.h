// DescribeX filters as EC2 evaluates them: a resource matches when, for every
// filter, one of the values its field yields matches one of the filter's
// values (`*` and `?` wildcards, `\` escapes); `tag:<key>`, `tag-key` and
// `tag-value` work on every taggable resource. An unknown filter name is
// InvalidParameterValue.
// Thread-safety: pure functions over immutable tables.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::ec2 {

using Value = kit::Value;

// The tag list of a document: "Tags" in most shapes, "TagSet" in network
// interfaces'; null when it has none.
const Value* tags_of(const Value& doc);

// Filter name -> dotted path(s) into the resource document; arrays on the
// way are flattened ("NetworkInterfaces.PrivateIpAddress").
using FilterFields = std::map<std::string, std::vector<std::string>, std::less<>>;

// Every value found at `path` in `doc`, as text (booleans "true"/"false").
std::vector<std::string> values_at(const Value& doc, std::string_view path);

bool wildcard_match(std::string_view pattern, std::string_view text);

// Checks filter names; `filters` is the request's Filters list (may be null).
Status check_filters(const Value& filters, const FilterFields& fields);
bool matches(const Value& doc, const Value& filters, const FilterFields& fields);

// For index use: the exact (no wildcard) values of the first `tag:<key>`
// filter, if any.
struct TagLookup {
  std::string key;
  std::vector<std::string> values;
};
std::optional<TagLookup> exact_tag_filter(const Value& filters);

}  // namespace nuage::services::ec2
