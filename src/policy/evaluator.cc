#include "policy/evaluator.h"

#include "common/text.h"

namespace nuage::policy {

namespace {

// How a resource-based statement's principal matched the caller.
enum class PrincipalMatch { kNone, kDirect, kRole, kAccount };

PrincipalMatch match_principal_entries(const PrincipalSpec& spec, const Principal& p) {
  if (spec.any) return PrincipalMatch::kDirect;
  PrincipalMatch best = PrincipalMatch::kNone;
  auto better = [&best](PrincipalMatch m) {
    auto rank = [](PrincipalMatch x) {
      switch (x) {
        case PrincipalMatch::kDirect: return 3;
        case PrincipalMatch::kRole: return 2;
        case PrincipalMatch::kAccount: return 1;
        case PrincipalMatch::kNone: return 0;
      }
      return 0;
    };
    if (rank(m) > rank(best)) best = m;
  };
  for (const auto& [type, value] : spec.entries) {
    if (type == "Service") {
      if (p.type == Principal::Type::kService && p.service == value) better(PrincipalMatch::kDirect);
    } else if (type == "Federated") {
      if (p.type == Principal::Type::kFederated && p.arn == value) better(PrincipalMatch::kDirect);
    } else if (type == "AWS") {
      if (p.type == Principal::Type::kService || p.type == Principal::Type::kAnonymous) continue;
      if (value == p.arn) {
        better(p.type == Principal::Type::kRoot ? PrincipalMatch::kAccount : PrincipalMatch::kDirect);
      } else if (!p.role_arn.empty() && value == p.role_arn) {
        better(PrincipalMatch::kRole);
      } else if (value == p.account || value == "arn:aws:iam::" + p.account + ":root") {
        better(PrincipalMatch::kAccount);
      }
    }
  }
  return best;
}

PrincipalMatch match_principal(const Statement& st, const Principal& p) {
  PrincipalMatch m = match_principal_entries(st.principal, p);
  if (!st.not_principal) return m;
  // NotPrincipal: everyone but the listed principals (and, as in AWS, a
  // session is excluded when its role or its account is listed).
  return m == PrincipalMatch::kNone ? PrincipalMatch::kDirect : PrincipalMatch::kNone;
}

bool action_matches(const Statement& st, const std::string& action_lower) {
  bool any = false;
  for (const auto& pattern : st.actions)
    if (wildcard_match(pattern, action_lower, true)) {
      any = true;
      break;
    }
  return st.not_action ? !any : any;
}

bool resource_matches(const Statement& st, const Policy& policy, const Request& r) {
  if (!st.has_resource) return true;  // trust policies: the role itself
  bool any = false;
  for (size_t i = 0; i < st.resources.size() && !any; ++i) {
    const std::string& pattern = st.resources[i];
    if (st.resource_has_variables[i] && policy.variables_enabled()) {
      auto s = substitute_variables(pattern, r.context);
      if (s && wildcard_match(*s, r.resource)) any = true;
    } else if (pattern == "*" || wildcard_match(pattern, r.resource)) {
      any = true;
    }
  }
  return st.not_resource ? !any : any;
}

bool conditions_hold(const Statement& st, const Policy& policy, const Request& r) {
  for (const auto& c : st.conditions)
    if (!condition_holds(c, r.context, policy.variables_enabled())) return false;
  return true;
}

}  // namespace

bool statement_applies(const Statement& st, const Policy& policy, const Request& r, PolicyType kind) {
  std::string action = text::lower(r.action);
  if (!action_matches(st, action)) return false;
  if (!resource_matches(st, policy, r)) return false;
  if (kind == PolicyType::kResource && st.has_principal && match_principal(st, r.principal) == PrincipalMatch::kNone)
    return false;
  return conditions_hold(st, policy, r);
}

std::string Evaluation::reason(const std::string& action) const {
  static const char* kNames[] = {"an identity-based policy", "a resource-based policy", "a permissions boundary",
                                 "a session policy"};
  static const char* kNo[] = {"identity-based policy", "resource-based policy", "permissions boundary",
                              "session policy"};
  int k = static_cast<int>(decided_by);
  if (decision == Decision::kExplicitDeny) return std::string("with an explicit deny in ") + kNames[k];
  if (decision == Decision::kImplicitDeny) return std::string("because no ") + kNo[k] + " allows the " + action + " action";
  return "";
}

Evaluation evaluate(const Request& r, const PolicySet& set) {
  Evaluation ev;
  const std::string action = text::lower(r.action);
  struct Group {
    const std::vector<PolicyRef>* refs;
    PolicyType kind;
  };
  const Group groups[] = {{&set.identity, PolicyType::kIdentity},
                          {&set.resource, PolicyType::kResource},
                          {&set.boundary, PolicyType::kBoundary},
                          {&set.session, PolicyType::kSession}};
  bool allow[4] = {false, false, false, false};
  int first_allow[4] = {-1, -1, -1, -1};  // index into ev.matched
  int first_deny = -1;
  PolicyType deny_kind = PolicyType::kIdentity;
  PrincipalMatch resource_grant = PrincipalMatch::kNone;
  int resource_grant_index = -1;

  for (const auto& g : groups) {
    int k = static_cast<int>(g.kind);
    for (const auto& ref : *g.refs) {
      const Policy& policy = *ref.policy;
      for (const auto& st : policy.statements) {
        if (!action_matches(st, action) || !resource_matches(st, policy, r)) continue;
        PrincipalMatch pm = PrincipalMatch::kDirect;
        if (g.kind == PolicyType::kResource) {
          pm = st.has_principal ? match_principal(st, r.principal) : PrincipalMatch::kNone;
          if (pm == PrincipalMatch::kNone) continue;
        }
        if (!conditions_hold(st, policy, r)) continue;
        ev.matched.push_back({ref.id, ref.type, g.kind, st.index, st.sid, st.effect});
        int idx = static_cast<int>(ev.matched.size()) - 1;
        if (st.effect == Effect::kDeny) {
          if (first_deny < 0) {
            first_deny = idx;
            deny_kind = g.kind;
          }
        } else {
          allow[k] = true;
          if (first_allow[k] < 0) first_allow[k] = idx;
          if (g.kind == PolicyType::kResource) {
            auto rank = [](PrincipalMatch x) { return x == PrincipalMatch::kDirect ? 3 : x == PrincipalMatch::kRole ? 2 : 1; };
            if (resource_grant == PrincipalMatch::kNone || rank(pm) > rank(resource_grant)) {
              resource_grant = pm;
              resource_grant_index = idx;
            }
          }
        }
      }
    }
  }

  auto decide = [&](Decision d, PolicyType by, int index) {
    ev.decision = d;
    ev.decided_by = by;
    if (index >= 0) {
      ev.has_decider = true;
      ev.decider = ev.matched[static_cast<size_t>(index)];
    }
    return ev;
  };
  if (first_deny >= 0) return decide(Decision::kExplicitDeny, deny_kind, first_deny);

  const int kI = static_cast<int>(PolicyType::kIdentity), kB = static_cast<int>(PolicyType::kBoundary),
            kS = static_cast<int>(PolicyType::kSession);
  if (set.resource_required && resource_grant == PrincipalMatch::kNone)
    return decide(Decision::kImplicitDeny, PolicyType::kResource, -1);
  if (resource_grant == PrincipalMatch::kDirect) return decide(Decision::kAllowed, PolicyType::kResource, resource_grant_index);

  // The allow that the boundary and session policies then limit.
  int granted = -1;
  if (resource_grant == PrincipalMatch::kRole) granted = resource_grant_index;
  else if (allow[kI]) granted = set.resource_required ? resource_grant_index : first_allow[kI];
  if (granted < 0) return decide(Decision::kImplicitDeny, PolicyType::kIdentity, -1);
  if (!set.boundary.empty() && !allow[kB]) return decide(Decision::kImplicitDeny, PolicyType::kBoundary, -1);
  if ((set.has_session_policy || !set.session.empty()) && !allow[kS])
    return decide(Decision::kImplicitDeny, PolicyType::kSession, -1);
  return decide(Decision::kAllowed, ev.matched[static_cast<size_t>(granted)].kind, granted);
}

}  // namespace nuage::policy
