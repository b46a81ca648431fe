#include "services/kms/envelope.h"

#include <cstdint>

#include "services/kms/key_material.h"

namespace nuage::services::kms::envelope {

namespace {

AwsError damaged() {
  return AwsError{"InvalidCiphertextException", "The sealed value is damaged or belongs to another resource.", 400};
}

}  // namespace

Result<std::string> seal(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& key_id,
                         const kit::Value& context, std::string_view aad, std::string_view plaintext) {
  kit::Value input = {{"KeyId", key_id}, {"KeySpec", "AES_256"}, {"EncryptionContext", context}};
  auto out = env.call("kms", "GenerateDataKey", input, ctx.caller, ctx.region);
  if (!out) return out.error();
  std::string data_key = kit::blob_bytes(out->value.at("Plaintext"));
  std::string blob = kit::blob_bytes(out->value.at("CiphertextBlob"));
  std::string sealed;
  uint32_t n = static_cast<uint32_t>(blob.size());
  for (int shift = 24; shift >= 0; shift -= 8) sealed.push_back(static_cast<char>((n >> shift) & 0xff));
  sealed += blob;
  sealed += material::seal(data_key, aad, plaintext);
  return sealed;
}

Result<std::string> open(const kit::Environment& env, const kit::RequestContext& ctx, const kit::Value& context,
                         std::string_view aad, std::string_view sealed) {
  if (sealed.size() < 4) return damaged();
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(sealed[i]);
  if (sealed.size() < 4 + static_cast<size_t>(n)) return damaged();
  kit::Value input = {{"CiphertextBlob", kit::make_blob(std::string(sealed.substr(4, n)))},
                      {"EncryptionContext", context}};
  auto out = env.call("kms", "Decrypt", input, ctx.caller, ctx.region);
  if (!out) return out.error();
  auto plain = material::open(kit::blob_bytes(out->value.at("Plaintext")), aad, sealed.substr(4 + n));
  if (!plain) return damaged();
  return std::move(*plain);
}

}  // namespace nuage::services::kms::envelope
