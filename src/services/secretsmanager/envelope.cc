#include "services/secretsmanager/envelope.h"

#include "services/kms/key_material.h"
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
  kit::Value input = {{"KeyId", key_id.empty() ? std::string(detail::kDefaultKey) : key_id},
                      {"KeySpec", "AES_256"},
                      {"EncryptionContext", secret_context(arn, version_id)}};
  auto out = env.call("kms", "GenerateDataKey", input, ctx.caller, ctx.region);
  if (!out) return kms_refusal(out.error(), true);
  std::string data_key = kit::blob_bytes(out->value.at("Plaintext"));
  std::string blob = kit::blob_bytes(out->value.at("CiphertextBlob"));
  std::string sealed;
  uint32_t n = static_cast<uint32_t>(blob.size());
  for (int shift = 24; shift >= 0; shift -= 8) sealed.push_back(static_cast<char>((n >> shift) & 0xff));
  sealed += blob;
  sealed += kms::material::seal(data_key, aad_of(arn, version_id), plaintext);
  return sealed;
}

Result<std::string> open(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& arn,
                         const std::string& version_id, const std::string& sealed) {
  auto damaged = [&] {
    return errors("DecryptionFailure", "Secrets Manager can't decrypt the protected secret text: the stored value of "
                                       "version " + version_id + " is damaged.");
  };
  if (sealed.size() < 4) return damaged();
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(sealed[i]);
  if (sealed.size() < 4 + static_cast<size_t>(n)) return damaged();
  kit::Value input = {{"CiphertextBlob", kit::make_blob(sealed.substr(4, n))},
                      {"EncryptionContext", secret_context(arn, version_id)}};
  auto out = env.call("kms", "Decrypt", input, ctx.caller, ctx.region);
  if (!out) return kms_refusal(out.error(), false);
  auto plain = kms::material::open(kit::blob_bytes(out->value.at("Plaintext")), aad_of(arn, version_id),
                                   std::string_view(sealed).substr(4 + n));
  if (!plain) return damaged();
  return std::move(*plain);
}

}  // namespace nuage::services::secretsmanager::envelope
