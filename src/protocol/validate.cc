#include "protocol/validate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/regex.h"
#include "common/text.h"
#include "protocol/values.h"

namespace nuage::protocol {

namespace {

using model::Shape;
using model::Type;

enum class Wording { kCoral, kEc2, kS3 };

// One constraint a value fails.
struct Failure {
  std::string path;      // Coral's: lowercased member names, "name.N.member" in lists
  std::string ec2_path;  // EC2's: member names as sent, "Name.N" in lists
  const model::Member* member = nullptr;  // the member holding the value (S3's argument name)
  const Value* value = nullptr;           // null: the member is missing
  bool sensitive = false;
  bool is_enum = false;
  std::string constraint;
};

std::string lower_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string number_text(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 9e15) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A value as AWS's Java services print it in these messages (toString):
// lists "[a, b]", maps and structures "{k=v}", blobs as their ByteBuffer.
void render(const Value& v, std::string& out) {
  switch (v.type()) {
    case Value::value_t::string:
      out += v.get_ref<const std::string&>();
      return;
    case Value::value_t::binary: {
      std::string n = std::to_string(v.get_binary().size());
      out += "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]";
      return;
    }
    case Value::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ", ";
        first = false;
        render(item, out);
      }
      out += ']';
      return;
    }
    case Value::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, item] : v.items()) {
        if (!first) out += ", ";
        first = false;
        out += k;
        out += '=';
        render(item, out);
      }
      out += '}';
      return;
    }
    case Value::value_t::null:
      out += "null";
      return;
    default:
      out += v.dump();
  }
}

std::string length_max(double n) { return "Member must have length less than or equal to " + number_text(n); }
std::string length_min(double n) { return "Member must have length greater than or equal to " + number_text(n); }
std::string value_max(double n) { return "Member must have value less than or equal to " + number_text(n); }
std::string value_min(double n) { return "Member must have value greater than or equal to " + number_text(n); }
std::string pattern_text(const Shape& s) { return "Member must satisfy regular expression pattern: " + s.pattern; }
std::string enum_text(const Shape& s) {
  std::string out = "Member must satisfy enum value set: [";
  for (size_t i = 0; i < s.enum_values.size(); ++i) out += (i ? ", " : "") + s.enum_values[i];
  return out + "]";
}

bool is_number_type(Type t) {
  return t == Type::kInteger || t == Type::kLong || t == Type::kFloat || t == Type::kDouble;
}

// Every constraint of a scalar shape, as AWS lists them inside "Member must
// satisfy constraint: [...]" for list members and map keys and values.
std::string all_constraints(const Shape& s) {
  std::vector<std::string> parts;
  bool number = is_number_type(s.type);
  if (s.max >= 0) parts.push_back(number ? value_max(s.max) : length_max(s.max));
  if (s.min >= 0) parts.push_back(number ? value_min(s.min) : length_min(s.min));
  if (!s.pattern.empty()) parts.push_back(pattern_text(s));
  if (!s.enum_values.empty()) parts.push_back(enum_text(s));
  std::string out = "[";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + "]";
}

// The shape's compiled pattern, looked up once per shape (the slot keeps it).
const Regex* shape_pattern(const Shape& s) {
  static const char kUncompilable = 0;
  const void* cached = s.validator_cache.load(std::memory_order_acquire);
  if (cached == &kUncompilable) return nullptr;
  if (cached) return static_cast<const Regex*>(cached);
  const Regex* re = model_pattern(s.pattern);
  s.validator_cache.store(re ? static_cast<const void*>(re) : &kUncompilable, std::memory_order_release);
  return re;
}

bool pattern_matches(const Shape& s, const std::string& text) {
  const Regex* re = shape_pattern(s);
  if (!re) return true;  // PCRE2 cannot compile it: not checked (logged once)
  if (!text::is_valid_utf8(text)) return false;
  return re->match(text) != Regex::Match::kNo;  // at the match limit: not refused
}

