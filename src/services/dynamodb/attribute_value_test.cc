#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "services/dynamodb/attribute_value.h"

namespace nuage::services::dynamodb {
namespace {

std::string canonical(const std::string& text) {
  auto n = parse_number(text);
  EXPECT_TRUE(n.ok()) << text;
  return n.ok() ? number_text(*n) : "";
}

std::string number_refusal(const std::string& text) {
  auto n = parse_number(text);
  EXPECT_FALSE(n.ok()) << text;
  return n.ok() ? "" : n.error().message;
}

TEST(DynamoNumbers, CanonicalForms) {
  EXPECT_EQ(canonical("1.50"), "1.5");
  EXPECT_EQ(canonical("007"), "7");
  EXPECT_EQ(canonical("-0"), "0");
  EXPECT_EQ(canonical("0.000"), "0");
  EXPECT_EQ(canonical(".5"), "0.5");
  EXPECT_EQ(canonical("+12e3"), "12000");
  EXPECT_EQ(canonical("1.2345E2"), "123.45");
  EXPECT_EQ(canonical("-5e-3"), "-0.005");
  EXPECT_EQ(canonical("12345678901234567890123456789012345678"), "12345678901234567890123456789012345678");
  EXPECT_EQ(canonical("1E125"), "1" + std::string(125, '0'));
  EXPECT_EQ(canonical("1e-130"), "0." + std::string(129, '0') + "1");
}

TEST(DynamoNumbers, RefusedWithAwsMessages) {
  EXPECT_EQ(number_refusal("abc"), "A value provided cannot be converted into a number");
  EXPECT_EQ(number_refusal(""), "A value provided cannot be converted into a number");
  EXPECT_EQ(number_refusal("1e"), "A value provided cannot be converted into a number");
  EXPECT_EQ(number_refusal("1.2.3"), "A value provided cannot be converted into a number");
  EXPECT_EQ(number_refusal(" 1"), "A value provided cannot be converted into a number");
  EXPECT_EQ(number_refusal("123456789012345678901234567890123456789"),
            "Attempting to store more than 38 significant digits in a Number");
  EXPECT_EQ(number_refusal("1e126"),
            "Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(number_refusal("1e-131"),
            "Number underflow. Attempting to store a number with magnitude smaller than supported range");
  EXPECT_EQ(number_refusal("1e99999999999999999999"),
            "Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(canonical("0e99999999999999999999"), "0");
}

TEST(DynamoNumbers, ExactArithmetic) {
  auto sum = [](const std::string& a, const std::string& b) {
    auto x = parse_number(a), y = parse_number(b);
    auto s = add_numbers(*x, *y);
    return s.ok() ? number_text(*s) : s.error().message;
  };
  EXPECT_EQ(sum("0.1", "0.2"), "0.3");  // not 0.30000000000000004
  EXPECT_EQ(sum("1", "-1"), "0");
  EXPECT_EQ(sum("-5", "3"), "-2");
  EXPECT_EQ(sum("99999999999999999999999999999999999999", "-1"), "99999999999999999999999999999999999998");
  EXPECT_EQ(sum("99999999999999999999999999999999999999", "1"), "1" + std::string(38, '0'));  // one digit
  EXPECT_EQ(sum("99999999999999999999999999999999999999", "0.1"),
            "Attempting to store more than 38 significant digits in a Number");
  EXPECT_EQ(sum("1e100", "1e-20"), "Attempting to store more than 38 significant digits in a Number");
  EXPECT_EQ(sum("123.456", "0.544"), "124");
}

TEST(DynamoNumbers, OrderingAndKeyEncodingAgree) {
  std::vector<std::string> sorted = {"-1e125", "-1000", "-10.5", "-10", "-9.99", "-1", "-0.5", "-0.05", "-1e-130",
                                     "0", "1e-130", "0.05", "0.5", "1", "9.99", "10", "10.5", "1000", "1e125"};
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    auto a = parse_number(sorted[i]), b = parse_number(sorted[i + 1]);
    EXPECT_LT(compare_numbers(*a, *b), 0) << sorted[i] << " < " << sorted[i + 1];
    EXPECT_LT(encode_key(Value{{"N", sorted[i]}}), encode_key(Value{{"N", sorted[i + 1]}}))
        << sorted[i] << " < " << sorted[i + 1];
  }
  EXPECT_EQ(encode_key(Value{{"N", "1.50"}}), encode_key(Value{{"N", "1.5"}}));
  // Random numbers: the encoding sorts as the numbers do.
  std::mt19937 rng(7);
  std::vector<std::string> numbers;
  for (int i = 0; i < 500; ++i) {
    std::string n = (rng() % 2 ? "-" : "") + std::to_string(rng() % 100000) + "." + std::to_string(rng() % 1000) +
                    "e" + std::to_string(static_cast<int>(rng() % 40) - 20);
    numbers.push_back(n);
  }
  std::vector<std::string> by_value = numbers, by_key = numbers;
  std::stable_sort(by_value.begin(), by_value.end(), [](const std::string& a, const std::string& b) {
    return compare_numbers(*parse_number(a), *parse_number(b)) < 0;
  });
  std::stable_sort(by_key.begin(), by_key.end(), [](const std::string& a, const std::string& b) {
    return encode_key(Value{{"N", a}}) < encode_key(Value{{"N", b}});
  });
  for (size_t i = 0; i < numbers.size(); ++i)
    EXPECT_EQ(compare_numbers(*parse_number(by_value[i]), *parse_number(by_key[i])), 0);
}

TEST(DynamoValues, ValidationMessages) {
  auto refused = [](const Value& av) {
    auto v = validate(av);
    return v.ok() ? std::string("accepted") : v.error().message;
  };
  EXPECT_EQ(refused(Value::object()), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  EXPECT_EQ(refused(Value{{"S", "a"}, {"N", "1"}}),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
  EXPECT_EQ(refused(Value{{"SS", Value::array()}}), "One or more parameter values were invalid: An string set  may not be empty");
  EXPECT_EQ(refused(Value{{"SS", {"a", "a"}}}),
            "One or more parameter values were invalid: Input collection [a, a] contains duplicates.");
  EXPECT_EQ(refused(Value{{"NS", {"1", "1.0"}}}),
            "One or more parameter values were invalid: Input collection [1, 1.0] contains duplicates.");
  EXPECT_EQ(refused(Value{{"NULL", false}}),
            "One or more parameter values were invalid: Null attribute value types must have the value of true");
  Value deep = Value{{"S", "x"}};
  for (int i = 0; i < 40; ++i) deep = Value{{"L", Value::array({deep})}};
  EXPECT_EQ(refused(deep), "Nesting Levels have exceeded supported limits");
  auto ok = validate(Value{{"M", {{"n", {{"N", "01.10"}}}, {"s", {{"NS", {"2.0", "3"}}}}}}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["M"]["n"]["N"], "1.1");
  EXPECT_EQ((*ok)["M"]["s"]["NS"], (Value{"2", "3"}));
}

TEST(DynamoValues, SizesAsDynamoMetersThem) {
  EXPECT_EQ(item_size(Value{{"pk", {{"S", "abc"}}}}), 2 + 3);
  EXPECT_EQ(item_size(Value{{"n", {{"N", "12345"}}}}), 1 + 3 + 1);  // 5 digits: 3 bytes + 1
  EXPECT_EQ(item_size(Value{{"b", {{"B", kit::make_blob("\x01\x02")}}}}), 1 + 2);
  EXPECT_EQ(item_size(Value{{"t", {{"BOOL", true}}}, {"z", {{"NULL", true}}}}), 2 + 2);
  EXPECT_EQ(item_size(Value{{"l", {{"L", {{{"S", "ab"}}, {{"N", "1"}}}}}}}), 1 + 3 + (1 + 2) + (1 + 2));
  EXPECT_EQ(item_size(Value{{"m", {{"M", {{"k", {{"S", "v"}}}}}}}}), 1 + 3 + (1 + 1 + 1));
  EXPECT_EQ(item_size(Value{{"ss", {{"SS", {"a", "bc"}}}}}), 2 + 3);
}

TEST(DynamoValues, StoredFormRoundTrips) {
  Value item = {{"b", {{"B", kit::make_blob(std::string("\x00\xff", 2))}}},
                {"bs", {{"BS", {kit::make_blob("x"), kit::make_blob("y")}}}},
                {"nested", {{"L", {{{"M", {{"inner", {{"B", kit::make_blob("z")}}}}}}}}}},
                {"s", {{"S", "text"}}}};
  EXPECT_EQ(from_stored_form(stored_form(item)), item);
}

TEST(DynamoValues, OrderOfStringsAndBinaryIsUnsignedBytes) {
  EXPECT_LT(*compare_values(Value{{"S", "Z"}}, Value{{"S", "a"}}), 0);
  EXPECT_LT(*compare_values(Value{{"S", "a"}}, Value{{"S", "\xc3\xa9"}}), 0);  // é after every ASCII letter
  EXPECT_LT(*compare_values(Value{{"B", kit::make_blob("\x01")}}, Value{{"B", kit::make_blob("\xff")}}), 0);
  EXPECT_LT(encode_key(Value{{"S", "a"}}), encode_key(Value{{"S", "\xc3\xa9"}}));
  EXPECT_LT(encode_key(Value{{"S", "ab"}}), encode_key(Value{{"S", "b"}}));
  EXPECT_FALSE(compare_values(Value{{"S", "1"}}, Value{{"N", "1"}}).has_value());
}

}  // namespace
}  // namespace nuage::services::dynamodb
