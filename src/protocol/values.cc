#include "protocol/values.h"

#include <cmath>
#include <cstdio>

#include "common/limits.h"
#include "common/text.h"
#include "common/time.h"

namespace nuage::protocol {

using model::Type;

const std::string& wire_name(const model::Member& member) {
  if (!member.location_name.empty()) return member.location_name;
  if (member.shape && !member.shape->location_name.empty()) return member.shape->location_name;
  return member.name;
}

bool is_flattened(const model::Member& member) {
  return member.flattened || (member.shape && member.shape->flattened);
}

std::string format_timestamp(double seconds, std::string_view format) {
  auto tp = timefmt::from_epoch_seconds(seconds);
  if (format == "rfc822") return timefmt::rfc1123(tp);
  if (format == "unixTimestamp") {
    char buf[64];
    if (seconds == std::floor(seconds)) {
      std::snprintf(buf, sizeof buf, "%.0f", seconds);
    } else {
      std::snprintf(buf, sizeof buf, "%.3f", seconds);
    }
    return buf;
  }
  bool millis = seconds != std::floor(seconds);
  return timefmt::iso8601(tp, millis);
}

AwsError document_too_deep(const std::string& error_code) {
  return AwsError{error_code,
                  "The request is nested deeper than " + std::to_string(limits::kMaxDocumentDepth) + " levels", 400};
}

Result<Value> scalar_from_text(const model::Shape& shape, std::string_view text, const std::string& field,
                               const std::string& error_code) {
  auto bad = [&](const char* what) {
    return AwsError{error_code, "Invalid value for parameter " + field + ": '" + std::string(text) +
                                    "' is not a valid " + what,
                    400};
  };
  switch (shape.type) {
    case Type::kString:
      if (!text::is_valid_utf8(text))
        return AwsError{error_code, "Invalid value for parameter " + field + ": not valid UTF-8", 400};
      return Value(std::string(text));
    case Type::kBoolean: {
      std::string t = text::lower(text::trim(text));
      if (t == "true") return Value(true);
      if (t == "false") return Value(false);
      return bad("boolean");
    }
    case Type::kInteger:
    case Type::kLong: {
      std::string t(text::trim(text));
      if (t.empty()) return bad("integer");
      char* end = nullptr;
      errno = 0;
      long long v = std::strtoll(t.c_str(), &end, 10);
      if (*end != '\0' || errno == ERANGE) return bad("integer");
      if (shape.type == Type::kInteger && (v > INT32_MAX || v < INT32_MIN)) return bad("integer");
      return Value(static_cast<int64_t>(v));
    }
    case Type::kFloat:
    case Type::kDouble: {
      std::string t(text::trim(text));
      char* end = nullptr;
      double v = std::strtod(t.c_str(), &end);
      if (t.empty() || *end != '\0') return bad("number");
      return Value(v);
    }
    case Type::kTimestamp: {
      auto tp = timefmt::parse(text::trim(text));
      if (!tp) return bad("timestamp");
      return Value(timefmt::epoch_seconds(*tp));
    }
    case Type::kBlob: {
      auto bytes = text::base64_decode(text);
      if (!bytes) return bad("base64 blob");
      return make_blob(std::move(*bytes));
    }
    default:
      return bad("scalar");
  }
}

std::string scalar_to_text(const model::Shape& shape, const Value& value,
                           std::string_view timestamp_default) {
  switch (shape.type) {
    case Type::kBoolean:
      return value.is_boolean() ? (value.get<bool>() ? "true" : "false") : value.dump();
    case Type::kTimestamp: {
      auto secs = timestamp_seconds(value);
      if (!secs) return value.is_string() ? value.get<std::string>() : "";
      return format_timestamp(*secs, shape.timestamp_format.empty() ? timestamp_default
                                                                     : std::string_view(shape.timestamp_format));
    }
    case Type::kBlob:
      return text::base64_encode(blob_bytes(value));
    case Type::kFloat:
    case Type::kDouble: {
      if (!value.is_number()) return value.is_string() ? value.get<std::string>() : "";
      double d = value.get<double>();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return Value(d).dump();
    }
    default:
      if (value.is_string()) return value.get<std::string>();
      if (value.is_null()) return "";
      return value.dump();
  }
}

}  // namespace nuage::protocol
