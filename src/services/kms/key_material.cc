#include "services/kms/key_material.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "common/crypto.h"
#include "common/text.h"

namespace nuage::services::kms::material {

namespace {

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

constexpr size_t kIvBytes = 12, kTagBytes = 16;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

PKey load_private(std::string_view der) {
  const unsigned char* p = bytes(der);
  return PKey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())), EVP_PKEY_free);
}

std::optional<std::string> private_der(EVP_PKEY* key) {
  int n = i2d_PrivateKey(key, nullptr);
  if (n <= 0) return std::nullopt;
  // PKCS#8, the form AWS hands out for data key pairs.
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> info(EVP_PKEY2PKCS8(key),
                                                                                   PKCS8_PRIV_KEY_INFO_free);
  if (!info) return std::nullopt;
  n = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
  if (n <= 0) return std::nullopt;
  std::string out(static_cast<size_t>(n), '\0');
  unsigned char* p = bytes(out);
  i2d_PKCS8_PRIV_KEY_INFO(info.get(), &p);
  return out;
}

// The digest of a signing or MAC algorithm, by its suffix.
const EVP_MD* digest_of(std::string_view algorithm) {
  if (text::ends_with(algorithm, "SHA_224")) return EVP_sha224();
  if (text::ends_with(algorithm, "SHA_256")) return EVP_sha256();
  if (text::ends_with(algorithm, "SHA_384")) return EVP_sha384();
  if (text::ends_with(algorithm, "SHA_512")) return EVP_sha512();
  if (text::ends_with(algorithm, "SHA_1")) return EVP_sha1();
  return nullptr;
}

// A context for signing or verifying a digest with the algorithm's padding.
PKeyCtx signing_context(EVP_PKEY* key, std::string_view algorithm, bool for_sign) {
  PKeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
  const EVP_MD* md = digest_of(algorithm);
  if (!ctx || !md) return PKeyCtx(nullptr, EVP_PKEY_CTX_free);
  if ((for_sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) <= 0 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), md) <= 0)
    return PKeyCtx(nullptr, EVP_PKEY_CTX_free);
  bool rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
  if (rsa != text::starts_with(algorithm, "RSASSA_")) return PKeyCtx(nullptr, EVP_PKEY_CTX_free);
  if (text::starts_with(algorithm, "RSASSA_PSS_")) {
    // AWS's PSS salt is as long as the digest.
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) <= 0)
      return PKeyCtx(nullptr, EVP_PKEY_CTX_free);
  } else if (rsa && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0) {
    return PKeyCtx(nullptr, EVP_PKEY_CTX_free);
  }
  return ctx;
}

std::optional<std::string> hashed(std::string_view algorithm, std::string_view message, bool is_digest) {
  const EVP_MD* md = digest_of(algorithm);
  if (!md) return std::nullopt;
  if (is_digest) {
    if (message.size() != static_cast<size_t>(EVP_MD_get_size(md))) return std::nullopt;
    return std::string(message);
  }
  std::string out(static_cast<size_t>(EVP_MD_get_size(md)), '\0');
  unsigned int n = 0;
  if (EVP_Digest(message.data(), message.size(), bytes(out), &n, md, nullptr) != 1) return std::nullopt;
  return out;
}

// The ECC specs and the signing algorithm each allows (one per curve).
struct Curve {
  std::string_view spec;
  const char* group;
  int bits;
  const char* signing;
};
constexpr Curve kCurves[] = {
    {"ECC_NIST_P256", "P-256", 256, "ECDSA_SHA_256"},
    {"ECC_NIST_P384", "P-384", 384, "ECDSA_SHA_384"},
    {"ECC_NIST_P521", "P-521", 521, "ECDSA_SHA_512"},
    {"ECC_SECG_P256K1", "secp256k1", 256, "ECDSA_SHA_256"},
};

}  // namespace

