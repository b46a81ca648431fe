#include "policy/conditions.h"

#include <arpa/inet.h>

#include <cmath>
#include <cstring>

#include "common/text.h"
#include "common/time.h"

namespace nuage::policy {

void Context::set(std::string_view key, std::string value) { keys_[text::lower(key)] = {std::move(value)}; }

void Context::set_multi(std::string_view key, std::vector<std::string> values) {
  keys_[text::lower(key)] = std::move(values);
}

void Context::erase(std::string_view key) { keys_.erase(text::lower(key)); }

const std::vector<std::string>* Context::find(std::string_view key) const {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    // Callers mostly pass compiled (lowercased) keys; others are lowered here.
    std::string lowered = text::lower(key);
    if (lowered == key) return nullptr;
    it = keys_.find(lowered);
    if (it == keys_.end()) return nullptr;
  }
  return &it->second;
}

std::optional<std::string> substitute_variables(std::string_view in, const Context& context) {
  std::string out;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t start = in.find("${", pos);
    if (start == std::string_view::npos) break;
    size_t end = in.find('}', start);
    if (end == std::string_view::npos) break;
    out.append(in.substr(pos, start - pos));
    std::string_view body = text::trim(in.substr(start + 2, end - start - 2));
    pos = end + 1;
    if (body == "*" || body == "?" || body == "$") {
      out.append(body);
      continue;
    }
    std::optional<std::string> fallback;
    if (auto comma = body.find(','); comma != std::string_view::npos) {
      std::string_view def = text::trim(body.substr(comma + 1));
      if (def.size() >= 2 && def.front() == '\'' && def.back() == '\'') fallback = std::string(def.substr(1, def.size() - 2));
      body = text::trim(body.substr(0, comma));
    }
    const auto* values = context.find(body);
    if (values && values->size() == 1) out.append((*values)[0]);
    else if (fallback) out.append(*fallback);
    else return std::nullopt;
  }
  out.append(in.substr(pos));
  return out;
}

namespace {

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || std::isnan(d)) return std::nullopt;
  return d;
}

std::optional<double> date(const std::string& s) {
  if (auto n = number(s)) return *n;  // epoch seconds
  auto t = timefmt::parse(s);
  if (!t) return std::nullopt;
  return timefmt::epoch_seconds(*t);
}

// IPv4 or IPv6 address (optionally with /prefix) in network byte order.
struct Cidr {
  int family = 0;
  unsigned char bytes[16] = {};
  int prefix = 0;
};

std::optional<Cidr> parse_cidr(const std::string& s) {
  Cidr c;
  std::string addr = s;
  int prefix = -1;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    addr = s.substr(0, slash);
    auto p = number(s.substr(slash + 1));
    if (!p) return std::nullopt;
    prefix = static_cast<int>(*p);
  }
  if (inet_pton(AF_INET, addr.c_str(), c.bytes) == 1) {
    c.family = AF_INET;
    c.prefix = prefix < 0 ? 32 : std::min(prefix, 32);
  } else if (inet_pton(AF_INET6, addr.c_str(), c.bytes) == 1) {
    c.family = AF_INET6;
    c.prefix = prefix < 0 ? 128 : std::min(prefix, 128);
  } else {
    return std::nullopt;
  }
  return c;
}

bool in_cidr(const std::string& ip, const std::string& range) {
  auto a = parse_cidr(ip);
  auto r = parse_cidr(range);
  if (!a || !r || a->family != r->family) return false;
  int bits = r->prefix;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((a->bytes[i] & mask) != (r->bytes[i] & mask)) return false;
  }
  return true;
}

// ARNs compare component by component (the resource part may hold colons).
bool arn_like(const std::string& pattern, const std::string& value) {
  auto split6 = [](const std::string& s) {
    std::vector<std::string> parts;
    size_t pos = 0;
    for (int i = 0; i < 5; ++i) {
      size_t colon = s.find(':', pos);
      if (colon == std::string::npos) return std::vector<std::string>{};
      parts.push_back(s.substr(pos, colon - pos));
      pos = colon + 1;
    }
    parts.push_back(s.substr(pos));
    return parts;
  };
  if (pattern == "*") return true;
  auto p = split6(pattern), v = split6(value);
  if (p.size() != 6 || v.size() != 6) return false;
  for (size_t i = 0; i < 6; ++i)
    if (!wildcard_match(p[i], v[i])) return false;
  return true;
}

