// Digests and MACs against published test vectors (FIPS 180, RFC 1321,
// RFC 2202, RFC 4231), incremental hashing, and random bytes.
#include "common/crypto.h"

#include <gtest/gtest.h>

#include "common/text.h"

namespace nuage::crypto {
namespace {

std::string hex(const std::string& raw) { return text::hex_encode(raw); }

TEST(Crypto, DigestsMatchPublishedVectors) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  Hasher sha1(Algorithm::kSha1);
  sha1.update("abc");
  EXPECT_EQ(hex(sha1.finish()), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Crypto, HmacsMatchPublishedVectors) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac_sha1("Jefe", "what do ya want for nothing?")), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  // A key longer than the block size is hashed first (RFC 4231 case 6).
  EXPECT_EQ(hex(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Crypto, IncrementalHashingEqualsOneShotAndResets) {
  std::string body(100000, 'x');
  Hasher h(Algorithm::kSha256);
  for (size_t i = 0; i < body.size(); i += 4096) h.update(std::string_view(body).substr(i, 4096));
  EXPECT_EQ(h.finish(), sha256(body));
  h.update("abc");  // finished hashers start again
  EXPECT_EQ(h.finish(), sha256("abc"));
}

TEST(Crypto, RandomBytesHaveTheLengthAskedAndDiffer) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(1000).size(), 1000u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
  std::string uuid = random_uuid();
  ASSERT_EQ(uuid.size(), 36u);
  EXPECT_EQ(uuid[14], '4');
}

}  // namespace
}  // namespace nuage::crypto
