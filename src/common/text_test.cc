#include "common/text.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace nuage::text {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(Text, LowerTrimSplit) {
  EXPECT_EQ(lower("X-Amz-Date"), "x-amz-date");
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(split("a,,b,", ','), (std::vector<std::string>{"a", "", "b", ""}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
  EXPECT_TRUE(starts_with("abc", ""));
  EXPECT_FALSE(starts_with("ab", "abc"));
  EXPECT_TRUE(ends_with("abc", "bc"));
  EXPECT_FALSE(ends_with("c", "bc"));
}

TEST(Text, UriEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("a b+c*d"), "a%20b%2Bc%2Ad");
  EXPECT_EQ(uri_encode("a/b"), "a%2Fb");
  EXPECT_EQ(uri_encode("a/b", true), "a/b");
  EXPECT_EQ(uri_encode("="), "%3D");
  // UTF-8 bytes are encoded one by one, upper-case hex.
  EXPECT_EQ(uri_encode("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(uri_encode(std::string("\0", 1)), "%00");
  EXPECT_EQ(uri_encode(""), "");
}

TEST(Text, UriDecode) {
  EXPECT_EQ(uri_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(uri_decode("%c3%A9"), "\xC3\xA9");  // either case of hex
  EXPECT_EQ(uri_decode("a+b"), "a+b");
  EXPECT_EQ(uri_decode("a+b", true), "a b");
  EXPECT_EQ(uri_decode("%2B", true), "+");
  EXPECT_EQ(uri_decode("%00"), std::string("\0", 1));
  EXPECT_EQ(uri_decode(""), "");
  EXPECT_EQ(uri_decode("x%41"), "xA");  // escape at the very end
}

TEST(Text, UriDecodeRejectsMalformedEscapes) {
  EXPECT_FALSE(uri_decode("%"));
  EXPECT_FALSE(uri_decode("%4"));
  EXPECT_FALSE(uri_decode("a%4"));
  EXPECT_FALSE(uri_decode("%G1"));
  EXPECT_FALSE(uri_decode("%1G"));
  EXPECT_FALSE(uri_decode("%%41"));
}

TEST(Text, UriRoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(uri_decode(uri_encode(all)), all);
  EXPECT_EQ(uri_decode(uri_encode(all, true)), all);
}

TEST(Text, ParseQuery) {
  EXPECT_EQ(parse_query("", false), Pairs{});
  EXPECT_EQ(parse_query("a=1&b=2", false), (Pairs{{"a", "1"}, {"b", "2"}}));
  // Order and duplicates are kept; empty parts are skipped.
  EXPECT_EQ(parse_query("b=2&&a=1&b=3&", false), (Pairs{{"b", "2"}, {"a", "1"}, {"b", "3"}}));
  // A key without '=' has an empty value ("?versioning").
  EXPECT_EQ(parse_query("versioning", false), (Pairs{{"versioning", ""}}));
  EXPECT_EQ(parse_query("Name=", false), (Pairs{{"Name", ""}}));
  // Only the first '=' splits.
  EXPECT_EQ(parse_query("a=b=c", false), (Pairs{{"a", "b=c"}}));
  EXPECT_EQ(parse_query("k%20x=v+w", false), (Pairs{{"k x", "v+w"}}));
  EXPECT_EQ(parse_query("k%20x=v+w", true), (Pairs{{"k x", "v w"}}));
  EXPECT_EQ(parse_query("a=%26%3D", false), (Pairs{{"a", "&="}}));
  EXPECT_FALSE(parse_query("a=%zz", false));
  EXPECT_FALSE(parse_query("%=1", false));
}

TEST(Text, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  // Line breaks (MIME style) are ignored.
  EXPECT_EQ(base64_decode("Zm9v\r\nYmFy\n"), "foobar");
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
}

TEST(Text, Base64RejectsInvalidInput) {
  EXPECT_FALSE(base64_decode("Zg="));      // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zm9-"));     // URL-safe alphabet is not base64
  EXPECT_FALSE(base64_decode("Zm_v"));
  EXPECT_FALSE(base64_decode("Z==="));     // too much padding
  EXPECT_FALSE(base64_decode("=Zm9"));     // padding first
  EXPECT_FALSE(base64_decode("Zm=v"));     // padding in the middle
  EXPECT_FALSE(base64_decode("Zg==Zm9v"));  // data after padding
  EXPECT_FALSE(base64_decode("not base64 at all"));
}

TEST(Text, HexAndUtf8) {
  EXPECT_EQ(hex_encode(std::string("\x00\x0f\xff", 3)), "000fff");
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));      // truncated
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));  // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

}  // namespace
}  // namespace nuage::text
