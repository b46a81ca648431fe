#include "policy/policy.h"

#include <nlohmann/json.hpp>

#include <set>

#include "common/documents.h"
#include "common/text.h"

namespace nuage::policy {

using nlohmann::json;

bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto eq = [ignore_case](char a, char b) {
    if (a == b) return true;
    if (!ignore_case) return false;
    auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    return low(a) == low(b);
  };
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && eq(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

AwsError malformed_policy(const std::string& reason) { return AwsError{"MalformedPolicyDocument", reason, 400}; }

namespace {

const std::set<std::string, std::less<>> kOperators = {
    "StringEquals",         "StringNotEquals",     "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike",           "StringNotLike",       "NumericEquals",          "NumericNotEquals",
    "NumericLessThan",      "NumericLessThanEquals", "NumericGreaterThan",   "NumericGreaterThanEquals",
    "DateEquals",           "DateNotEquals",       "DateLessThan",           "DateLessThanEquals",
    "DateGreaterThan",      "DateGreaterThanEquals", "Bool",                 "BinaryEquals",
    "IpAddress",            "NotIpAddress",        "ArnEquals",              "ArnLike",
    "ArnNotEquals",         "ArnNotLike",          "Null",
};

// Thrown inside the compiler only; compile_policy turns it into an AwsError.
struct Malformed {
  std::string reason;
};

const char* kSyntax = "Syntax errors in policy.";

void syntax_check(bool ok) {
  if (!ok) throw Malformed{kSyntax};
}

// A string or a list of strings (the form of Action, Resource, ...).
std::vector<std::string> string_list(const json& v) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return out;
  }
  syntax_check(v.is_array());
  for (const auto& item : v) {
    syntax_check(item.is_string());
    out.push_back(item.get<std::string>());
  }
  return out;
}

// Condition values may be strings, numbers or booleans (IAM accepts all and
// compares their text).
std::vector<std::string> condition_values(const json& v) {
  std::vector<std::string> out;
  auto one = [&](const json& item) {
    if (item.is_string()) out.push_back(item.get<std::string>());
    else if (item.is_boolean()) out.push_back(item.get<bool>() ? "true" : "false");
    else if (item.is_number_integer()) out.push_back(std::to_string(item.get<int64_t>()));
    else if (item.is_number()) out.push_back(item.dump());
    else throw Malformed{kSyntax};
  };
  if (v.is_array())
    for (const auto& item : v) one(item);
  else
    one(v);
  return out;
}

void check_action(const std::string& action) {
  if (action == "*") return;
  auto parts = text::split(action, ':');
  if (parts.size() == 1)
    throw Malformed{"Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."};
  if (parts.size() > 2) throw Malformed{"Actions/Condition can contain only one colon."};
  for (char c : parts[0])
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
      throw Malformed{"Vendor " + parts[0] + " is not valid"};
}

void check_resource(const std::string& resource) {
  if (resource == "*") return;
  auto parts = text::split(resource, ':');
  if (parts.size() < 2) throw Malformed{"Resource " + resource + " must be in ARN format or \"*\"."};
  if (parts.size() < 6 || parts[0] != "arn" || (parts[1] != "aws" && parts[1] != "*" && parts[1] != "aws-cn" &&
                                                parts[1] != "aws-us-gov")) {
    if (parts.size() >= 2 && parts[0] == "arn" && parts.size() < 6 && parts[1] == "aws")
      throw Malformed{"Resource vendor must be fully qualified and cannot contain regexes."};
    if (parts[0] == "arn" && parts.size() >= 2 && parts[1] != "aws")
      throw Malformed{"Partition \"" + parts[1] + "\" is not valid for resource \"" + resource + "\"."};
    throw Malformed{"Resource " + resource + " must be in ARN format or \"*\"."};
  }
  if (parts[2] == "iam" && !parts[3].empty()) throw Malformed{"IAM resource " + resource + " cannot contain region information."};
  if (parts[2] == "s3" && !parts[3].empty()) throw Malformed{"Resource " + resource + " can not contain region information."};
}

PrincipalSpec parse_principal(const json& v, PolicyKind kind) {
  PrincipalSpec spec;
  if (v.is_string()) {
    if (v.get<std::string>() != "*") throw Malformed{"Invalid principal in policy: " + v.dump()};
    spec.any = true;
    return spec;
  }
  syntax_check(v.is_object() && !v.empty());
  for (const auto& [type, values] : v.items()) {
    if (type != "AWS" && type != "Service" && type != "Federated" && type != "CanonicalUser")
      throw Malformed{"Invalid principal in policy: \"" + type + "\""};
    for (const auto& value : string_list(values)) {
      if (type == "AWS" && value == "*") {
        spec.any = true;
        continue;
      }
      if (type == "AWS") {
        bool account = value.size() == 12 && value.find_first_not_of("0123456789") == std::string::npos;
        bool arn = text::starts_with(value, "arn:aws:iam::") || text::starts_with(value, "arn:aws:sts::");
        if (!account && !arn && kind == PolicyKind::kTrust)
          throw Malformed{"Invalid principal in policy: \"AWS\":\"" + value + "\""};
      }
      spec.entries.emplace_back(type, value);
    }
  }
  return spec;
}

Condition::Set split_operator(std::string& op) {
  Condition::Set set = Condition::Set::kNone;
  if (text::starts_with(op, "ForAllValues:")) {
    set = Condition::Set::kForAllValues;
    op = op.substr(13);
  } else if (text::starts_with(op, "ForAnyValue:")) {
    set = Condition::Set::kForAnyValue;
    op = op.substr(12);
  }
  return set;
}

Statement compile_statement(const json& s, size_t index, PolicyKind kind) {
  syntax_check(s.is_object());
  static const std::set<std::string, std::less<>> kElements = {"Sid",      "Action",       "NotAction", "Resource",
                                                               "NotResource", "Effect",    "Condition", "Principal",
                                                               "NotPrincipal"};
  for (const auto& [k, v] : s.items()) syntax_check(kElements.count(k) > 0);
  syntax_check(!(s.contains("Action") && s.contains("NotAction")));
  syntax_check(!(s.contains("Resource") && s.contains("NotResource")));
  syntax_check(!(s.contains("Principal") && s.contains("NotPrincipal")));
  Statement st;
  st.index = index;
  syntax_check(s.contains("Effect") && s["Effect"].is_string());
  std::string effect = s["Effect"];
  syntax_check(text::lower(effect) == "allow" || text::lower(effect) == "deny");
  if (effect != "Allow" && effect != "Deny") throw Malformed{"The policy failed legacy parsing"};
  st.effect = effect == "Allow" ? Effect::kAllow : Effect::kDeny;
  if (s.contains("Sid")) {
    syntax_check(s["Sid"].is_string());
    st.sid = s["Sid"];
  }
  if (s.contains("Action") || s.contains("NotAction")) {
    st.not_action = s.contains("NotAction");
    for (auto& a : string_list(st.not_action ? s["NotAction"] : s["Action"])) st.actions.push_back(text::lower(a));
  }
  if (s.contains("Resource") || s.contains("NotResource")) {
    st.has_resource = true;
    st.not_resource = s.contains("NotResource");
    st.resources = string_list(st.not_resource ? s["NotResource"] : s["Resource"]);
    for (const auto& r : st.resources) st.resource_has_variables.push_back(r.find("${") != std::string::npos);
  }
  if (s.contains("Principal") || s.contains("NotPrincipal")) {
    if (kind == PolicyKind::kIdentity) throw Malformed{"Policy document should not specify a principal."};
    st.has_principal = true;
    st.not_principal = s.contains("NotPrincipal");
    st.principal = parse_principal(st.not_principal ? s["NotPrincipal"] : s["Principal"], kind);
  }
  if (s.contains("Condition")) {
    syntax_check(s["Condition"].is_object());
    for (const auto& [spelled, clauses] : s["Condition"].items()) {
      syntax_check(clauses.is_object());
      std::string op = spelled;
      Condition::Set set = split_operator(op);
      bool if_exists = text::ends_with(op, "IfExists");
      if (if_exists) op = op.substr(0, op.size() - 8);
      if (!kOperators.count(op)) {
        if (clauses.empty()) continue;
        throw Malformed{kSyntax};
      }
      for (const auto& [key, values] : clauses.items()) {
        Condition c;
        c.op = op;
        c.op_spelled = spelled;
        c.if_exists = if_exists;
        c.set = set;
        c.key = key;
        c.key_lower = text::lower(key);
        c.values = condition_values(values);
        for (const auto& v : c.values)
          if (v.find("${") != std::string::npos) c.values_have_variables = true;
        st.conditions.push_back(std::move(c));
      }
    }
  }
  return st;
}

}  // namespace

