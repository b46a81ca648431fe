#include "services/secretsmanager/envelope.h"

#include "services/kms/envelope.h"
#include "services/secretsmanager/internal.h"

namespace nuage::services::secretsmanager::envelope {

using detail::errors;

namespace {

kit::Value secret_context(const std::string& arn, const std::string& version_id) {
  return {{"SecretARN", arn}, {"SecretVersionId", version_id}};
}

// What the caller is told when KMS refuses: its permission errors as they
// are, the key's state as Secrets Manager's own failure.
AwsError kms_refusal(const AwsError& error, bool encrypting) {
  if (error.code == "AccessDeniedException") return errors("AccessDeniedException", "Access to KMS is not allowed");
  if (error.status >= 500) return error;
  if (encrypting)
    return errors("EncryptionFailure",
                  "Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the "
                  "KMS key is available, enabled, and not in an invalid state. (" + error.code + ": " + error.message +
                      ")");
  return errors("DecryptionFailure",
                "Secrets Manager can't decrypt the protected secret text using the provided KMS key. (" + error.code +
                    ": " + error.message + ")");
}

std::string aad_of(const std::string& arn, const std::string& version_id) { return arn + "\n" + version_id; }

}  // namespace

Result<std::string> seal(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& key_id,
                         const std::string& arn, const std::string& version_id, const std::string& plaintext) {
  auto sealed = kms::envelope::seal(env, ctx, key_id.empty() ? std::string(detail::kDefaultKey) : key_id,
                                    secret_context(arn, version_id), aad_of(arn, version_id), plaintext);
  if (!sealed) return kms_refusal(sealed.error(), true);
  return sealed;
}

Result<std::string> open(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& arn,
                         const std::string& version_id, const std::string& sealed) {
  auto plain = kms::envelope::open(env, ctx, secret_context(arn, version_id), aad_of(arn, version_id), sealed);
  if (!plain) return kms_refusal(plain.error(), false);  // a damaged value too: DecryptionFailure
  return plain;
}

}  // namespace nuage::services::secretsmanager::envelope
