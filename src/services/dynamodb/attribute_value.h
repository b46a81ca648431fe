// DynamoDB attribute values ({"S": ...}, {"N": ...}, {"M": {...}}, ...) as
// the protocol layer hands them over (blobs are binary Values): validation
// with AWS's messages, numbers with DynamoDB's 38-digit decimal precision,
// ordering, item sizes as DynamoDB meters them, the byte-sortable key
// encoding items are stored under, and the stored form of an item.
//
// Numbers are exact decimals (never doubles): a sign, up to 38 significant
// digits and an exponent, magnitudes from 1E-130 to under 1E+126, as
// DynamoDB keeps them; they are answered in canonical form (no leading or
// trailing zeros, no exponent: "1.50" comes back "1.5").
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::dynamodb {

using kit::Value;

// value = (negative ? -1 : 1) × 0.d1d2d3… × 10^exponent; zero has no digits.
struct Number {
  bool negative = false;
  std::string digits;  // '1'..'9' first, no trailing '0'
  int exponent = 0;
  bool is_zero() const { return digits.empty(); }
};

inline constexpr size_t kMaxNumberDigits = 38;
inline constexpr int64_t kMaxItemBytes = 400 * 1024;

// Parses DynamoDB's number syntax ("-1.5e3", ".5", "007"); an error with
// AWS's message when it is not a number or exceeds precision or range.
Result<Number> parse_number(std::string_view text);
std::string number_text(const Number& n);
int compare_numbers(const Number& a, const Number& b);  // <0, 0, >0
// Exact sum; the result is checked like a parsed number (38 digits, range).
Result<Number> add_numbers(const Number& a, const Number& b);
Number negated(Number n);

// The one type name of an attribute value ("S", "N", "M", ...); "" if the
// value is not a well-formed attribute value.
std::string type_of(const Value& av);

// Checks an attribute value recursively (exactly one type, numbers, sets
// non-empty and without duplicates, NULL true), with AWS's messages, and
// answers it in canonical form (numbers normalized).
Result<Value> validate(const Value& av, int depth = 0);
// The same for an item (a map of attribute values).
Result<Value> validate_item(const Value& item);

// DynamoDB's comparison of two values of the same scalar type (S by UTF-8
// bytes, N numerically, B by unsigned bytes); nullopt when the types differ
// or are not comparable.
std::optional<int> compare_values(const Value& a, const Value& b);
bool values_equal(const Value& a, const Value& b);

// Sizes as DynamoDB meters them.
int64_t value_size(const Value& av);
int64_t item_size(const Value& item);

// The byte-sortable encoding of a key attribute (S, N or B) as hex text:
// memcmp order of two encodings is DynamoDB's order of the values.
std::string encode_key(const Value& av);

// An item to and from the text stored in the database (JSON; blobs in
// base64), losing nothing.
std::string stored_form(const Value& item);
Value from_stored_form(const std::string& text);

}  // namespace nuage::services::dynamodb
