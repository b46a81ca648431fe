#include "services/eventbridge/pattern.h"

#include <arpa/inet.h>

#include "common/text.h"
#include "services/eventbridge/errors.h"

namespace nuage::services::eventbridge {

using nlohmann::json;

namespace {

AwsError invalid(const std::string& reason) {
  return errors("InvalidEventPatternException", "Event pattern is not valid. Reason: " + reason);
}

bool wildcard(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool ieq(const std::string& a, const std::string& b) { return text::lower(a) == text::lower(b); }

bool parse_cidr(const std::string& cidr, uint32_t& net, uint32_t& mask) {
  auto slash = cidr.find('/');
  std::string ip = cidr.substr(0, slash);
  int bits = slash == std::string::npos ? 32 : std::atoi(cidr.c_str() + slash + 1);
  in_addr addr{};
  if (inet_pton(AF_INET, ip.c_str(), &addr) != 1 || bits < 0 || bits > 32) return false;
  mask = bits == 0 ? 0 : ~uint32_t(0) << (32 - bits);
  net = ntohl(addr.s_addr) & mask;
  return true;
}

Status validate_matcher(const json& m) {
  if (!m.is_object()) return Status::Ok();  // literal
  if (m.size() != 1) return invalid("Only one key allowed in match expression");
  const std::string& key = m.begin().key();
  const json& v = m.begin().value();
  if (key == "prefix" || key == "suffix") {
    if (v.is_string()) return Status::Ok();
    if (v.is_object() && v.size() == 1 && v.contains("equals-ignore-case") && v["equals-ignore-case"].is_string())
      return Status::Ok();
    return invalid(key + " match pattern must be a string");
  }
  if (key == "equals-ignore-case" || key == "wildcard") {
    if (!v.is_string()) return invalid(key + " match pattern must be a string");
    return Status::Ok();
  }
  if (key == "exists") {
    if (!v.is_boolean()) return invalid("exists match pattern must be either true or false.");
    return Status::Ok();
  }
  if (key == "cidr") {
    uint32_t n, mk;
    if (!v.is_string() || !parse_cidr(v, n, mk)) return invalid("Malformed CIDR, one '/' required");
    return Status::Ok();
  }
  if (key == "numeric") {
    if (!v.is_array() || v.empty() || v.size() % 2) return invalid("Value of numeric must be an array.");
    for (size_t i = 0; i < v.size(); i += 2) {
      std::string op = v[i].is_string() ? v[i].get<std::string>() : "";
      if (op != "<" && op != "<=" && op != "=" && op != ">" && op != ">=") return invalid("Unrecognized numeric range operator: " + op);
      if (!v[i + 1].is_number()) return invalid("Value of " + op + " must be numeric");
    }
    return Status::Ok();
  }
  if (key == "anything-but") {
    if (v.is_object()) {
      if (v.size() != 1) return invalid("Only one key allowed in match expression");
      const std::string& inner = v.begin().key();
      const json& iv = v.begin().value();
      if ((inner == "prefix" || inner == "suffix" || inner == "equals-ignore-case" || inner == "wildcard") &&
          (iv.is_string() || iv.is_array()))
        return Status::Ok();
      return invalid("Unsupported anything-but pattern: " + inner);
    }
    return Status::Ok();
  }
  return invalid("Unrecognized match type " + key);
}

Status validate_object(const json& p) {
  if (!p.is_object()) return invalid("Filter is not an object");
  for (const auto& [key, v] : p.items()) {
    if (key == "$or") {
      if (!v.is_array() || v.size() < 2) return invalid("Value of $or must be an array of at least 2 objects");
      for (const auto& alt : v) NUAGE_TRY(validate_object(alt));
      continue;
    }
    if (v.is_object()) {
      NUAGE_TRY(validate_object(v));
    } else if (v.is_array()) {
      if (v.empty()) return invalid("Empty arrays are not allowed");
      for (const auto& m : v) NUAGE_TRY(validate_matcher(m));
    } else {
      return invalid("Match value must be String, number, true, false, or null");
    }
  }
  return Status::Ok();
}

bool literal_equals(const json& want, const json& have) {
  if (want.is_number() && have.is_number()) return want.get<double>() == have.get<double>();
  return want == have;
}

bool string_list_contains(const json& list, const std::function<bool(const std::string&)>& test) {
  if (list.is_string()) return test(list.get<std::string>());
  for (const auto& item : list)
    if (item.is_string() && test(item.get<std::string>())) return true;
  return false;
}

// Does one (non-array) event value match one matcher?
bool value_matches(const json& m, const json& v) {
  if (!m.is_object()) return literal_equals(m, v);
  const std::string& key = m.begin().key();
  const json& arg = m.begin().value();
  if (key == "prefix" || key == "suffix") {
    if (!v.is_string()) return false;
    std::string s = v.get<std::string>();
    bool ignore_case = arg.is_object();
    std::string want = ignore_case ? arg["equals-ignore-case"].get<std::string>() : arg.get<std::string>();
    if (ignore_case) {
      s = text::lower(s);
      want = text::lower(want);
    }
    return key == "prefix" ? text::starts_with(s, want) : text::ends_with(s, want);
  }
  if (key == "equals-ignore-case") return v.is_string() && ieq(v.get<std::string>(), arg.get<std::string>());
  if (key == "wildcard") return v.is_string() && wildcard(arg.get<std::string>(), v.get<std::string>());
  if (key == "numeric") {
    if (!v.is_number()) return false;
    double x = v.get<double>();
    for (size_t i = 0; i < arg.size(); i += 2) {
      std::string op = arg[i];
      double bound = arg[i + 1].get<double>();
      bool ok = op == "<" ? x < bound : op == "<=" ? x <= bound : op == "=" ? x == bound : op == ">" ? x > bound : x >= bound;
      if (!ok) return false;
    }
    return true;
  }
  if (key == "cidr") {
    uint32_t net, mask;
    in_addr addr{};
    if (!v.is_string() || !parse_cidr(arg, net, mask)) return false;
    if (inet_pton(AF_INET, v.get<std::string>().c_str(), &addr) != 1) return false;
    return (ntohl(addr.s_addr) & mask) == net;
  }
  if (key == "anything-but") {
    if (arg.is_object()) {
      const std::string& inner = arg.begin().key();
      const json& iv = arg.begin().value();
      if (!v.is_string()) return true;
      std::string s = v.get<std::string>();
      bool hit = string_list_contains(iv, [&](const std::string& w) {
        if (inner == "prefix") return text::starts_with(s, w);
        if (inner == "suffix") return text::ends_with(s, w);
        if (inner == "equals-ignore-case") return ieq(s, w);
        return wildcard(w, s);
      });
      return !hit;
    }
    if (arg.is_array()) {
      for (const auto& a : arg)
        if (literal_equals(a, v)) return false;
      return true;
    }
    return !literal_equals(arg, v);
  }
  return false;
}

bool object_matches(const json& pattern, const json& event);

bool field_matches(const json& matchers, const json* value) {
  for (const auto& m : matchers) {
    if (m.is_object() && m.contains("exists")) {
      bool want = m["exists"].get<bool>();
      // A field exists when present and not an object (leaf) — arrays count.
      bool present = value && !value->is_object() && !(value->is_array() && value->empty());
      if (want == present) return true;
      continue;
    }
    if (!value) continue;
    if (value->is_array()) {
      for (const auto& item : *value)
        if (value_matches(m, item)) return true;
    } else if (value_matches(m, *value)) {
      return true;
    }
  }
  return false;
}

bool object_matches(const json& pattern, const json& event) {
  for (const auto& [key, p] : pattern.items()) {
    if (key == "$or") {
      bool any = false;
      for (const auto& alt : p)
        if (object_matches(alt, event)) {
          any = true;
          break;
        }
      if (!any) return false;
      continue;
    }
    const json* value = nullptr;
    if (event.is_object()) {
      auto it = event.find(key);
      if (it != event.end()) value = &*it;
    }
    if (p.is_object()) {
      if (!value || !value->is_object()) {
        // Nested pattern against a missing object: only exists:false leaves can match.
        if (!object_matches(p, json::object())) return false;
        continue;
      }
      if (!object_matches(p, *value)) return false;
    } else if (!field_matches(p, value)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Status validate_pattern(const json& pattern) {
  if (!pattern.is_object()) return invalid("Filter is not an object");
  return validate_object(pattern);
}

bool pattern_matches(const json& pattern, const json& event) { return object_matches(pattern, event); }

}  // namespace nuage::services::eventbridge
