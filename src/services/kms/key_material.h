// The cryptography behind KMS keys, with OpenSSL: making key material for
// each KeySpec, AES-256-GCM for symmetric keys, RSA-OAEP encryption, RSA
// (PSS and PKCS#1 v1.5) and ECDSA signatures, HMACs, and the DER
// SubjectPublicKeyInfo GetPublicKey answers.
//
// Material is bytes: 32 random bytes for SYMMETRIC_DEFAULT, the HMAC key for
// HMAC_*, and the PKCS#8 DER private key for RSA_* and ECC_*. The functions
// know nothing of KMS's wire or errors: a failure is an empty optional and
// the provider words the error.
//
// Thread-safety: pure functions; OpenSSL 3's calls here are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nuage::services::kms::material {

// What a KeySpec is.
struct SpecInfo {
  enum class Family { kSymmetric, kRsa, kEcc, kHmac } family;
  int bits = 0;          // RSA modulus, EC field, HMAC key size * 8
  const char* curve = "";  // OpenSSL group name for ECC
};
std::optional<SpecInfo> spec_info(std::string_view key_spec);

// The algorithms KMS lists for a key spec and usage (KeyMetadata).
std::vector<std::string> encryption_algorithms(std::string_view key_spec, std::string_view usage);
std::vector<std::string> signing_algorithms(std::string_view key_spec);
std::vector<std::string> mac_algorithms(std::string_view key_spec);

// New material for `key_spec` (a KMS KeySpec or a DataKeyPairSpec).
std::optional<std::string> generate(std::string_view key_spec);

// AES-256-GCM: iv (12 bytes) | ciphertext | tag (16 bytes); `aad` is
// authenticated, not encrypted. open() fails on any change of either.
std::string seal(std::string_view key, std::string_view aad, std::string_view plaintext);
std::optional<std::string> open(std::string_view key, std::string_view aad, std::string_view sealed);

// RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256 with a PKCS#8 private key.
std::optional<std::string> rsa_encrypt(std::string_view private_der, std::string_view algorithm,
                                       std::string_view plaintext);
std::optional<std::string> rsa_decrypt(std::string_view private_der, std::string_view algorithm,
                                       std::string_view ciphertext);
// The most bytes `algorithm` encrypts under an RSA key of `bits`.
size_t rsa_max_plaintext(int bits, std::string_view algorithm);

// The digest a signing algorithm hashes with ("SHA256"...), and its size.
std::optional<size_t> signing_digest_size(std::string_view algorithm);
// Signs / verifies `message` (hashed first) or `digest` (already hashed,
// when is_digest) with RSASSA_PSS_*, RSASSA_PKCS1_V1_5_* or ECDSA_*.
std::optional<std::string> sign(std::string_view private_der, std::string_view algorithm, std::string_view message,
                                bool is_digest);
bool verify(std::string_view private_der, std::string_view algorithm, std::string_view message, bool is_digest,
            std::string_view signature);

// HMAC_SHA_224/256/384/512.
std::optional<std::string> hmac(std::string_view algorithm, std::string_view key, std::string_view message);

// The DER SubjectPublicKeyInfo of a PKCS#8 private key.
std::optional<std::string> public_key_der(std::string_view private_der);

}  // namespace nuage::services::kms::material
