// Execution roles: Lambda assumes a function's role through STS as the
// service principal lambda.amazonaws.com — at create/update (a refusal is
// AWS's "The role defined for the function cannot be assumed by Lambda.")
// and for execution environments. Credentials are cached per function and
// role and renewed after 45 minutes of nuage clock (the session lasts 1 h).
//
// A warm environment keeps the keys it started with, as on AWS, where they
// last as long as the environment. nuage's environments live in real time
// while the clock may jump a day between two invocations, so before a warm
// environment runs, its keys are made to last as long as the role's current
// session (renewed through STS: the trust policy is checked again).
//
// Thread-safety: safe from any thread; never called with the provider's
// mutex held (it calls STS).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "kit/environment.h"
#include "kit/provider.h"

namespace nuage::services::lambda {

class Roles {
 public:
  explicit Roles(kit::Environment& env) : env_(env) {}

  // The role's credentials for `function` (cached), or
  // InvalidParameterValueException when Lambda cannot assume it.
  Result<auth::Credential> credentials(const std::string& account, const std::string& region,
                                       const std::string& role, const std::string& function);
  // A role given to CreateFunction / UpdateFunctionConfiguration: well
  // formed (ValidationException) and assumable now, never from the cache.
  Status check(const kit::RequestContext& ctx, const std::string& role, const std::string& function);
  // The actions `role` (an execution role's ARN) is not allowed on
  // `resource` by its own policies, asked of IAM's policy simulator (the
  // engine that authorizes requests): what CreateEventSourceMapping and
  // PutFunctionEventInvokeConfig check before they accept a queue or a
  // destination. Empty with --iam-enforcement off, where roles' policies
  // decide nothing.
  Result<std::vector<std::string>> denied_actions(const std::string& account, const std::string& region,
                                                  const std::string& role, const std::vector<std::string>& actions,
                                                  const std::string& resource);
  void clear();
  // Before a warm environment started with `variables` (its
  // AWS_ACCESS_KEY_ID ...) runs: true once its keys hold as long as
  // `current`; false when they cannot (they are no session of the same
  // role any more): the environment must go.
  bool renew_keys(const std::map<std::string, std::string>& variables, const auth::Credential& current);

 private:
  struct Cached {
    auth::Credential credential;
    Clock::TimePoint refresh_at;
  };
  kit::Environment& env_;
  std::mutex mu_;
  std::map<std::string, Cached> cache_;  // by account/region/function/role
};

}  // namespace nuage::services::lambda