// The constraints a scalar value fails, in the order AWS reports them.
// `is_enum` tells whether the enum is among them (EC2 words that one apart).
std::vector<std::string> scalar_failures(const Shape& s, const Value& v, bool* is_enum = nullptr) {
  std::vector<std::string> out;
  if (s.type == Type::kString && v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    if (!s.pattern.empty() && !pattern_matches(s, text)) out.push_back(pattern_text(s));
    if (!s.enum_values.empty() && !s.has_enum_value(text)) {
      out.push_back(enum_text(s));
      if (is_enum) *is_enum = true;
    }
    if (s.max >= 0 || s.min >= 0) {
      double length = static_cast<double>(text::utf8_length(text));
      if (s.max >= 0 && length > s.max) out.push_back(length_max(s.max));
      if (s.min >= 0 && length < s.min) out.push_back(length_min(s.min));
    }
  } else if (s.type == Type::kBlob && v.is_binary()) {
    double length = static_cast<double>(v.get_binary().size());
    if (s.max >= 0 && length > s.max) out.push_back(length_max(s.max));
    if (s.min >= 0 && length < s.min) out.push_back(length_min(s.min));
  } else if (is_number_type(s.type) && v.is_number()) {
    double n = v.get<double>();
    if (s.max >= 0 && n > s.max) out.push_back(value_max(s.max));
    if (s.min >= 0 && n < s.min) out.push_back(value_min(s.min));
  }
  return out;
}

// Where a value sits, as a chain of frames on the walk's stack: the strings
// AWS prints are built only for a value that fails.
struct Path {
  const Path* parent = nullptr;
  std::string_view name;  // a member name, or a map key
  size_t index = 0;       // a list element (1-based), when name is empty
  bool map_entry = false;

  // Coral's form: "tags.1.member.key" (member names lowercased).
  std::string coral() const {
    std::string out = parent ? parent->coral() : "";
    if (!parent && name.empty() && !index) return out;
    if (!out.empty()) out += '.';
    if (index) out += std::to_string(index) + ".member";
    else if (map_entry) out += std::string(name) + ".member";
    else out += lower_first(std::string(name));
    return out;
  }
  // EC2's: "TagSpecification.1.Tag" (names as the model spells them).
  std::string ec2() const {
    std::string out = parent ? parent->ec2() : "";
    if (!parent && name.empty() && !index) return out;
    if (!out.empty()) out += '.';
    out += index ? std::to_string(index) : std::string(name);
    return out;
  }
};

bool is_aggregate(const Shape& s) {
  return s.type == Type::kStructure || s.type == Type::kList || s.type == Type::kMap;
}

class Validator {
 public:
  explicit Validator(Wording wording) : wording_(wording) {}
  std::vector<Failure> failures;

  void structure(const Shape& shape, const Value& value, const Path& path) {
    if (!value.is_object() || shape.document) return;
    for (const auto& m : shape.members) {
      Path child{&path, m.name};
      auto it = value.find(m.name);
      if (it == value.end() || it->is_null()) {
        // Streaming payloads come from the body, never in the Value.
        if (shape.required.count(m.name) && !m.is_streaming()) {
          Failure f;
          f.path = child.coral();
          f.ec2_path = child.ec2();
          f.member = &m;
          failures.push_back(std::move(f));
        }
        continue;
      }
      if (m.shape->constrained) member(m, *m.shape, *it, child);
    }
  }

 private:
  void fail(const model::Member& m, const Shape& shape, const Value& v, const Path& path, std::string constraint,
            bool is_enum = false) {
    Failure f;
    f.path = path.coral();
    f.ec2_path = path.ec2();
    f.member = &m;
    f.value = &v;
    f.sensitive = shape.sensitive || (shape.type == Type::kList && shape.member.shape->sensitive) ||
                  (shape.type == Type::kMap && shape.value.shape->sensitive);
    f.is_enum = is_enum;
    f.constraint = std::move(constraint);
    failures.push_back(std::move(f));
  }

