// Depth- and size-bounded parsing of client documents (documents.h).
#include "common/documents.h"

#include <gtest/gtest.h>

namespace nuage::documents {
namespace {

std::string nested_json(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(Documents, JsonWithinTheLimitParses) {
  auto p = parse_json(R"({"a": [1, {"b": "c"}]})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value["a"][1]["b"], "c");
  EXPECT_TRUE(parse_json(nested_json(limits::kMaxDocumentDepth)).ok());
}

TEST(Documents, JsonTooDeepIsRefusedWithoutBuildingIt) {
  auto p = parse_json(nested_json(limits::kMaxDocumentDepth + 1));
  EXPECT_EQ(p.failure, Failure::kTooDeep);
  EXPECT_TRUE(p.value.is_discarded());
  // 100,000 levels of objects: refused, no stack overflow.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(100000, '}');
  EXPECT_EQ(parse_json(deep).failure, Failure::kTooDeep);
  EXPECT_TRUE(parse_json_or_discarded(deep).is_discarded());
}

TEST(Documents, JsonSyntaxErrorsAndInvalidUtf8) {
  EXPECT_EQ(parse_json("{\"a\":").failure, Failure::kSyntax);
  EXPECT_EQ(parse_json("{\"a\":\"\xFF\"}").failure, Failure::kSyntax);
  EXPECT_TRUE(parse_json_or_discarded("nope").is_discarded());
}

std::string cbor_array_header(uint64_t count) {
  std::string out = "\x9B";  // array, 8-byte length
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((count >> (8 * i)) & 0xFF));
  return out;
}

TEST(Documents, CborParsesMapsTagsAndIndefiniteItems) {
  // {"a": 1(1700000000), "b": [_ "x", "y"]} with an indefinite array.
  const char raw[] = "\xA2\x61" "a" "\xC1\x1A\x65\x53\xF1\x00" "\x61" "b" "\x9F\x61" "x" "\x61" "y" "\xFF";
  std::string bytes(raw, sizeof raw - 1);
  auto p = parse_cbor(bytes);
  ASSERT_TRUE(p.ok()) << static_cast<int>(p.failure);
  EXPECT_EQ(p.value["a"], 1700000000);  // the tag is dropped
  EXPECT_EQ(p.value["b"][1], "y");
}

TEST(Documents, CborHostileHeadersAndNesting) {
  // An array claiming 2^62 elements: refused, no allocation, no exception.
  EXPECT_EQ(parse_cbor(cbor_array_header(uint64_t{1} << 62)).failure, Failure::kTooLarge);
  // A text string claiming more bytes than there are.
  EXPECT_EQ(parse_cbor("\x7A\x7F\xFF\xFF\xFF" "abc").failure, Failure::kTooLarge);
  // 100,000 nested arrays, maps and tags.
  EXPECT_EQ(parse_cbor(std::string(100000, '\x81') + "\x01").failure, Failure::kTooDeep);
  std::string maps;
  for (int i = 0; i < 100000; ++i) maps += "\xA1\x61" "a";
  EXPECT_EQ(parse_cbor(maps + "\x01").failure, Failure::kTooDeep);
  EXPECT_EQ(parse_cbor(std::string(100000, '\xC6') + "\x01").failure, Failure::kTooDeep);
  EXPECT_EQ(parse_cbor(std::string(100000, '\x9F')).failure, Failure::kTooDeep);
  // Invalid UTF-8 in a text string; truncated input; trailing bytes.
  EXPECT_EQ(parse_cbor("\x62\xC3\x28").failure, Failure::kInvalidUtf8);
  EXPECT_EQ(parse_cbor("\xA1").failure, Failure::kTooLarge);
  EXPECT_EQ(parse_cbor("\x19\x01").failure, Failure::kSyntax);
  EXPECT_EQ(parse_cbor("\x01\x02").failure, Failure::kSyntax);
  EXPECT_EQ(parse_cbor("\xFF").failure, Failure::kSyntax);
}

}  // namespace
}  // namespace nuage::documents
