#include "services/s3/checksum.h"

#include <gtest/gtest.h>

#include <string>

#include "common/text.h"

namespace nuage::services::s3 {

// Check values of the CRC catalogue ("123456789").
TEST(S3Checksum, KnownCrcValues) {
  std::string s = "123456789";
  EXPECT_EQ(crc32_update(0, s.data(), s.size()), 0xCBF43926u);
  EXPECT_EQ(crc32c_update(0, s.data(), s.size()), 0xE3069283u);
}

TEST(S3Checksum, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>(i * 7);
  for (auto a : kAllChecksums) {
    Checksum c(a);
    c.update(std::string_view(data).substr(0, 13));
    c.update(std::string_view(data).substr(13));
    EXPECT_EQ(text::base64_encode(c.finish()), checksum_base64(a, data)) << checksum_name(a);
  }
}

// What botocore sends for b"hello world" (x-amz-checksum-*).
TEST(S3Checksum, Base64AsS3SendsIt) {
  EXPECT_EQ(checksum_base64(ChecksumAlgorithm::kCrc32, "hello world"), "DUoRhQ==");
  EXPECT_EQ(checksum_base64(ChecksumAlgorithm::kCrc32c, "hello world"), "yZRlqg==");
  EXPECT_EQ(checksum_base64(ChecksumAlgorithm::kSha1, "hello world"), "Kq5sNclPz7QV2+lfQIuc6R7oRu0=");
  EXPECT_EQ(checksum_base64(ChecksumAlgorithm::kSha256, "hello world"),
            "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
}

TEST(S3Checksum, Names) {
  EXPECT_EQ(parse_checksum_algorithm("crc32c"), ChecksumAlgorithm::kCrc32c);
  EXPECT_FALSE(parse_checksum_algorithm("md5").has_value());
  EXPECT_EQ(checksum_header(ChecksumAlgorithm::kSha256), "x-amz-checksum-sha256");
}

}  // namespace nuage::services::s3
