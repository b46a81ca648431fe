#include "services/dynamodb/attribute_value.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "common/text.h"
#include "services/dynamodb/provider.h"

namespace nuage::services::dynamodb {

namespace {

constexpr int kMaxExponent = 126;   // under 1E+126
constexpr int kMinExponent = -129;  // 1E-130 = 0.1 × 10^-129
constexpr int kMaxNesting = 32;
constexpr std::array<const char*, 10> kTypes = {"B", "BOOL", "BS", "L", "M", "N", "NS", "NULL", "S", "SS"};

AwsError not_a_number() { return validation("A value provided cannot be converted into a number"); }

Result<Number> checked(Number n) {
  if (n.is_zero()) return Number{};
  if (n.digits.size() > kMaxNumberDigits)
    return validation("Attempting to store more than 38 significant digits in a Number");
  if (n.exponent > kMaxExponent)
    return validation("Number overflow. Attempting to store a number with magnitude larger than supported range");
  if (n.exponent < kMinExponent)
    return validation("Number underflow. Attempting to store a number with magnitude smaller than supported range");
  return n;
}

// Normalizes digits D with value 0.D × 10^exponent: leading zeros move the
// point, trailing zeros go.
Number normalized(bool negative, std::string digits, int64_t exponent) {
  size_t lead = digits.find_first_not_of('0');
  if (lead == std::string::npos) return Number{};
  exponent -= static_cast<int64_t>(lead);
  digits.erase(0, lead);
  digits.erase(digits.find_last_not_of('0') + 1);
  Number n;
  n.negative = negative;
  n.digits = std::move(digits);
  // Far outside the range either way: clamp, the range check refuses it.
  n.exponent = static_cast<int>(std::clamp<int64_t>(exponent, -100000, 100000));
  return n;
}

// |a| vs |b|.
int compare_magnitudes(const Number& a, const Number& b) {
  if (a.is_zero() || b.is_zero()) return (a.is_zero() ? 0 : 1) - (b.is_zero() ? 0 : 1);
  if (a.exponent != b.exponent) return a.exponent < b.exponent ? -1 : 1;
  int c = a.digits.compare(b.digits);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// Digit strings of equal length, most significant first.
std::string add_digits(const std::string& a, const std::string& b) {
  std::string out(a.size() + 1, '0');
  int carry = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int d = (a[i] - '0') + (b[i] - '0') + carry;
    out[i + 1] = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  out[0] = static_cast<char>('0' + carry);
  return out;
}
// a - b with a >= b, equal lengths.
std::string subtract_digits(const std::string& a, const std::string& b) {
  std::string out(a.size(), '0');
  int borrow = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int d = (a[i] - '0') - (b[i] - '0') - borrow;
    borrow = d < 0;
    out[i] = static_cast<char>('0' + (d + 10) % 10);
  }
  return out;
}

std::string set_name(const std::string& type) {
  return type == "SS" ? "string" : type == "NS" ? "number" : "binary";
}

// The collection as AWS prints it in "Input collection [...] contains duplicates."
std::string listed(const Value& elements, bool binary) {
  std::string out = "[";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i) out += ", ";
    out += binary ? text::base64_encode(kit::blob_bytes(elements[i])) : elements[i].get<std::string>();
  }
  return out + "]";
}

Value to_stored(const Value& av) {
  std::string type = type_of(av);
  if (type == "B") return Value{{"B", text::base64_encode(kit::blob_bytes(av["B"]))}};
  if (type == "BS") {
    Value out = Value::array();
    for (const auto& b : av["BS"]) out.push_back(text::base64_encode(kit::blob_bytes(b)));
    return Value{{"BS", out}};
  }
  if (type == "L") {
    Value out = Value::array();
    for (const auto& e : av["L"]) out.push_back(to_stored(e));
    return Value{{"L", out}};
  }
  if (type == "M") {
    Value out = Value::object();
    for (const auto& [k, v] : av["M"].items()) out[k] = to_stored(v);
    return Value{{"M", out}};
  }
  return av;
}

Value from_stored(const Value& av) {
  std::string type = type_of(av);
  auto blob = [](const Value& text) { return kit::make_blob(text::base64_decode(text.get<std::string>()).value_or("")); };
  if (type == "B") return Value{{"B", blob(av["B"])}};
  if (type == "BS") {
    Value out = Value::array();
    for (const auto& b : av["BS"]) out.push_back(blob(b));
    return Value{{"BS", out}};
  }
  if (type == "L") {
    Value out = Value::array();
    for (const auto& e : av["L"]) out.push_back(from_stored(e));
    return Value{{"L", out}};
  }
  if (type == "M") {
    Value out = Value::object();
    for (const auto& [k, v] : av["M"].items()) out[k] = from_stored(v);
    return Value{{"M", out}};
  }
  return av;
}

}  // namespace

