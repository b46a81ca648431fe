// Secrets Manager secrets read through Parameter Store
// ("Referencing AWS Secrets Manager secrets from Parameter Store
// parameters"): GetParameter / GetParameters of
// /aws/reference/secretsmanager/<secret id> answer the secret's current
// value as a SecureString, with the secret's GetSecretValue answer in
// SourceResult. WithDecryption must be true; the read is Secrets Manager's
// own GetSecretValue, made as the caller, so IAM, resource policies and KMS
// decide as they do for a direct read.
//
// Thread-safety: calls another service: never with the SSM mutex held.
#pragma once

#include <string>

#include "kit/environment.h"
#include "kit/provider.h"

namespace nuage::services::ssm::secret_references {

inline constexpr const char* kPrefix = "/aws/reference/secretsmanager/";

bool is_reference(const std::string& name);

// The Parameter (as GetParameter answers it) that `name` references, or
// the error: ValidationException without `decrypt`, ParameterNotFound for
// a secret that does not exist, Secrets Manager's own refusals otherwise.
Result<kit::Value> resolve(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& name,
                           bool decrypt);

}  // namespace nuage::services::ssm::secret_references
