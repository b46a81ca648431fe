// DynamoDB's expression language: condition (and filter, key condition)
// expressions, update expressions and projection expressions — parsed by
// recursive descent into a small tree, then evaluated against an item.
//
//   condition  := or ;  or := and {OR and} ;  and := not {AND not}
//   not        := NOT not | primary
//   primary    := '(' condition ')' | function '(' operands ')'
//               | operand (comparator operand | BETWEEN operand AND operand
//                          | IN '(' operand {, operand} ')')
//   operand    := path | :value | size '(' path ')'
//   path       := name {'.' name | '[' digits ']'}    (name or #placeholder)
//   update     := {SET action {, action} | REMOVE path {, path}
//                  | ADD path value {, ...} | DELETE path value {, ...}}
//   set action := path '=' value [('+' | '-') value]
//   value      := operand | if_not_exists(path, value) | list_append(value, value)
//
// ExpressionAttributeNames/Values are resolved at parse time; every name
// and value given must be used by one of the request's expressions, and
// every one used must be given (AWS's "unused" / "not defined" errors), so
// a request's expressions share one Placeholders.
//
// Hostile input: expressions are at most 4 KB (AWS's limit), nesting of
// parentheses and NOT at most limits::kMaxExpressionDepth, and the parse is
// linear; a violation is a ValidationException, never a crash.
//
// Thread-safety: a parsed expression is immutable; evaluation is pure.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::dynamodb {

using kit::Value;

// One step of a document path: an attribute name or a list index.
struct PathStep {
  std::string name;
  long index = -1;  // >= 0: a list index
};
using Path = std::vector<PathStep>;
std::string path_text(const Path& path);  // "a.b[2]" as AWS prints paths: "[a, b, [2]]"

// The names and values of one request, and which of them were used.
class Placeholders {
 public:
  Placeholders(const Value& names, const Value& values) : names_(names), values_(values) {}
  Result<std::string> name(const std::string& placeholder, const char* expression);
  Result<Value> value(const std::string& placeholder, const char* expression);
  // AWS's error when a given name or value was used by no expression.
  std::optional<AwsError> unused() const;

 private:
  Value names_, values_;
  std::set<std::string> used_names_, used_values_;
};

struct Operand;
using OperandPtr = std::shared_ptr<const Operand>;
struct Operand {
  enum class Kind { kPath, kValue, kSize, kIfNotExists, kListAppend, kPlus, kMinus } kind;
  Path path;          // kPath, kSize, kIfNotExists
  Value value;        // kValue
  OperandPtr a, b;    // kIfNotExists (b), kListAppend, kPlus, kMinus
};

struct Condition;
using ConditionPtr = std::shared_ptr<const Condition>;
struct Condition {
  enum class Kind {
    kCompare, kBetween, kIn, kAnd, kOr, kNot,
    kExists, kNotExists, kType, kBeginsWith, kContains
  } kind;
  std::string op;                 // kCompare: "=", "<>", "<", "<=", ">", ">="
  std::vector<OperandPtr> operands;
  ConditionPtr left, right;       // kAnd, kOr, kNot (left)
};

// `expression` names the expression in errors: "ConditionExpression",
// "KeyConditionExpression", "FilterExpression".
Result<ConditionPtr> parse_condition(const std::string& text, const char* expression, Placeholders& placeholders);

struct UpdateAction {
  enum class Kind { kSet, kRemove, kAdd, kDelete } kind;
  Path path;
  OperandPtr value;  // kSet, kAdd, kDelete
};
Result<std::vector<UpdateAction>> parse_update(const std::string& text, Placeholders& placeholders);

Result<std::vector<Path>> parse_projection(const std::string& text, Placeholders& placeholders);

// --- evaluation over an item (a map of attribute values)
// The value at a path, or nullopt when absent.
std::optional<Value> resolve(const Value& item, const Path& path);
// Whether the item satisfies the condition; an error for operands of the
// wrong type where AWS refuses them (size of a number, + on strings, ...).
Result<bool> evaluate(const Condition& condition, const Value& item);
// Applies the actions in order (AWS applies them all to the same item),
// checking types as AWS does.
Status apply_update(const std::vector<UpdateAction>& actions, Value& item);
// The item reduced to the given paths (lists compacted, as DynamoDB does).
Value project(const Value& item, const std::vector<Path>& paths);

}  // namespace nuage::services::dynamodb
