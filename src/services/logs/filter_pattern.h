// CloudWatch Logs filter patterns (FilterLogEvents, and later metric and
// subscription filters): which log messages a pattern matches.
//
// Supported syntax:
//   ""                      every message
//   ERROR Exception         unstructured terms: every term must occur
//   "Out of memory"         a quoted term is one phrase
//   ?ERROR ?WARN            at least one of the `?` terms must occur
//   ERROR -Retrying         no `-` term may occur
//   %ERR[0-9]+%             a term between % is a regular expression
//   { $.level = "ERROR" }   JSON: the message is a JSON document; selectors
//                           $.a.b, $.a[0], $.a.*; = != < > <= >= with numbers,
//                           strings ("ERR*" wildcards), IS NULL, NOT EXISTS,
//                           IS TRUE, IS FALSE; && || and parentheses
//   [ip, user, ..., status = 404]
//                           space-delimited: fields by position, `...` any
//                           number of fields, conditions on named fields
// Terms are case-sensitive, as in CloudWatch.
//
// Thread-safety: a parsed pattern is immutable; matches() is safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace nuage::services::logs {

class FilterPattern {
 public:
  // InvalidParameterException for a malformed pattern.
  static Result<FilterPattern> parse(std::string_view pattern);
  bool matches(std::string_view message) const;

  struct Node;  // the parsed form (filter_pattern.cc)

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace nuage::services::logs
