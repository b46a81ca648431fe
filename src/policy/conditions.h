// The request context of an authorization (condition keys and their values)
// and the evaluation of policy conditions and policy variables against it.
//
// Key names are case-insensitive, as in AWS: they are stored lowercased.
// A key holds one value (single-valued keys) or several (multivalued keys
// such as aws:TagKeys).
//
// Thread-safety: a Context is a plain value; the functions are pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace nuage::policy {

class Context {
 public:
  void set(std::string_view key, std::string value);           // single-valued
  void set_multi(std::string_view key, std::vector<std::string> values);  // multivalued
  void erase(std::string_view key);
  // The values of `key`, or nullptr when the request does not carry it.
  const std::vector<std::string>* find(std::string_view key) const;
  const std::map<std::string, std::vector<std::string>, std::less<>>& all() const { return keys_; }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> keys_;
};

// Replaces the policy variables of `text` (${aws:username},
// ${aws:PrincipalTag/team}, ${key, 'default'}, ${*}, ${?}, ${$}). nullopt when
// a variable has neither a value nor a default: the element then matches
// nothing, as in AWS.
std::optional<std::string> substitute_variables(std::string_view text, const Context& context);

// Whether the condition holds for the request context.
bool condition_holds(const Condition& condition, const Context& context, bool variables_enabled);

}  // namespace nuage::policy
