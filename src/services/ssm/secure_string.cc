#include "services/ssm/secure_string.h"

#include "common/text.h"
#include "services/kms/envelope.h"
#include "services/ssm/errors.h"

namespace nuage::services::ssm::secure_string {

namespace {

// What KMS Encrypt takes at once (its model's Plaintext limit).
constexpr size_t kKmsPlaintextBytes = 4096;

// KMS's refusals as Parameter Store words them: an unknown key is InvalidKeyId.
AwsError from_kms(const AwsError& error, const std::string& key_id) {
  if (error.code == "NotFoundException") return errors("InvalidKeyId", key_id + " is not found.");
  return error;
}

}  // namespace

Result<Sealed> encrypt(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& key_id,
                       const std::string& arn, const std::string& value) {
  kit::Value context = {{"PARAMETER_ARN", arn}};
  if (value.size() > kKmsPlaintextBytes) {
    auto sealed = kms::envelope::seal(env, ctx, key_id, context, arn, value);
    if (!sealed) return from_kms(sealed.error(), key_id);
    return Sealed{text::base64_encode(*sealed), true};
  }
  kit::Value input = {{"KeyId", key_id}, {"Plaintext", kit::make_blob(value)}, {"EncryptionContext", context}};
  auto out = env.call("kms", "Encrypt", input, ctx.caller, ctx.region);
  if (!out) return from_kms(out.error(), key_id);
  return Sealed{text::base64_encode(kit::blob_bytes(out->value.at("CiphertextBlob"))), false};
}

Result<std::string> decrypt(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& arn,
                            const std::string& stored, bool envelope) {
  auto blob = text::base64_decode(stored);
  if (!blob) return errors("InternalServerError", "The stored ciphertext of " + arn + " is unreadable.");
  kit::Value context = {{"PARAMETER_ARN", arn}};
  if (envelope) {
    auto plain = kms::envelope::open(env, ctx, context, arn, *blob);
    if (!plain) return from_kms(plain.error(), arn);
    return plain;
  }
  kit::Value input = {{"CiphertextBlob", kit::make_blob(*blob)}, {"EncryptionContext", context}};
  auto out = env.call("kms", "Decrypt", input, ctx.caller, ctx.region);
  if (!out) return from_kms(out.error(), arn);
  return kit::blob_bytes(out->value.at("Plaintext"));
}

}  // namespace nuage::services::ssm::secure_string
