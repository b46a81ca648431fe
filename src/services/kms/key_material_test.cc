#include "services/kms/key_material.h"

#include <gtest/gtest.h>

#include "common/crypto.h"

namespace nuage::services::kms::material {
namespace {

// One RSA key for the tests that need one: making them is slow.
const std::string& rsa_key() {
  static const std::string key = *generate("RSA_2048");
  return key;
}

TEST(KmsKeyMaterial, SealOpensOnlyWithTheSameKeyAndAdditionalData) {
  std::string key = *generate("SYMMETRIC_DEFAULT");
  ASSERT_EQ(key.size(), 32u);
  std::string sealed = seal(key, "context", "plaintext");
  EXPECT_EQ(sealed.size(), 12u + 9u + 16u);
  EXPECT_EQ(open(key, "context", sealed), "plaintext");
  EXPECT_FALSE(open(key, "other context", sealed));
  EXPECT_FALSE(open(*generate("SYMMETRIC_DEFAULT"), "context", sealed));
  std::string tampered = sealed;
  tampered[14] ^= 1;
  EXPECT_FALSE(open(key, "context", tampered));
  EXPECT_FALSE(open(key, "context", sealed.substr(0, 20)));
  EXPECT_NE(seal(key, "context", "plaintext"), sealed);  // a fresh IV each time
  EXPECT_EQ(open(key, "", seal(key, "", "")), "");
}

TEST(KmsKeyMaterial, RsaOaepRoundTripsAndRespectsItsLimit) {
  const std::string& key = rsa_key();
  for (const char* algorithm : {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}) {
    auto sealed = rsa_encrypt(key, algorithm, "secret");
    ASSERT_TRUE(sealed);
    EXPECT_EQ(sealed->size(), 256u);
    EXPECT_EQ(rsa_decrypt(key, algorithm, *sealed), "secret");
  }
  auto sealed = rsa_encrypt(key, "RSAES_OAEP_SHA_1", "secret");
  EXPECT_FALSE(rsa_decrypt(key, "RSAES_OAEP_SHA_256", *sealed));
  EXPECT_EQ(rsa_max_plaintext(2048, "RSAES_OAEP_SHA_256"), 190u);
  EXPECT_EQ(rsa_max_plaintext(4096, "RSAES_OAEP_SHA_1"), 470u);
  EXPECT_TRUE(rsa_encrypt(key, "RSAES_OAEP_SHA_256", std::string(190, 'x')));
  EXPECT_FALSE(rsa_encrypt(key, "RSAES_OAEP_SHA_256", std::string(191, 'x')));
}

TEST(KmsKeyMaterial, SignaturesOverMessagesAndDigestsAgree) {
  struct Case {
    const char* spec;
    const char* algorithm;
  } cases[] = {{"RSA_2048", "RSASSA_PSS_SHA_256"},
               {"RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512"},
               {"ECC_NIST_P256", "ECDSA_SHA_256"},
               {"ECC_NIST_P384", "ECDSA_SHA_384"},
               {"ECC_SECG_P256K1", "ECDSA_SHA_256"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.algorithm);
    bool rsa = std::string(c.spec) == "RSA_2048";
    std::string key = rsa ? rsa_key() : *generate(c.spec);
    auto signature = sign(key, c.algorithm, "message", false);
    ASSERT_TRUE(signature);
    EXPECT_TRUE(verify(key, c.algorithm, "message", false, *signature));
    EXPECT_FALSE(verify(key, c.algorithm, "messages", false, *signature));
    if (!rsa) {
      EXPECT_FALSE(verify(*generate(c.spec), c.algorithm, "message", false, *signature));
    }
  }
  // DIGEST: the SHA-256 of a message signs as the message does.
  std::string key = *generate("ECC_NIST_P256");
  std::string digest = crypto::sha256("message");
  auto signature = sign(key, "ECDSA_SHA_256", digest, true);
  ASSERT_TRUE(signature);
  EXPECT_TRUE(verify(key, "ECDSA_SHA_256", "message", false, *signature));
  EXPECT_FALSE(sign(key, "ECDSA_SHA_256", "not 32 bytes", true));
  // The algorithm must suit the key.
  EXPECT_FALSE(sign(key, "RSASSA_PSS_SHA_256", "message", false));
}

TEST(KmsKeyMaterial, HmacMatchesTheKnownVector) {
  // RFC 4231, test case 2.
  auto mac = hmac("HMAC_SHA_256", "Jefe", "what do ya want for nothing?");
  ASSERT_TRUE(mac);
  EXPECT_EQ(*mac, crypto::hmac_sha256("Jefe", "what do ya want for nothing?"));
  EXPECT_EQ(hmac("HMAC_SHA_512", "k", "m")->size(), 64u);
  EXPECT_EQ(hmac("HMAC_SHA_224", "k", "m")->size(), 28u);
  EXPECT_FALSE(hmac("ECDSA_SHA_256", "k", "m"));
}

TEST(KmsKeyMaterial, SpecsAndTheirAlgorithms) {
  EXPECT_EQ(generate("HMAC_384")->size(), 48u);
  EXPECT_FALSE(generate("SM2"));
  EXPECT_FALSE(spec_info("RSA_1024"));
  EXPECT_EQ(signing_algorithms("ECC_NIST_P521"), std::vector<std::string>{"ECDSA_SHA_512"});
  EXPECT_EQ(signing_algorithms("RSA_3072").size(), 6u);
  EXPECT_EQ(encryption_algorithms("RSA_4096", "SIGN_VERIFY").size(), 0u);
  EXPECT_EQ(mac_algorithms("HMAC_224"), std::vector<std::string>{"HMAC_SHA_224"});
  auto der = public_key_der(*generate("ECC_NIST_P256"));
  ASSERT_TRUE(der);
  EXPECT_EQ(der->size(), 91u);  // SubjectPublicKeyInfo of an uncompressed P-256 point
  EXPECT_FALSE(public_key_der("not a key"));
}

}  // namespace
}  // namespace nuage::services::kms::material
