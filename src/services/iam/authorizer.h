// IAM enforcement: the gateway's authorizer. Every request signed with a
// user's or a role session's credentials is judged by the policy engine
// against the action(s) and resource(s) its provider declares for the
// operation (kit::OperationTable). Where the provider names the stored
// resource policy of a target (OperationTable::set_resource_policies), the
// decision is policy::evaluate_access's: anonymous callers and service
// principals need the resource policy's grant, callers of another account
// need both sides, an explicit deny anywhere wins — for the account root too.
// Elsewhere the account root, anonymous requests (operations AWS serves
// unsigned) and service principals pass. A denial answers
// the service's access-denied error in AWS's words, is logged, and is kept
// in a bounded ring shown at GET /_nuage/iam/decisions.
//
// Thread-safety: authorize() runs concurrently; the ring has its own mutex.
#pragma once

#include <deque>
#include <mutex>

#include "kit/provider.h"
#include "services/iam/provider.h"
#include "model/model.h"

namespace nuage::services::iam {

class Authorizer {
 public:
  Authorizer(Provider& iam, bool enforcement) : iam_(iam), enforcement_(enforcement) {}

  // `table`: the service's operations, with what each is authorized against.
  Status authorize(const kit::RequestContext& ctx, const kit::OperationTable& table, const kit::Value& input);
  bool enforcing() const { return enforcement_; }

  // The request's global condition keys (aws:SourceIp, aws:CurrentTime, ...).
  static void add_global_keys(const kit::RequestContext& ctx, nuage::policy::Context& context);

  // The service's access-denied error for a decision, recorded in the ring
  // and the log. `with_reason` false gives the short form AWS uses for
  // refused trust policies.
  // `terse`: only "Access Denied", as S3 answers callers outside the
  // resource's account.
  AwsError deny(const kit::RequestContext& ctx, const std::string& action, const std::string& resource,
                const nuage::policy::Evaluation& evaluation, bool with_reason = true, bool terse = false);

  // The recent denials, newest last (JSON array).
  nlohmann::json decisions() const;

  static constexpr size_t kRingSize = 1000;

 private:
  Provider& iam_;
  bool enforcement_;
  mutable std::mutex mu_;
  std::deque<nlohmann::json> ring_;
};

// The "encoded authorization failure message" of a decision, and back
// (sts:DecodeAuthorizationMessage).
std::string encode_authorization_message(const nlohmann::json& decoded);
std::optional<nlohmann::json> decode_authorization_message(const std::string& encoded);

}  // namespace nuage::services::iam
