#include "services/ssm/secure_string.h"

#include "common/text.h"
#include "services/ssm/errors.h"

namespace nuage::services::ssm::secure_string {

namespace {

// KMS's refusals as Parameter Store words them: an unknown key is InvalidKeyId.
AwsError from_kms(const AwsError& error, const std::string& key_id) {
  if (error.code == "NotFoundException") return errors("InvalidKeyId", key_id + " is not found.");
  return error;
}

}  // namespace

Result<std::string> encrypt(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& key_id,
                            const std::string& arn, const std::string& value) {
  kit::Value input = {{"KeyId", key_id},
                      {"Plaintext", kit::make_blob(value)},
                      {"EncryptionContext", {{"PARAMETER_ARN", arn}}}};
  auto out = env.call("kms", "Encrypt", input, ctx.caller, ctx.region);
  if (!out) return from_kms(out.error(), key_id);
  return text::base64_encode(kit::blob_bytes(out->value.at("CiphertextBlob")));
}

Result<std::string> decrypt(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& arn,
                            const std::string& stored) {
  auto blob = text::base64_decode(stored);
  if (!blob) return errors("InternalServerError", "The stored ciphertext of " + arn + " is unreadable.");
  kit::Value input = {{"CiphertextBlob", kit::make_blob(*blob)}, {"EncryptionContext", {{"PARAMETER_ARN", arn}}}};
  auto out = env.call("kms", "Decrypt", input, ctx.caller, ctx.region);
  if (!out) return from_kms(out.error(), arn);
  return kit::blob_bytes(out->value.at("Plaintext"));
}

}  // namespace nuage::services::ssm::secure_string