  // `m` holds `v` of `shape` (the member itself, or its list element or map value).
  void member(const model::Member& m, const Shape& shape, const Value& v, const Path& path) {
    switch (shape.type) {
      case Type::kStructure:
        structure(shape, v, path);
        return;
      case Type::kList: {
        if (!v.is_array()) return;
        size_t n = v.size();
        if (shape.max >= 0 && static_cast<double>(n) > shape.max) fail(m, shape, v, path, length_max(shape.max));
        if (shape.min >= 0 && static_cast<double>(n) < shape.min) fail(m, shape, v, path, length_min(shape.min));
        const Shape& item = *shape.member.shape;
        if (!item.constrained) return;
        if (is_aggregate(item)) {
          for (size_t i = 0; i < n; ++i) member(m, item, v[i], Path{&path, {}, i + 1});
          return;
        }
        for (const auto& element : v) {
          bool is_enum = false;
          if (!scalar_failures(item, element, &is_enum).empty()) {
            if (wording_ == Wording::kCoral)
              fail(m, shape, v, path, "Member must satisfy constraint: " + all_constraints(item));
            else  // EC2 and S3 name the element that fails
              fail(m, item, element, path, scalar_failures(item, element).front(), is_enum);
            return;
          }
        }
        return;
      }
      case Type::kMap: {
        if (!v.is_object()) return;
        double n = static_cast<double>(v.size());
        if (shape.max >= 0 && n > shape.max) fail(m, shape, v, path, length_max(shape.max));
        if (shape.min >= 0 && n < shape.min) fail(m, shape, v, path, length_min(shape.min));
        const Shape& key = *shape.key.shape;
        const Shape& value = *shape.value.shape;
        if (key.constrained) {
          for (const auto& [k, item] : v.items()) {
            if (!scalar_failures(key, Value(k)).empty()) {
              fail(m, shape, v, path, "Map keys must satisfy constraint: " + all_constraints(key));
              break;
            }
          }
        }
        if (!value.constrained) return;
        for (const auto& [k, item] : v.items()) {
          if (is_aggregate(value)) {
            member(m, value, item, Path{&path, k, 0, true});
          } else if (!scalar_failures(value, item).empty()) {
            fail(m, shape, v, path, "Map value must satisfy constraint: " + all_constraints(value));
            return;
          }
        }
        return;
      }
      default: {
        bool is_enum = false;
        for (auto& c : scalar_failures(shape, v, &is_enum)) {
          bool this_is_enum = is_enum && c.rfind("Member must satisfy enum", 0) == 0;
          fail(m, shape, v, path, std::move(c), this_is_enum);
        }
      }
    }
  }

  Wording wording_;
};

// The code of a Coral validation error: ValidationError over query,
// ValidationException otherwise, but for the services that answer these
// with an error of their own model.
std::string coral_code(const model::Service& service, std::string_view style) {
  if (service.name == "logs") return "InvalidParameterException";
  return style == "query" ? "ValidationError" : "ValidationException";
}

AwsError coral_error(const std::vector<Failure>& failures, const std::string& code) {
  std::string message = std::to_string(failures.size()) +
                        (failures.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < failures.size(); ++i) {
    const Failure& f = failures[i];
    if (i) message += "; ";
    if (!f.value) {
      message += "Value null at '" + f.path + "' failed to satisfy constraint: Member must not be null";
      continue;
    }
    if (f.sensitive) {
      message += "Value at '";
    } else {
      message += "Value '";
      render(*f.value, message);
      message += "' at '";
    }
    message += f.path + "' failed to satisfy constraint: " + f.constraint;
  }
  return AwsError{code, std::move(message), 400};
}

AwsError ec2_error(const Failure& f) {
  if (!f.value) return AwsError{"MissingParameter", "The request must contain the parameter " + f.ec2_path, 400};
  std::string shown;
  render(*f.value, shown);
  if (f.is_enum) return AwsError{"InvalidParameterValue", "Invalid value '" + shown + "' for " + f.ec2_path + ".", 400};
  return AwsError{"InvalidParameterValue",
                  "Value (" + shown + ") for parameter " + lower_first(f.ec2_path) + " is invalid. " + f.constraint, 400};
}

AwsError s3_error(const Failure& f) {
  if (!f.value)  // S3 answers a missing body or header before any check of ours
    return AwsError{"InvalidRequest", "Missing required parameter " + wire_name(*f.member), 400};
  if (f.member->shape->name == "StorageClass")
    return AwsError{"InvalidStorageClass", "The storage class you specified is not valid", 400,
                    Value{{"StorageClassRequested", f.value->is_string() ? f.value->get<std::string>() : ""}}};
  std::string shown;
  render(*f.value, shown);
  return AwsError{"InvalidArgument", "Value '" + shown + "' at '" + wire_name(*f.member) +
                                         "' failed to satisfy constraint: " + f.constraint,
                  400, Value{{"ArgumentName", wire_name(*f.member)}, {"ArgumentValue", shown}}};
}

}  // namespace

Status validate_input(const model::Service& service, const model::Shape& shape, const Value& value,
                      std::string_view style) {
  if (!shape.constrained) return Status::Ok();
  Wording wording = style == "ec2" ? Wording::kEc2 : style == "rest-xml" ? Wording::kS3 : Wording::kCoral;
  Validator v(wording);
  v.structure(shape, value, Path{});
  if (v.failures.empty()) return Status::Ok();
  if (wording == Wording::kEc2) return ec2_error(v.failures.front());
  if (wording == Wording::kS3) return s3_error(v.failures.front());
  return coral_error(v.failures, coral_code(service, style));
}

}  // namespace nuage::protocol