bool is_negated(const std::string& op) {
  return op == "StringNotEquals" || op == "StringNotEqualsIgnoreCase" || op == "StringNotLike" ||
         op == "NumericNotEquals" || op == "DateNotEquals" || op == "NotIpAddress" || op == "ArnNotEquals" ||
         op == "ArnNotLike";
}

// The positive comparison of one request value against one policy value
// (negated operators are handled by the caller).
bool compare(const std::string& op, const std::string& actual, const std::string& expected) {
  if (op == "StringEquals" || op == "StringNotEquals") return actual == expected;
  if (op == "StringEqualsIgnoreCase" || op == "StringNotEqualsIgnoreCase") return text::lower(actual) == text::lower(expected);
  if (op == "StringLike" || op == "StringNotLike") return wildcard_match(expected, actual);
  if (op == "Bool") return text::lower(actual) == text::lower(expected);
  if (op == "BinaryEquals") return text::base64_encode(actual) == expected || actual == expected;
  if (op == "IpAddress" || op == "NotIpAddress") return in_cidr(actual, expected);
  if (op == "ArnEquals" || op == "ArnLike" || op == "ArnNotEquals" || op == "ArnNotLike") return arn_like(expected, actual);
  if (text::starts_with(op, "Numeric") || text::starts_with(op, "Date")) {
    bool is_date = text::starts_with(op, "Date");
    auto a = is_date ? date(actual) : number(actual);
    auto e = is_date ? date(expected) : number(expected);
    if (!a || !e) return false;
    std::string_view rel = std::string_view(op).substr(is_date ? 4 : 7);
    if (rel == "Equals" || rel == "NotEquals") return *a == *e;
    if (rel == "LessThan") return *a < *e;
    if (rel == "LessThanEquals") return *a <= *e;
    if (rel == "GreaterThan") return *a > *e;
    if (rel == "GreaterThanEquals") return *a >= *e;
  }
  return false;
}

bool any_match(const std::string& op, const std::string& actual, const std::vector<std::string>& expected) {
  for (const auto& e : expected)
    if (compare(op, actual, e)) return true;
  return false;
}

}  // namespace

bool condition_holds(const Condition& c, const Context& context, bool variables_enabled) {
  const std::vector<std::string>* actual = context.find(c.key_lower);
  if (c.op == "Null") {
    bool absent = actual == nullptr || actual->empty();
    for (const auto& v : c.values)
      if ((text::lower(v) == "true") == absent) return true;
    return false;
  }
  // Policy variables in values (string and ARN operators only).
  std::vector<std::string> substituted;
  const std::vector<std::string>* expected = &c.values;
  if (c.values_have_variables && variables_enabled &&
      (text::starts_with(c.op, "String") || text::starts_with(c.op, "Arn"))) {
    for (const auto& v : c.values)
      if (auto s = substitute_variables(v, context)) substituted.push_back(*s);
    expected = &substituted;
  }
  bool negated = is_negated(c.op);
  switch (c.set) {
    case Condition::Set::kForAllValues: {
      // Vacuously true when the request has no values for the key.
      if (!actual) return true;
      for (const auto& a : *actual) {
        bool m = any_match(c.op, a, *expected);
        if (negated ? m : !m) return false;
      }
      return true;
    }
    case Condition::Set::kForAnyValue: {
      if (!actual) return c.if_exists;
      for (const auto& a : *actual) {
        bool m = any_match(c.op, a, *expected);
        if (negated ? !m : m) return true;
      }
      return false;
    }
    case Condition::Set::kNone:
      break;
  }
  if (!actual || actual->empty()) return c.if_exists || negated;
  // A single-valued operator on a multivalued key: any value matching
  // satisfies a positive operator; a negated operator needs none to match.
  bool matched = false;
  for (const auto& a : *actual)
    if (any_match(c.op, a, *expected)) {
      matched = true;
      break;
    }
  return negated ? !matched : matched;
}

}  // namespace nuage::policy
