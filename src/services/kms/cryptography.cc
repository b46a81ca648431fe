// KMS's cryptographic operations: Encrypt, Decrypt, ReEncrypt, data keys
// and data key pairs, Sign / Verify, GenerateMac / VerifyMac, GetPublicKey,
// GenerateRandom. The key is looked up under the mutex (use_key copies its
// material); the cryptography runs outside it.
#include "common/crypto.h"
#include "common/text.h"
#include "services/kms/ciphertext.h"
#include "services/kms/internal.h"
#include "services/kms/key_material.h"
#include "services/kms/provider.h"

namespace nuage::services::kms {

using namespace detail;
using kit::Output;
using kit::Value;

namespace {

const kit::Value kNoContext = kit::Value::object();

const kit::Value& context_of(const kit::Value& in, const char* member) {
  auto it = in.find(member);
  return it != in.end() && it->is_object() ? *it : kNoContext;
}

AwsError invalid_ciphertext() { return errors("InvalidCiphertextException", ""); }

// What a request must not use yet: Nitro Enclave recipients.
Status check_supported(const kit::Value& in) {
  if (in.contains("Recipient"))
    return errors("NotImplemented", "Recipient (attested Nitro Enclave requests) is not implemented by nuage");
  return Status::Ok();
}

// DryRun answers once every check has passed, as AWS does.
Status dry_run(const kit::Value& in) {
  if (in.value("DryRun", false))
    return errors("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.");
  return Status::Ok();
}

bool lists(const kit::Value& metadata, const char* member, const std::string& algorithm) {
  auto it = metadata.find(member);
  if (it == metadata.end()) return false;
  for (const auto& a : *it)
    if (a == algorithm) return true;
  return false;
}

Status check_algorithm(const kit::Value& metadata, const char* member, const std::string& algorithm) {
  if (!lists(metadata, member, algorithm))
    return errors("InvalidKeyUsageException", "Algorithm " + algorithm + " is incompatible with key spec " +
                                                  metadata["KeySpec"].get<std::string>() + ".");
  return Status::Ok();
}

}  // namespace

Result<std::string> Provider::seal(const Key& key, const std::string& algorithm, const Value& context,
                                   const std::string& plaintext) {
  NUAGE_TRY(check_algorithm(key.metadata, "EncryptionAlgorithms", algorithm));
  if (algorithm == "SYMMETRIC_DEFAULT") {
    uint32_t version = static_cast<uint32_t>(key.material->size() - 1);
    std::string header = ciphertext::header({key.arn, version});
    return header + material::seal((*key.material)[version], ciphertext::additional_data(header, context), plaintext);
  }
  if (!context.empty()) return validation("EncryptionContext is not supported with asymmetric KMS keys.");
  auto info = material::spec_info(key.metadata["KeySpec"].get<std::string>());
  if (plaintext.size() > material::rsa_max_plaintext(info->bits, algorithm))
    return validation("Plaintext is too long for " + algorithm + " with " + key.metadata["KeySpec"].get<std::string>() +
                      ": at most " + std::to_string(material::rsa_max_plaintext(info->bits, algorithm)) + " bytes.");
  auto sealed = material::rsa_encrypt(key.material->back(), algorithm, plaintext);
  if (!sealed) return errors("KMSInternalException", "RSA encryption failed.");
  return *sealed;
}

Result<std::pair<Provider::Key, std::string>> Provider::unseal(const Context& ctx, const std::string& key_id,
                                                               const std::string& algorithm, const Value& context,
                                                               const std::string& blob) {
  if (algorithm != "SYMMETRIC_DEFAULT") {
    if (key_id.empty())
      return validation("KeyId is required to decrypt ciphertext encrypted under an asymmetric KMS key.");
    auto key = use_key(ctx, key_id, Use::kEncrypt);
    if (!key) return key.error();
    NUAGE_TRY(check_algorithm(key->metadata, "EncryptionAlgorithms", algorithm));
    if (!context.empty()) return validation("EncryptionContext is not supported with asymmetric KMS keys.");
    auto plaintext = material::rsa_decrypt(key->material->back(), algorithm, blob);
    if (!plaintext) return invalid_ciphertext();
    return std::pair{std::move(*key), std::move(*plaintext)};
  }
  auto parsed = ciphertext::parse(blob);
  if (!key_id.empty()) {
    auto named = use_key(ctx, key_id, Use::kDescribe);
    if (!named) return named.error();
    if (named->metadata["KeySpec"] != "SYMMETRIC_DEFAULT")
      return errors("InvalidKeyUsageException", named->arn + " is not a symmetric key: name its EncryptionAlgorithm.");
    if (!parsed) return invalid_ciphertext();
    if (named->arn != parsed->header.key_arn)
      return errors("IncorrectKeyException",
                    "The key ID in the request does not identify a CMK that can perform this operation.");
  }
  // KMS is regional: a blob is opened only in its key's region.
  if (!parsed) return invalid_ciphertext();
  auto arn_parts = text::split(parsed->header.key_arn, ':');
  if (arn_parts.size() != 6 || arn_parts[3] != ctx.region) return invalid_ciphertext();
  auto key = use_key(ctx, parsed->header.key_arn, Use::kEncrypt);
  if (!key) {
    // A blob of a key that no longer exists cannot be opened.
    if (key.error().code == "NotFoundException") return invalid_ciphertext();
    return key.error();
  }
  if (parsed->header.version >= key->material->size()) return invalid_ciphertext();
  auto plaintext = material::open((*key->material)[parsed->header.version],
                                  ciphertext::additional_data(parsed->header_bytes, context), parsed->sealed);
  if (!plaintext) return invalid_ciphertext();
  return std::pair{std::move(*key), std::move(*plaintext)};
}

Result<Output> Provider::encrypt(Context& ctx, const Value& in) {
  auto key = use_key(ctx, in.at("KeyId"), Use::kEncrypt);
  if (!key) return key.error();
  std::string algorithm = in.value("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
  auto blob = seal(*key, algorithm, context_of(in, "EncryptionContext"), kit::blob_bytes(in.at("Plaintext")));
  if (!blob) return blob.error();
  NUAGE_TRY(dry_run(in));
  Output out;
  out.value = {{"CiphertextBlob", kit::make_blob(std::move(*blob))}, {"KeyId", key->arn}, {"EncryptionAlgorithm", algorithm}};
  return out;
}

Result<Output> Provider::decrypt(Context& ctx, const Value& in) {
  NUAGE_TRY(check_supported(in));
  if (!in.contains("CiphertextBlob")) return validation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  std::string algorithm = in.value("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
  auto opened = unseal(ctx, in.value("KeyId", ""), algorithm, context_of(in, "EncryptionContext"),
                       kit::blob_bytes(in["CiphertextBlob"]));
  if (!opened) return opened.error();
  NUAGE_TRY(dry_run(in));
  Output out;
  out.value = {{"KeyId", opened->first.arn},
               {"Plaintext", kit::make_blob(std::move(opened->second))},
               {"EncryptionAlgorithm", algorithm}};
  return out;
}

Result<Output> Provider::re_encrypt(Context& ctx, const Value& in) {
  if (!in.contains("CiphertextBlob")) return validation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  std::string source_algorithm = in.value("SourceEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
  std::string destination_algorithm = in.value("DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
  auto opened = unseal(ctx, in.value("SourceKeyId", ""), source_algorithm, context_of(in, "SourceEncryptionContext"),
                       kit::blob_bytes(in["CiphertextBlob"]));
  if (!opened) return opened.error();
  auto destination = use_key(ctx, in.at("DestinationKeyId"), Use::kEncrypt);
  if (!destination) return destination.error();
  auto blob = seal(*destination, destination_algorithm, context_of(in, "DestinationEncryptionContext"), opened->second);
  if (!blob) return blob.error();
  NUAGE_TRY(dry_run(in));
  Output out;
  out.value = {{"CiphertextBlob", kit::make_blob(std::move(*blob))},
               {"SourceKeyId", opened->first.arn},
               {"KeyId", destination->arn},
               {"SourceEncryptionAlgorithm", source_algorithm},
               {"DestinationEncryptionAlgorithm", destination_algorithm}};
  return out;
}

Result<Output> Provider::generate_data_key(Context& ctx, const Value& in) {
  NUAGE_TRY(check_supported(in));
  bool has_bytes = in.contains("NumberOfBytes"), has_spec = in.contains("KeySpec");
  if (has_bytes == has_spec) return validation("Please specify either number of bytes or key spec.");
  size_t bytes = has_bytes ? in["NumberOfBytes"].get<size_t>() : in["KeySpec"] == "AES_128" ? 16 : 32;
  auto key = use_key(ctx, in.at("KeyId"), Use::kEncrypt);
  if (!key) return key.error();
  if (key->metadata["KeySpec"] != "SYMMETRIC_DEFAULT")
    return errors("InvalidKeyUsageException", key->arn + " is not a symmetric encryption key.");
  std::string plaintext = crypto::random_bytes(bytes);
  auto blob = seal(*key, "SYMMETRIC_DEFAULT", context_of(in, "EncryptionContext"), plaintext);
  if (!blob) return blob.error();
  NUAGE_TRY(dry_run(in));
  Output out;
  out.value = {{"CiphertextBlob", kit::make_blob(std::move(*blob))},
               {"Plaintext", kit::make_blob(std::move(plaintext))},
               {"KeyId", key->arn}};
  return out;
}

Result<Output> Provider::generate_data_key_without_plaintext(Context& ctx, const Value& in) {
  auto out = generate_data_key(ctx, in);
  if (out) out->value.erase("Plaintext");
  return out;
}

Result<Output> Provider::generate_data_key_pair(Context& ctx, const Value& in) {
  NUAGE_TRY(check_supported(in));
  std::string spec = in.at("KeyPairSpec");
  auto info = material::spec_info(spec);
  if (!info || (info->family != material::SpecInfo::Family::kRsa && info->family != material::SpecInfo::Family::kEcc))
    return errors("NotImplemented", "KeyPairSpec " + spec + " is not implemented by nuage");
  auto key = use_key(ctx, in.at("KeyId"), Use::kEncrypt);
  if (!key) return key.error();
  if (key->metadata["KeySpec"] != "SYMMETRIC_DEFAULT")
    return errors("InvalidKeyUsageException", key->arn + " is not a symmetric encryption key.");
  NUAGE_TRY(dry_run(in));
  auto private_key = material::generate(spec);
  auto public_key = private_key ? material::public_key_der(*private_key) : std::nullopt;
  if (!public_key) return errors("KMSInternalException", "Could not generate the key pair.");
  auto blob = seal(*key, "SYMMETRIC_DEFAULT", context_of(in, "EncryptionContext"), *private_key);
  if (!blob) return blob.error();
  Output out;
  out.value = {{"PrivateKeyCiphertextBlob", kit::make_blob(std::move(*blob))},
               {"PrivateKeyPlaintext", kit::make_blob(std::move(*private_key))},
               {"PublicKey", kit::make_blob(std::move(*public_key))},
               {"KeyId", key->arn},
               {"KeyPairSpec", spec}};
  return out;
}

Result<Output> Provider::generate_data_key_pair_without_plaintext(Context& ctx, const Value& in) {
  auto out = generate_data_key_pair(ctx, in);
  if (out) out->value.erase("PrivateKeyPlaintext");
  return out;
}

namespace {

// The bytes Sign and Verify work on: the message, or its digest (DIGEST).
Result<bool> is_digest(const kit::Value& in, const std::string& algorithm) {
  std::string type = in.value("MessageType", "RAW");
  if (type == "EXTERNAL_MU") return errors("NotImplemented", "MessageType EXTERNAL_MU is not implemented by nuage");
  if (type != "DIGEST") return false;
  auto size = material::signing_digest_size(algorithm);
  if (!size || kit::blob_bytes(in.at("Message")).size() != *size)
    return validation("Digest is invalid length for algorithm " + algorithm + ".");
  return true;
}

}  // namespace

Result<std::pair<Provider::Key, bool>> Provider::signing_key(const Context& ctx, const Value& in) {
  std::string algorithm = in.at("SigningAlgorithm");
  auto key = use_key(ctx, in.at("KeyId"), Use::kSign);
  if (!key) return key.error();
  NUAGE_TRY(check_algorithm(key->metadata, "SigningAlgorithms", algorithm));
  auto digest = is_digest(in, algorithm);
  if (!digest) return digest.error();
  NUAGE_TRY(dry_run(in));
  return std::pair{std::move(*key), *digest};
}

Result<Output> Provider::sign(Context& ctx, const Value& in) {
  auto key = signing_key(ctx, in);
  if (!key) return key.error();
  std::string algorithm = in["SigningAlgorithm"];
  auto signature =
      material::sign(key->first.material->back(), algorithm, kit::blob_bytes(in.at("Message")), key->second);
  if (!signature) return errors("KMSInternalException", "Signing failed.");
  Output out;
  out.value = {{"KeyId", key->first.arn}, {"Signature", kit::make_blob(std::move(*signature))}, {"SigningAlgorithm", algorithm}};
  return out;
}

Result<Output> Provider::verify(Context& ctx, const Value& in) {
  auto key = signing_key(ctx, in);
  if (!key) return key.error();
  std::string algorithm = in["SigningAlgorithm"];
  if (!material::verify(key->first.material->back(), algorithm, kit::blob_bytes(in.at("Message")), key->second,
                        kit::blob_bytes(in.at("Signature"))))
    return errors("KMSInvalidSignatureException", "");
  Output out;
  out.value = {{"KeyId", key->first.arn}, {"SignatureValid", true}, {"SigningAlgorithm", algorithm}};
  return out;
}

Result<std::pair<Provider::Key, std::string>> Provider::mac_of(const Context& ctx, const Value& in) {
  std::string algorithm = in.at("MacAlgorithm");
  auto key = use_key(ctx, in.at("KeyId"), Use::kMac);
  if (!key) return key.error();
  NUAGE_TRY(check_algorithm(key->metadata, "MacAlgorithms", algorithm));
  NUAGE_TRY(dry_run(in));
  auto mac = material::hmac(algorithm, key->material->back(), kit::blob_bytes(in.at("Message")));
  if (!mac) return errors("KMSInternalException", "The MAC could not be computed.");
  return std::pair{std::move(*key), std::move(*mac)};
}

Result<Output> Provider::generate_mac(Context& ctx, const Value& in) {
  auto mac = mac_of(ctx, in);
  if (!mac) return mac.error();
  Output out;
  out.value = {{"KeyId", mac->first.arn}, {"Mac", kit::make_blob(std::move(mac->second))}, {"MacAlgorithm", in["MacAlgorithm"]}};
  return out;
}

Result<Output> Provider::verify_mac(Context& ctx, const Value& in) {
  auto mac = mac_of(ctx, in);
  if (!mac) return mac.error();
  if (!crypto::constant_time_equal(mac->second, kit::blob_bytes(in.at("Mac")))) return errors("KMSInvalidMacException", "");
  Output out;
  out.value = {{"KeyId", mac->first.arn}, {"MacValid", true}, {"MacAlgorithm", in["MacAlgorithm"]}};
  return out;
}

Result<Output> Provider::get_public_key(Context& ctx, const Value& in) {
  auto key = use_key(ctx, in.at("KeyId"), Use::kAny);
  if (!key) return key.error();
  std::string spec = key->metadata["KeySpec"];
  if (spec == "SYMMETRIC_DEFAULT" || text::starts_with(spec, "HMAC_"))
    return errors("UnsupportedOperationException", key->arn + " key usage is " +
                                                       key->metadata["KeyUsage"].get<std::string>() +
                                                       " which is not valid for GetPublicKey.");
  auto der = material::public_key_der(key->material->back());
  if (!der) return errors("KMSInternalException", "The public key could not be encoded.");
  Output out;
  out.value = {{"KeyId", key->arn},
               {"PublicKey", kit::make_blob(std::move(*der))},
               {"KeySpec", spec},
               {"CustomerMasterKeySpec", spec},
               {"KeyUsage", key->metadata["KeyUsage"]}};
  for (const char* member : {"EncryptionAlgorithms", "SigningAlgorithms"})
    if (key->metadata.contains(member)) out.value[member] = key->metadata[member];
  return out;
}

Result<Output> Provider::generate_random(Context&, const Value& in) {
  NUAGE_TRY(check_supported(in));
  if (in.contains("CustomKeyStoreId"))
    return errors("NotImplemented", "GenerateRandom from a custom key store is not implemented by nuage");
  if (!in.contains("NumberOfBytes")) return validation("NumberOfBytes is required.");
  Output out;
  out.value["Plaintext"] = kit::make_blob(crypto::random_bytes(in["NumberOfBytes"].get<size_t>()));
  return out;
}

}  // namespace nuage::services::kms
