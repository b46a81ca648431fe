#include "protocol/json_codec.h"

#include <cmath>

#include "common/text.h"
#include "protocol/values.h"

namespace nuage::protocol::json {

using model::Type;

static AwsError type_error(const std::string& code, const std::string& path, const char* expected) {
  return AwsError{code, "Value at '" + path + "' is not a valid " + expected, 400};
}

Result<Value> from_wire(const Value& wire, const model::Shape& shape, const std::string& code,
                        const std::string& path) {
  if (wire.is_null()) return Value();
  if (shape.document) return wire;
  switch (shape.type) {
    case Type::kStructure: {
      if (!wire.is_object()) return type_error(code, path, "structure");
      Value out = Value::object();
      for (const auto& m : shape.members) {
        if (!m.location.empty()) continue;
        auto it = wire.find(wire_name(m));
        if (it == wire.end()) continue;
        auto v = from_wire(*it, *m.shape, code, path.empty() ? m.name : path + "." + m.name);
        if (!v) return v;
        if (!v->is_null()) out[m.name] = std::move(*v);
      }
      return out;
    }
    case Type::kList: {
      if (!wire.is_array()) return type_error(code, path, "list");
      Value out = Value::array();
      for (const auto& item : wire) {
        auto v = from_wire(item, *shape.member.shape, code, path + ".member");
        if (!v) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case Type::kMap: {
      if (!wire.is_object()) return type_error(code, path, "map");
      Value out = Value::object();
      for (const auto& [k, item] : wire.items()) {
        auto v = from_wire(item, *shape.value.shape, code, path + "." + k);
        if (!v) return v;
        out[k] = std::move(*v);
      }
      return out;
    }
    case Type::kString:
      if (!wire.is_string()) return type_error(code, path, "string");
      return wire;
    case Type::kBoolean:
      if (!wire.is_boolean()) return type_error(code, path, "boolean");
      return wire;
    case Type::kInteger:
    case Type::kLong:
      if (!wire.is_number_integer()) return type_error(code, path, "integer");
      return wire;
    case Type::kFloat:
    case Type::kDouble:
      if (wire.is_number()) return wire;
      if (wire.is_string()) {  // "NaN", "Infinity", "-Infinity"
        const auto& s = wire.get_ref<const std::string&>();
        if (s == "NaN") return Value(std::nan(""));
        if (s == "Infinity") return Value(HUGE_VAL);
        if (s == "-Infinity") return Value(-HUGE_VAL);
      }
      return type_error(code, path, "number");
    case Type::kTimestamp: {
      auto secs = timestamp_seconds(wire);
      if (!secs) return type_error(code, path, "timestamp");
      return Value(*secs);
    }
    case Type::kBlob: {
      if (!wire.is_string()) return type_error(code, path, "blob");
      auto bytes = text::base64_decode(wire.get_ref<const std::string&>());
      if (!bytes) return type_error(code, path, "base64 blob");
      return make_blob(std::move(*bytes));
    }
  }
  return wire;
}

Value to_wire(const Value& value, const model::Shape& shape) {
  if (value.is_null() || shape.document) return value;
  switch (shape.type) {
    case Type::kStructure: {
      Value out = Value::object();
      if (!value.is_object()) return out;
      for (const auto& m : shape.members) {
        if (!m.location.empty()) continue;
        auto it = value.find(m.name);
        if (it == value.end() || it->is_null()) continue;
        out[wire_name(m)] = to_wire(*it, *m.shape);
      }
      return out;
    }
    case Type::kList: {
      Value out = Value::array();
      if (value.is_array())
        for (const auto& item : value) out.push_back(to_wire(item, *shape.member.shape));
      return out;
    }
    case Type::kMap: {
      Value out = Value::object();
      if (value.is_object())
        for (const auto& [k, item] : value.items()) out[k] = to_wire(item, *shape.value.shape);
      return out;
    }
    case Type::kTimestamp: {
      auto secs = timestamp_seconds(value);
      if (!secs) return value;
      if (shape.timestamp_format == "iso8601" || shape.timestamp_format == "rfc822")
        return format_timestamp(*secs, shape.timestamp_format);
      return Value(*secs);
    }
    case Type::kBlob:
      return text::base64_encode(blob_bytes(value));
    case Type::kFloat:
    case Type::kDouble:
      if (value.is_number_float()) {
        double d = value.get<double>();
        if (std::isnan(d)) return "NaN";
        if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      }
      return value;
    default:
      return value;
  }
}

}  // namespace nuage::protocol::json