std::optional<SpecInfo> spec_info(std::string_view key_spec) {
  using F = SpecInfo::Family;
  if (key_spec == "SYMMETRIC_DEFAULT") return SpecInfo{F::kSymmetric, 256};
  if (key_spec == "RSA_2048") return SpecInfo{F::kRsa, 2048};
  if (key_spec == "RSA_3072") return SpecInfo{F::kRsa, 3072};
  if (key_spec == "RSA_4096") return SpecInfo{F::kRsa, 4096};
  for (const auto& c : kCurves)
    if (c.spec == key_spec) return SpecInfo{F::kEcc, c.bits, c.group};
  if (key_spec == "HMAC_224") return SpecInfo{F::kHmac, 224};
  if (key_spec == "HMAC_256") return SpecInfo{F::kHmac, 256};
  if (key_spec == "HMAC_384") return SpecInfo{F::kHmac, 384};
  if (key_spec == "HMAC_512") return SpecInfo{F::kHmac, 512};
  return std::nullopt;
}

std::vector<std::string> encryption_algorithms(std::string_view key_spec, std::string_view usage) {
  if (usage != "ENCRYPT_DECRYPT") return {};
  if (key_spec == "SYMMETRIC_DEFAULT") return {"SYMMETRIC_DEFAULT"};
  if (text::starts_with(key_spec, "RSA_")) return {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"};
  return {};
}

std::vector<std::string> signing_algorithms(std::string_view key_spec) {
  if (text::starts_with(key_spec, "RSA_"))
    return {"RSASSA_PSS_SHA_256",        "RSASSA_PSS_SHA_384",        "RSASSA_PSS_SHA_512",
            "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"};
  for (const auto& c : kCurves)
    if (c.spec == key_spec) return {c.signing};
  return {};
}

std::vector<std::string> mac_algorithms(std::string_view key_spec) {
  if (!text::starts_with(key_spec, "HMAC_")) return {};
  return {"HMAC_SHA_" + std::string(key_spec.substr(5))};
}

std::optional<std::string> generate(std::string_view key_spec) {
  auto info = spec_info(key_spec);
  if (!info) return std::nullopt;
  switch (info->family) {
    case SpecInfo::Family::kSymmetric:
    case SpecInfo::Family::kHmac:
      return crypto::random_bytes(static_cast<size_t>(info->bits / 8));
    case SpecInfo::Family::kRsa: {
      PKey key(EVP_RSA_gen(static_cast<unsigned>(info->bits)), EVP_PKEY_free);
      if (!key) return std::nullopt;
      return private_der(key.get());
    }
    case SpecInfo::Family::kEcc: {
      PKey key(EVP_EC_gen(info->curve), EVP_PKEY_free);
      if (!key) return std::nullopt;
      return private_der(key.get());
    }
  }
  return std::nullopt;
}

std::string seal(std::string_view key, std::string_view aad, std::string_view plaintext) {
  std::string out = crypto::random_bytes(kIvBytes);
  out.resize(kIvBytes + plaintext.size() + kTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(out));
  EVP_EncryptUpdate(ctx.get(), nullptr, &n, bytes(aad), static_cast<int>(aad.size()));
  EVP_EncryptUpdate(ctx.get(), bytes(out) + kIvBytes, &n, bytes(plaintext), static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(ctx.get(), bytes(out) + kIvBytes + n, &n);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, bytes(out) + out.size() - kTagBytes);
  return out;
}

std::optional<std::string> open(std::string_view key, std::string_view aad, std::string_view sealed) {
  if (key.size() != 32 || sealed.size() < kIvBytes + kTagBytes) return std::nullopt;
  std::string out(sealed.size() - kIvBytes - kTagBytes, '\0');
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0, m = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(sealed)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), bytes(out), &n, bytes(sealed) + kIvBytes, static_cast<int>(out.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, bytes(tag)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), bytes(out) + n, &m) != 1)
    return std::nullopt;
  return out;
}

namespace {

PKeyCtx oaep_context(EVP_PKEY* key, std::string_view algorithm, bool encrypt) {
  PKeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
  const EVP_MD* md = algorithm == "RSAES_OAEP_SHA_1" ? EVP_sha1() : algorithm == "RSAES_OAEP_SHA_256" ? EVP_sha256() : nullptr;
  if (!ctx || !md || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
      (encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get())) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) <= 0)
    return PKeyCtx(nullptr, EVP_PKEY_CTX_free);
  return ctx;
}

}  // namespace

