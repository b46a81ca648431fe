#include "services/kms/ciphertext.h"

#include <gtest/gtest.h>

namespace nuage::services::kms::ciphertext {
namespace {

const char* kArn = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab";

TEST(KmsCiphertext, HeaderNamesTheKeyAndTheMaterialVersion) {
  std::string blob = header({kArn, 258}) + "sealed bytes";
  auto parsed = parse(blob);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->header.key_arn, kArn);
  EXPECT_EQ(parsed->header.version, 258u);
  EXPECT_EQ(parsed->sealed, "sealed bytes");
  EXPECT_EQ(parsed->header_bytes, header({kArn, 258}));
}

TEST(KmsCiphertext, ForeignOrTruncatedBlobsAreRefused) {
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("NKM"));
  EXPECT_FALSE(parse("something else entirely"));
  std::string h = header({kArn, 1});
  EXPECT_FALSE(parse(h.substr(0, h.size() - 1)));
  EXPECT_TRUE(parse(h));
}

TEST(KmsCiphertext, AdditionalDataIsCanonicalAndUnambiguous) {
  kit::Value a = {{"b", "2"}, {"a", "1"}};
  kit::Value b = kit::Value::parse(R"({"a":"1","b":"2"})");
  EXPECT_EQ(additional_data("h", a), additional_data("h", b));
  // Length prefixes keep {"ab": "c"} apart from {"a": "bc"}.
  EXPECT_NE(additional_data("h", {{"ab", "c"}}), additional_data("h", {{"a", "bc"}}));
  EXPECT_NE(additional_data("h", kit::Value::object()), additional_data("g", kit::Value::object()));
  EXPECT_EQ(additional_data("h", kit::Value::object()), "h");
}

}  // namespace
}  // namespace nuage::services::kms::ciphertext