Result<PolicyPtr> compile_policy(std::string_view document, PolicyKind kind) {
  try {
    json doc = documents::parse_json_or_discarded(document);
    if (doc.is_discarded() || !doc.is_object()) throw Malformed{kSyntax};
    for (const auto& [k, v] : doc.items()) syntax_check(k == "Version" || k == "Id" || k == "Statement");
    auto policy = std::make_shared<Policy>();
    if (doc.contains("Version")) {
      syntax_check(doc["Version"].is_string());
      policy->version = doc["Version"];
      syntax_check(policy->version == "2012-10-17" || policy->version == "2008-10-17");
    }
    if (doc.contains("Id")) {
      syntax_check(doc["Id"].is_string());
      policy->id = doc["Id"];
    }
    syntax_check(doc.contains("Statement"));
    const json& statements = doc["Statement"];
    std::vector<json> list;
    if (statements.is_object()) list.push_back(statements);
    else if (statements.is_array()) list.assign(statements.begin(), statements.end());
    syntax_check(!list.empty());
    for (size_t i = 0; i < list.size(); ++i) policy->statements.push_back(compile_statement(list[i], i, kind));
    if (kind == PolicyKind::kIdentity && policy->version != "2012-10-17")
      throw Malformed{"Policy document must be version 2012-10-17 or greater."};
    std::set<std::string> sids;
    for (const auto& st : policy->statements)
      if (!st.sid.empty() && !sids.insert(st.sid).second)
        throw Malformed{"Statement IDs (SID) in a single policy must be unique."};
    for (const auto& st : policy->statements)
      if (st.actions.empty()) throw Malformed{"Policy statement must contain actions."};
    if (kind == PolicyKind::kIdentity)
      for (const auto& st : policy->statements)
        if (!st.has_resource) throw Malformed{"Policy statement must contain resources."};
    if (kind != PolicyKind::kIdentity)
      for (const auto& st : policy->statements)
        if (!st.has_principal) throw Malformed{"Missing required field Principal"};
    for (const auto& st : policy->statements) {
      for (const auto& r : st.resources) check_resource(r);
      for (const auto& a : st.actions) check_action(a);
    }
    return PolicyPtr(std::move(policy));
  } catch (const Malformed& m) {
    return malformed_policy(m.reason);
  }
}

}  // namespace nuage::policy