std::optional<std::string> rsa_encrypt(std::string_view private_der, std::string_view algorithm,
                                       std::string_view plaintext) {
  PKey key = load_private(private_der);
  if (!key) return std::nullopt;
  PKeyCtx ctx = oaep_context(key.get(), algorithm, true);
  size_t n = 0;
  if (!ctx || EVP_PKEY_encrypt(ctx.get(), nullptr, &n, bytes(plaintext), plaintext.size()) <= 0) return std::nullopt;
  std::string out(n, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), bytes(out), &n, bytes(plaintext), plaintext.size()) <= 0) return std::nullopt;
  out.resize(n);
  return out;
}

std::optional<std::string> rsa_decrypt(std::string_view private_der, std::string_view algorithm,
                                       std::string_view ciphertext) {
  PKey key = load_private(private_der);
  if (!key) return std::nullopt;
  PKeyCtx ctx = oaep_context(key.get(), algorithm, false);
  size_t n = 0;
  if (!ctx || EVP_PKEY_decrypt(ctx.get(), nullptr, &n, bytes(ciphertext), ciphertext.size()) <= 0) return std::nullopt;
  std::string out(n, '\0');
  if (EVP_PKEY_decrypt(ctx.get(), bytes(out), &n, bytes(ciphertext), ciphertext.size()) <= 0) return std::nullopt;
  out.resize(n);
  return out;
}

size_t rsa_max_plaintext(int bits, std::string_view algorithm) {
  size_t hash = algorithm == "RSAES_OAEP_SHA_1" ? 20 : 32;
  return static_cast<size_t>(bits / 8) - 2 * hash - 2;
}

std::optional<size_t> signing_digest_size(std::string_view algorithm) {
  const EVP_MD* md = digest_of(algorithm);
  if (!md) return std::nullopt;
  return static_cast<size_t>(EVP_MD_get_size(md));
}

std::optional<std::string> sign(std::string_view private_der, std::string_view algorithm, std::string_view message,
                                bool is_digest) {
  PKey key = load_private(private_der);
  auto digest = hashed(algorithm, message, is_digest);
  if (!key || !digest) return std::nullopt;
  PKeyCtx ctx = signing_context(key.get(), algorithm, true);
  size_t n = 0;
  if (!ctx || EVP_PKEY_sign(ctx.get(), nullptr, &n, bytes(*digest), digest->size()) <= 0) return std::nullopt;
  std::string out(n, '\0');
  if (EVP_PKEY_sign(ctx.get(), bytes(out), &n, bytes(*digest), digest->size()) <= 0) return std::nullopt;
  out.resize(n);
  return out;
}

bool verify(std::string_view private_der, std::string_view algorithm, std::string_view message, bool is_digest,
            std::string_view signature) {
  PKey key = load_private(private_der);
  auto digest = hashed(algorithm, message, is_digest);
  if (!key || !digest) return false;
  PKeyCtx ctx = signing_context(key.get(), algorithm, false);
  return ctx && EVP_PKEY_verify(ctx.get(), bytes(signature), signature.size(), bytes(*digest), digest->size()) == 1;
}

std::optional<std::string> hmac(std::string_view algorithm, std::string_view key, std::string_view message) {
  if (!text::starts_with(algorithm, "HMAC_")) return std::nullopt;
  const EVP_MD* md = digest_of(algorithm);
  if (!md) return std::nullopt;
  std::string out(static_cast<size_t>(EVP_MD_get_size(md)), '\0');
  size_t n = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, EVP_MD_get0_name(md), nullptr, key.data(), key.size(), bytes(message),
                 message.size(), bytes(out), out.size(), &n))
    return std::nullopt;
  out.resize(n);
  return out;
}

std::optional<std::string> public_key_der(std::string_view private_der) {
  PKey key = load_private(private_der);
  if (!key) return std::nullopt;
  int n = i2d_PUBKEY(key.get(), nullptr);
  if (n <= 0) return std::nullopt;
  std::string out(static_cast<size_t>(n), '\0');
  unsigned char* p = bytes(out);
  i2d_PUBKEY(key.get(), &p);
  return out;
}

}  // namespace nuage::services::kms::material
