// Resource policies on secrets: kept as given, checked by the policy
// engine's parser, refused when public under BlockPublicPolicy, and judged
// for every call on the secret (provider.cc, secret_policy).
#include "services/secretsmanager/internal.h"
#include "services/secretsmanager/provider.h"

namespace nuage::services::secretsmanager {

using namespace detail;
using kit::Output;
using kit::Value;

namespace {

// A statement allowing everyone ("*") without a condition grants public access.
bool grants_public_access(const std::string& document) {
  Value policy = Value::parse(document, nullptr, false);
  if (!policy.is_object()) return false;
  Value statements = policy.value("Statement", Value::array());
  if (!statements.is_array()) statements = Value::array({statements});
  for (const auto& s : statements) {
    if (!s.is_object() || s.value("Effect", "") != "Allow" || s.contains("Condition")) continue;
    const Value& principal = s.value("Principal", Value());
    if (principal == "*" || (principal.is_object() && principal.value("AWS", Value()) == "*")) return true;
  }
  return false;
}

}  // namespace

Result<Output> Provider::get_resource_policy(Context& ctx, const Value& in) {
  auto found = find(ctx, in["SecretId"]);
  if (!found) return found.error();
  const Value& secret = doc(*found);
  Output out = answer(Value{{"ARN", secret["ARN"]}, {"Name", found->name}});
  if (secret.contains("ResourcePolicy")) out.value["ResourcePolicy"] = secret["ResourcePolicy"];
  return out;
}

Result<Output> Provider::put_resource_policy(Context& ctx, const Value& in) {
  auto found = find_live(ctx, in["SecretId"]);
  if (!found) return found.error();
  std::string document = in["ResourcePolicy"];
  if (document.size() > kMaxPolicyBytes)
    return errors("LimitExceededException", "The resource policy is larger than 20480 characters.");
  if (auto compiled = policies_.compile(document); !compiled)
    return errors("MalformedPolicyDocumentException", "The resource policy is malformed: " + compiled.error().message);
  if (in.value("BlockPublicPolicy", true) && grants_public_access(document))
    return errors("PublicPolicyException", "This resource policy contains a statement that grants public access.");
  NUAGE_TRY(change(*found, [&](Value& d) {
    d["ResourcePolicy"] = document;
    return Status::Ok();
  }));
  return answer(Value{{"ARN", doc(*found)["ARN"]}, {"Name", found->name}});
}

Result<Output> Provider::delete_resource_policy(Context& ctx, const Value& in) {
  auto found = find_live(ctx, in["SecretId"]);
  if (!found) return found.error();
  NUAGE_TRY(change(*found, [&](Value& d) {
    d.erase("ResourcePolicy");
    return Status::Ok();
  }));
  return answer(Value{{"ARN", doc(*found)["ARN"]}, {"Name", found->name}});
}

Result<Output> Provider::validate_resource_policy(Context& ctx, const Value& in) {
  if (in.contains("SecretId")) {
    auto found = find(ctx, in["SecretId"]);
    if (!found) return found.error();
  }
  std::string document = in["ResourcePolicy"];
  Value problems = Value::array();
  if (auto compiled = policies_.compile(document); !compiled)
    problems.push_back({{"CheckName", "POLICY_SYNTAX"}, {"ErrorMessage", compiled.error().message}});
  else if (grants_public_access(document))
    problems.push_back({{"CheckName", "BLOCK_PUBLIC_POLICY"},
                        {"ErrorMessage", "This resource policy contains a statement that grants public access."}});
  return answer(Value{{"PolicyValidationPassed", problems.empty()}, {"ValidationErrors", problems}});
}

}  // namespace nuage::services::secretsmanager