Result<Number> parse_number(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string digits;
  int64_t point = 0;
  bool seen_point = false, any_digit = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (digits.empty() && c == '0') {  // a leading zero: only moves the point
        if (seen_point) --point;
        continue;
      }
      digits += c;
      if (!seen_point) ++point;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return not_a_number();
  int64_t exponent = 0;
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return not_a_number();
    ++i;
    bool negative_exponent = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative_exponent = text[i++] == '-';
    if (i == text.size()) return not_a_number();
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return not_a_number();
      if (exponent < 1000000) exponent = exponent * 10 + (text[i] - '0');
    }
    if (negative_exponent) exponent = -exponent;
  }
  return checked(normalized(negative, digits, point + exponent));
}

std::string number_text(const Number& n) {
  if (n.is_zero()) return "0";
  std::string out = n.negative ? "-" : "";
  int size = static_cast<int>(n.digits.size());
  if (n.exponent <= 0) out += "0." + std::string(-n.exponent, '0') + n.digits;
  else if (n.exponent >= size) out += n.digits + std::string(n.exponent - size, '0');
  else out += n.digits.substr(0, n.exponent) + "." + n.digits.substr(n.exponent);
  return out;
}

int compare_numbers(const Number& a, const Number& b) {
  int sign_a = a.is_zero() ? 0 : a.negative ? -1 : 1;
  int sign_b = b.is_zero() ? 0 : b.negative ? -1 : 1;
  if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
  int c = compare_magnitudes(a, b);
  return sign_a < 0 ? -c : c;
}

Number negated(Number n) {
  if (!n.is_zero()) n.negative = !n.negative;
  return n;
}

Result<Number> add_numbers(const Number& a, const Number& b) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;
  // Both as integers times 10^scale.
  int64_t low_a = a.exponent - static_cast<int64_t>(a.digits.size());
  int64_t low_b = b.exponent - static_cast<int64_t>(b.digits.size());
  int64_t scale = std::min(low_a, low_b);
  int64_t high = std::max<int64_t>(a.exponent, b.exponent);
  size_t width = static_cast<size_t>(high - scale);
  auto widened = [&](const Number& n, int64_t low) {
    std::string s(static_cast<size_t>(high - n.exponent), '0');
    s += n.digits;
    s += std::string(static_cast<size_t>(low - scale), '0');
    return s;
  };
  std::string wa = widened(a, low_a), wb = widened(b, low_b);
  (void)width;
  if (a.negative == b.negative)
    return checked(normalized(a.negative, add_digits(wa, wb), high + 1));
  int c = compare_magnitudes(a, b);
  if (c == 0) return Number{};
  const std::string& big = c > 0 ? wa : wb;
  const std::string& small = c > 0 ? wb : wa;
  bool negative = c > 0 ? a.negative : b.negative;
  return checked(normalized(negative, subtract_digits(big, small), high));
}

std::string type_of(const Value& av) {
  if (!av.is_object() || av.size() != 1) return "";
  const std::string& key = av.begin().key();
  for (const char* t : kTypes)
    if (key == t) return key;
  return "";
}

Result<Value> validate(const Value& av, int depth) {
  if (depth > kMaxNesting) return validation("Nesting Levels have exceeded supported limits");
  if (!av.is_object() || av.empty())
    return validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  if (av.size() > 1)
    return validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
                      "supported datatypes");
  std::string type = type_of(av);
  const Value& v = av.begin().value();
  if (type.empty())
    return validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  if (type == "N") {
    if (!v.is_string()) return not_a_number();
    auto n = parse_number(v.get<std::string>());
    if (!n) return n.take_error();
    return Value{{"N", number_text(*n)}};
  }
  if (type == "NULL") {
    if (!v.is_boolean() || !v.get<bool>())
      return validation("One or more parameter values were invalid: Null attribute value types must have the value of true");
    return av;
  }
  if (type == "SS" || type == "NS" || type == "BS") {
    if (!v.is_array() || v.empty())
      return validation("One or more parameter values were invalid: An " + set_name(type) + " set  may not be empty");
    Value out = Value::array();
    std::set<std::string> seen;
    for (const auto& e : v) {
      std::string key;
      if (type == "NS") {
        if (!e.is_string()) return not_a_number();
        auto n = parse_number(e.get<std::string>());
        if (!n) return n.take_error();
        key = number_text(*n);
        out.push_back(key);
      } else {
        key = type == "BS" ? kit::blob_bytes(e) : e.get<std::string>();
        out.push_back(e);
      }
      if (!seen.insert(key).second)
        return validation("One or more parameter values were invalid: Input collection " + listed(v, type == "BS") +
                          " contains duplicates.");
    }
    return Value{{type, out}};
  }
  if (type == "L") {
    Value out = Value::array();
    for (const auto& e : v) {
      auto checked_element = validate(e, depth + 1);
      if (!checked_element) return checked_element.take_error();
      out.push_back(std::move(*checked_element));
    }
    return Value{{"L", out}};
  }
  if (type == "M") {
    Value out = Value::object();
    for (const auto& [k, e] : v.items()) {
      auto checked_element = validate(e, depth + 1);
      if (!checked_element) return checked_element.take_error();
      out[k] = std::move(*checked_element);
    }
    return Value{{"M", out}};
  }
  return av;  // S, B, BOOL: the protocol layer checked their types
}

