// STS: who is calling (GetCallerIdentity), and temporary credentials:
// AssumeRole (judged against the role's trust policy and the caller's own
// policies together), GetSessionToken, AssumeRoleWithWebIdentity (tokens of
// a local issuer: the JWT's claims are read, its signature is not checked),
// DecodeAuthorizationMessage and GetAccessKeyInfo. Sessions are kept by the
// IAM provider (persisted, re-registered at start) and expire on the nuage
// clock: the gateway then answers ExpiredToken.
// Thread-safety: no state of its own; see services/iam/provider.h.
#pragma once

#include "auth/credentials.h"
#include "kit/environment.h"
#include "kit/provider.h"
#include "services/iam/authorizer.h"
#include "services/iam/provider.h"

namespace nuage::services::sts {

class Provider : public kit::Provider {
 public:
  Provider(kit::Environment& env, iam::Provider& iam, iam::Authorizer& authorizer)
      : iam_(iam), authorizer_(authorizer), credentials_(*env.credentials) {}
  std::string_view service() const override { return "sts"; }
  void register_operations(kit::OperationTable& table) override;
  void reset() override {}

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  Result<kit::Output> assume_role(Context& ctx, const Value& in);
  Result<kit::Output> assume_role_with_web_identity(Context& ctx, const Value& in);
  Result<kit::Output> get_session_token(Context& ctx, const Value& in);
  Result<kit::Output> decode_authorization_message(Context& ctx, const Value& in);
  Result<kit::Output> get_access_key_info(Context& ctx, const Value& in);
  // Session policy (inline and managed ARNs) of an AssumeRole* request.
  Status session_policies(const Context& ctx, const Value& in, iam::Session& session);
  // Issues the session's keys, persists and registers it; the Credentials value.
  Result<Value> issue(const Context& ctx, iam::Session& session, int64_t duration);

  iam::Provider& iam_;
  iam::Authorizer& authorizer_;
  auth::CredentialStore& credentials_;
};

}  // namespace nuage::services::sts
