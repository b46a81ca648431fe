// Fuzzes IAM policy documents: parsing, validation and compilation (what
// CreatePolicy, PutRolePolicy and the trust and bucket policies run), then the
// evaluation of a request against the compiled policy in each role it can play.
// Input: [kind byte] the document.
#include "fuzz_input.h"
#include "policy/evaluator.h"
#include "policy/policy.h"

using namespace nuage;
using namespace nuage::policy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const PolicyKind kKinds[] = {PolicyKind::kIdentity, PolicyKind::kResource, PolicyKind::kTrust};
  PolicyKind kind = kKinds[data[0] % 3];
  auto compiled = compile_policy(fuzz::as_text(data + 1, size - 1), kind);
  if (!compiled) return 0;

  Request request;
  request.action = data[0] & 4 ? "s3:GetObject" : "sts:AssumeRole";
  request.resource = data[0] & 8 ? "arn:aws:s3:::bucket/key/${aws:username}" : "*";
  request.principal.type = Principal::Type::kUser;
  request.principal.arn = "arn:aws:iam::000000000000:user/alice";
  request.principal.account = "000000000000";
  request.context.set("aws:username", "alice");
  request.context.set("aws:SourceIp", "10.0.0.1");
  request.context.set("aws:CurrentTime", "2026-11-21T05:00:00Z");
  request.context.set("aws:EpochTime", "1795237200");
  request.context.set("aws:SecureTransport", "false");
  request.context.set_multi("aws:TagKeys", {"team", "env"});
  request.context.set("s3:max-keys", "10");

  PolicySet set;
  PolicyRef ref{"fuzzed", "user", *compiled};
  if (kind == PolicyKind::kIdentity) {
    set.identity.push_back(ref);
    if (data[0] & 16) set.boundary.push_back(ref);
  } else {
    set.resource.push_back(ref);
    set.resource_required = kind == PolicyKind::kTrust;
  }
  Evaluation evaluation = evaluate(request, set);
  (void)evaluation.reason(request.action);
  return 0;
}
