#include "services/sqs/message_digest.h"

#include <gtest/gtest.h>

#include "common/text.h"

namespace nuage::services::sqs {
namespace {

// Expected digests computed from AWS's documented encoding by an
// independent implementation (Python's hashlib and struct).
TEST(SqsDigest, BodyIsTheMd5OfItsUtf8Bytes) {
  EXPECT_EQ(md5_of_body("h\xc3\xa9llo"), "be50e8478cf24ff3595bc7307fb91b50");
}

TEST(SqsDigest, StringAndNumberAttributesInNameOrder) {
  kit::Value attrs = {{"count", {{"DataType", "Number"}, {"StringValue", "42"}}},
                      {"city", {{"DataType", "String"}, {"StringValue", "Any City"}}}};
  EXPECT_EQ(md5_of_attributes(attrs), "d5cd2732125643f5a5612579f52b3494");
}

TEST(SqsDigest, BinaryAttributesUseTransportTypeTwo) {
  kit::Value attrs = {{"blob", {{"DataType", "Binary"}, {"BinaryValue", text::base64_encode(std::string("\x00\x01\xff", 3))}}}};
  EXPECT_EQ(md5_of_attributes(attrs), "c6f49393fc67081f1c18e916ec5e8004");
}

TEST(SqsDigest, NoAttributesNoDigest) { EXPECT_EQ(md5_of_attributes(kit::Value::object()), ""); }

}  // namespace
}  // namespace nuage::services::sqs
