// Execution roles: Lambda assumes a function's role through STS as the
// service principal lambda.amazonaws.com — at create/update (a refusal is
// AWS's "The role defined for the function cannot be assumed by Lambda.")
// and for execution environments. Credentials are cached per function and
// role and renewed after 45 minutes of nuage clock (the session lasts 1 h).
//
// Thread-safety: safe from any thread; never called with the provider's
// mutex held (it calls STS).
#pragma once

#include <map>
#include <mutex>
#include <string>

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
  void clear();

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
