// Secret values at rest, sealed as Secrets Manager does: KMS GenerateDataKey
// (the secret's KmsKeyId, or alias/aws/secretsmanager, AWS's managed key
// for Secrets Manager) with the encryption context {"SecretARN": arn,
// "SecretVersionId": id}, as the caller, so the key's policy and the
// caller's permissions decide; the value is sealed with AES-256-GCM under
// the data key, and only the data key's KMS ciphertext is kept beside it.
// Opening asks KMS to decrypt the data key each time, so a disabled or
// deleted key stops GetSecretValue as it does on AWS.
//
// The sealing is kms/envelope.h's (AAD "<arn>\n<version id>"); this file
// words its refusals as Secrets Manager does.
//
// Thread-safety: calls KMS; never with the Secrets Manager mutex held.
#pragma once

#include <string>

#include "kit/environment.h"
#include "kit/provider.h"

namespace nuage::services::secretsmanager::envelope {

// EncryptionFailure / AccessDeniedException / KMS's own refusals, worded as
// Secrets Manager words them.
Result<std::string> seal(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& key_id,
                         const std::string& arn, const std::string& version_id, const std::string& plaintext);
// DecryptionFailure when KMS cannot open the data key or the value is damaged.
Result<std::string> open(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& arn,
                         const std::string& version_id, const std::string& sealed);

}  // namespace nuage::services::secretsmanager::envelope
