#include "policy/resource_access.h"

#include <arpa/inet.h>

#include "common/text.h"

namespace nuage::policy {

namespace {

// The resource policy alone: every statement naming the caller in any way
// (itself, its role, its account, everyone) counts, as across accounts.
Evaluation evaluate_resource_policy(const Request& request, const ResourcePolicy& resource, bool allows) {
  Evaluation ev;
  ev.decided_by = PolicyType::kResource;
  if (!resource.policy) return ev;
  int first_allow = -1;
  for (const auto& st : resource.policy->statements) {
    if (!statement_applies(st, *resource.policy, request, PolicyType::kResource)) continue;
    if (st.effect == Effect::kAllow && !allows) continue;
    ev.matched.push_back({resource.id, "resource", PolicyType::kResource, st.index, st.sid, st.effect});
    if (st.effect == Effect::kDeny && ev.decision != Decision::kExplicitDeny) {
      ev.decision = Decision::kExplicitDeny;
      ev.has_decider = true;
      ev.decider = ev.matched.back();
    } else if (st.effect == Effect::kAllow && first_allow < 0) {
      first_allow = static_cast<int>(ev.matched.size()) - 1;
    }
  }
  if (ev.decision != Decision::kExplicitDeny && first_allow >= 0) {
    ev.decision = Decision::kAllowed;
    ev.has_decider = true;
    ev.decider = ev.matched[static_cast<size_t>(first_allow)];
  }
  return ev;
}

bool fixed_value(const std::string& v) {
  return !v.empty() && v.find_first_of("*?") == std::string::npos && v.find("${") == std::string::npos;
}

// An address range no wider than /8 (IPv4) or /32 (IPv6).
bool narrow_range(const std::string& cidr) {
  std::string addr = cidr.substr(0, cidr.find('/'));
  unsigned char bytes[16];
  bool v4 = inet_pton(AF_INET, addr.c_str(), bytes) == 1;
  if (!v4 && inet_pton(AF_INET6, addr.c_str(), bytes) != 1) return false;
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return true;
  int prefix = std::atoi(cidr.c_str() + slash + 1);
  return prefix >= (v4 ? 8 : 32);
}

// Whether a condition limits the statement to fixed principals or sources.
bool fixes_caller(const Condition& c) {
  static const char* kKeys[] = {"aws:sourcearn",        "aws:sourcevpc",     "aws:sourcevpce",
                                "aws:sourceaccount",    "aws:sourceowner",   "aws:principalaccount",
                                "aws:principalarn",     "aws:principalorgid", "aws:userid",
                                "s3:dataaccesspointarn", "s3:dataaccesspointaccount", "aws:sourceip"};
  bool known = false;
  for (const char* k : kKeys) known = known || c.key_lower == k;
  if (!known || c.if_exists || c.set == Condition::Set::kForAllValues || c.values.empty()) return false;
  if (c.key_lower == "aws:sourceip") {
    if (c.op != "IpAddress") return false;
    for (const auto& v : c.values)
      if (!narrow_range(v)) return false;
    return true;
  }
  if (c.op != "StringEquals" && c.op != "StringLike" && c.op != "ArnEquals" && c.op != "ArnLike" &&
      c.op != "StringEqualsIgnoreCase")
    return false;
  for (const auto& v : c.values)
    if (!fixed_value(v)) return false;
  return true;
}

bool wildcard_principal(const Statement& st) {
  if (!st.has_principal) return false;
  if (st.not_principal || st.principal.any) return true;
  for (const auto& [type, value] : st.principal.entries)
    if (!fixed_value(value)) return true;
  return false;
}

}  // namespace

const PolicyRef& allow_all_identity() {
  static const PolicyRef ref = [] {
    auto compiled = compile_policy(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})",
                                   PolicyKind::kIdentity);
    return PolicyRef{"root", "root", compiled.value()};
  }();
  return ref;
}

Evaluation evaluate_access(const Request& request, const PolicySet& identity, const ResourcePolicy& resource) {
  const Principal& p = request.principal;
  const bool outsider = p.type == Principal::Type::kAnonymous || p.account != resource.owner_account;
  // RestrictPublicBuckets: service principals and the owner's account only.
  const bool resource_allows = !(resource.restrict_to_owner && outsider && p.type != Principal::Type::kService);

  if (p.type == Principal::Type::kAnonymous || p.type == Principal::Type::kService)
    return evaluate_resource_policy(request, resource, resource_allows);

  PolicySet set = identity;
  set.resource.clear();
  if (!outsider) {
    if (resource.policy) set.resource.push_back({resource.id, "resource", resource.policy});
    return evaluate(request, set);
  }
  // Across accounts both sides must allow; a deny on either side wins.
  Evaluation by_identity = evaluate(request, set);
  Evaluation by_resource = evaluate_resource_policy(request, resource, resource_allows);
  if (by_identity.decision == Decision::kExplicitDeny) return by_identity;
  if (by_resource.decision == Decision::kExplicitDeny) return by_resource;
  if (!by_identity.allowed()) return by_identity;
  if (!by_resource.allowed()) return by_resource;
  by_identity.matched.insert(by_identity.matched.end(), by_resource.matched.begin(), by_resource.matched.end());
  return by_identity;
}

Result<PolicyPtr> PolicyCache::compile(const std::string& document) {
  {
    std::lock_guard lock(mu_);
    if (auto it = compiled_.find(document); it != compiled_.end()) return it->second;
  }
  auto compiled = compile_policy(document, kind_);
  if (!compiled) return compiled.error();
  std::lock_guard lock(mu_);
  if (compiled_.size() >= capacity_) compiled_.clear();
  compiled_.emplace(document, *compiled);
  return *compiled;
}

bool is_public(const Policy& policy) {
  for (const auto& st : policy.statements) {
    if (st.effect != Effect::kAllow || !wildcard_principal(st)) continue;
    bool fixed = false;
    for (const auto& c : st.conditions) fixed = fixed || fixes_caller(c);
    if (!fixed) return true;
  }
  return false;
}

}  // namespace nuage::policy