Result<Value> validate_item(const Value& item) {
  Value out = Value::object();
  for (const auto& [name, av] : item.items()) {
    auto checked_value = validate(av);
    if (!checked_value) return checked_value.take_error();
    out[name] = std::move(*checked_value);
  }
  return out;
}

std::optional<int> compare_values(const Value& a, const Value& b) {
  std::string ta = type_of(a), tb = type_of(b);
  if (ta != tb) return std::nullopt;
  auto sign = [](int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; };
  if (ta == "S") return sign(a["S"].get_ref<const std::string&>().compare(b["S"].get_ref<const std::string&>()));
  if (ta == "B") return sign(kit::blob_bytes(a["B"]).compare(kit::blob_bytes(b["B"])));
  if (ta == "N") {
    auto na = parse_number(a["N"].get<std::string>()), nb = parse_number(b["N"].get<std::string>());
    if (!na || !nb) return std::nullopt;
    return compare_numbers(*na, *nb);
  }
  return std::nullopt;
}

bool values_equal(const Value& a, const Value& b) {
  std::string ta = type_of(a), tb = type_of(b);
  if (ta != tb || ta.empty()) return false;
  if (ta == "S" || ta == "B" || ta == "N") return compare_values(a, b) == 0;
  if (ta == "BOOL" || ta == "NULL") return a == b;
  const Value& va = a[ta];
  const Value& vb = b[tb];
  if (ta == "L") {
    if (va.size() != vb.size()) return false;
    for (size_t i = 0; i < va.size(); ++i)
      if (!values_equal(va[i], vb[i])) return false;
    return true;
  }
  if (ta == "M") {
    if (va.size() != vb.size()) return false;
    for (const auto& [k, v] : va.items())
      if (!vb.contains(k) || !values_equal(v, vb[k])) return false;
    return true;
  }
  // Sets: the same elements in any order.
  if (va.size() != vb.size()) return false;
  const char* element = ta == "SS" ? "S" : ta == "NS" ? "N" : "B";
  for (const auto& x : va) {
    bool found = false;
    for (const auto& y : vb) found = found || values_equal(Value{{element, x}}, Value{{element, y}});
    if (!found) return false;
  }
  return true;
}

int64_t value_size(const Value& av) {
  std::string type = type_of(av);
  const Value& v = av.begin().value();
  auto number_size = [](const std::string& text) -> int64_t {
    auto n = parse_number(text);
    return n ? static_cast<int64_t>((n->digits.size() + 1) / 2 + 1) : 1;
  };
  if (type == "S") return static_cast<int64_t>(v.get_ref<const std::string&>().size());
  if (type == "N") return number_size(v.get<std::string>());
  if (type == "B") return static_cast<int64_t>(kit::blob_bytes(v).size());
  if (type == "BOOL" || type == "NULL") return 1;
  int64_t size = 0;
  if (type == "SS")
    for (const auto& e : v) size += static_cast<int64_t>(e.get_ref<const std::string&>().size());
  if (type == "NS")
    for (const auto& e : v) size += number_size(e.get<std::string>());
  if (type == "BS")
    for (const auto& e : v) size += static_cast<int64_t>(kit::blob_bytes(e).size());
  if (type == "L") {
    size = 3;
    for (const auto& e : v) size += 1 + value_size(e);
  }
  if (type == "M") {
    size = 3;
    for (const auto& [k, e] : v.items()) size += 1 + static_cast<int64_t>(k.size()) + value_size(e);
  }
  return size;
}

int64_t item_size(const Value& item) {
  int64_t size = 0;
  for (const auto& [name, av] : item.items()) size += static_cast<int64_t>(name.size()) + value_size(av);
  return size;
}

std::string encode_key(const Value& av) {
  std::string type = type_of(av);
  if (type == "S") return text::hex_encode(av["S"].get_ref<const std::string&>());
  if (type == "B") return text::hex_encode(kit::blob_bytes(av["B"]));
  auto n = parse_number(av["N"].get<std::string>());
  if (!n || n->is_zero()) return "2";
  // Sign, then the exponent (biased to three digits, inverted for
  // negatives), then the digits (complemented for negatives, closed by ':'
  // which sorts after every complemented digit, so a longer magnitude
  // sorts first).
  char exponent[16];  // three digits: the exponent is within the range
  int biased = n->exponent + 200;
  std::snprintf(exponent, sizeof exponent, "%03d", n->negative ? 999 - biased : biased);
  if (!n->negative) return "3" + std::string(exponent) + n->digits;
  std::string digits = n->digits;
  for (char& c : digits) c = static_cast<char>('9' - (c - '0'));
  return "1" + std::string(exponent) + digits + ":";
}

std::string stored_form(const Value& item) {
  Value out = Value::object();
  for (const auto& [name, av] : item.items()) out[name] = to_stored(av);
  return out.dump();
}

Value from_stored_form(const std::string& stored) {
  Value parsed = Value::parse(stored);
  Value out = Value::object();
  for (const auto& [name, av] : parsed.items()) out[name] = from_stored(av);
  return out;
}

}  // namespace nuage::services::dynamodb
