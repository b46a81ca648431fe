// A parameter's versions as its stored document keeps them. Every version is
// an entry of the document's "History" (value, type, key, tier, description,
// allowed pattern, policies, labels, who changed it and when); the newest is
// also mirrored at the document's top level, which is what DescribeParameters
// and the policies read. Selectors name a version the ways Parameter Store
// accepts: "name", "name:3", "name:label", or the parameter's ARN.
//
// Entries written by an older nuage hold only Version / Value / Encrypted:
// field() falls back to the document for what they lack.
//
// Thread-safety: pure functions over documents the caller holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "kit/provider.h"

namespace nuage::services::ssm::versions {

// "Working with parameter versions" / "Working with parameter labels".
inline constexpr size_t kMaxVersions = 100;
inline constexpr size_t kMaxLabelsPerVersion = 10;

struct Selector {
  std::string name;
  int64_t version = 0;  // 0: not named by version
  std::string label;    // empty: not named by label
};

// The parts of a selector; the ARN form gives the name it carries.
Selector parse(const std::string& spec);

// The History entry `selector` picks (the newest when it names no version
// or label), or Parameter Store's error: ParameterVersionNotFound for a
// version it never had or no longer keeps, ParameterNotFound for an
// unknown label (as AWS answers "name:label").
Result<const kit::Value*> find(const kit::Value& doc, const Selector& selector);

// `member` of a version's entry, or of the document when the entry predates
// per-version fields; null when neither has it.
kit::Value field(const kit::Value& doc, const kit::Value& entry, const char* member);

// Whether AWS accepts `label` on a version: letters, digits, '.', '-', '_';
// not beginning with a digit, "aws" or "ssm" (any case); 1–100 characters.
// Refused labels are answered in InvalidLabels, not as an error.
bool valid_label(const std::string& label);

}  // namespace nuage::services::ssm::versions
