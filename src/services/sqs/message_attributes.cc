#include "services/sqs/message_attributes.h"

#include <cctype>
#include <cstdlib>

#include "common/text.h"
#include "services/sqs/provider.h"

namespace nuage::services::sqs {

namespace {

constexpr size_t kMaxAttributes = 10;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 256 || name.front() == '.' || name.back() == '.') return false;
  if (name.find("..") != std::string::npos) return false;
  std::string lowered = text::lower(name);
  if (text::starts_with(lowered, "aws.") || text::starts_with(lowered, "amazon.")) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

bool is_number(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end && *end == '\0' && !std::isspace(static_cast<unsigned char>(s.front()));
}

// The type's base: "String", "Number", "Binary", or "" (not allowed).
std::string base_type(const std::string& type) {
  for (const char* base : {"String", "Number", "Binary"})
    if (type == base || text::starts_with(type, std::string(base) + ".")) return base;
  return "";
}

Result<StoredAttributes> read(const kit::Value& given, bool system) {
  StoredAttributes out;
  if (!given.is_object()) return out;
  const char* kind = system ? "system" : "user";
  if (!system && given.size() > kMaxAttributes)
    return errors("InvalidParameterValue", "Number of message attributes [" + std::to_string(given.size()) +
                                               "] exceeds the allowed maximum [10].");
  for (const auto& [name, value] : given.items()) {
    if (system ? name != "AWSTraceHeader" : !valid_name(name))
      return errors("InvalidParameterValue",
                    std::string("Message ") + (system ? "system " : "(user) ") + "attribute name '" + name + "' is invalid.");
    std::string type = value.value("DataType", "");
    std::string base = base_type(type);
    if (base.empty() || type.size() > 256 || (system && type != "String"))
      return errors("InvalidParameterValue", std::string("The type of message (") + kind + ") attribute '" + name +
                                                 "' is invalid. You must use only the following supported type "
                                                 "prefixes: Binary, Number, String.");
    kit::Value stored = {{"DataType", type}};
    size_t value_bytes = 0;
    if (base == "Binary") {
      auto it = value.find("BinaryValue");
      std::string bytes = it == value.end() ? "" : kit::blob_bytes(*it);
      if (bytes.empty())
        return errors("InvalidParameterValue", std::string("Message (") + kind + ") attribute '" + name +
                                                   "' must contain a non-empty value of type 'Binary'.");
      value_bytes = bytes.size();
      stored["BinaryValue"] = text::base64_encode(bytes);
    } else {
      std::string s = value.value("StringValue", "");
      if (s.empty())
        return errors("InvalidParameterValue", std::string("Message (") + kind + ") attribute '" + name +
                                                   "' must contain a non-empty value of type '" + base + "'.");
      if (base == "Number" && !is_number(s))
        return errors("InvalidParameterValue", "Could not cast message attribute '" + name + "' value to number.");
      if (!valid_message_text(s))
        return errors("InvalidParameterValue", std::string("Message (") + kind + ") attribute '" + name +
                                                   "' contains invalid characters.");
      value_bytes = s.size();
      stored["StringValue"] = s;
    }
    out.bytes += name.size() + type.size() + value_bytes;
    out.attributes[name] = std::move(stored);
  }
  return out;
}

}  // namespace

Result<StoredAttributes> user_attributes(const kit::Value& given) { return read(given, false); }
Result<StoredAttributes> system_attributes(const kit::Value& given) { return read(given, true); }

kit::Value select_attributes(const kit::Value& stored, const kit::Value& names) {
  kit::Value out = kit::Value::object();
  if (!names.is_array()) return out;
  for (const auto& [name, value] : stored.items())
    for (const auto& n : names) {
      std::string want = n.is_string() ? n.get<std::string>() : "";
      bool match = want == "All" || want == ".*" || want == name ||
                   (want.size() > 2 && text::ends_with(want, ".*") &&
                    text::starts_with(name, want.substr(0, want.size() - 1)));
      if (match) {
        out[name] = value;
        break;
      }
    }
  return out;
}

kit::Value output_attributes(const kit::Value& stored) {
  kit::Value out = kit::Value::object();
  for (const auto& [name, value] : stored.items()) {
    kit::Value v = {{"DataType", value.value("DataType", "")}};
    if (auto b = value.find("BinaryValue"); b != value.end())
      v["BinaryValue"] = kit::make_blob(text::base64_decode(b->get<std::string>()).value_or(""));
    else
      v["StringValue"] = value.value("StringValue", "");
    out[name] = std::move(v);
  }
  return out;
}

bool valid_message_text(const std::string& body) {
  if (!text::is_valid_utf8(body)) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  const auto* end = p + body.size();
  while (p < end) {
    uint32_t c;
    if (*p < 0x80) {
      c = *p++;
    } else if ((*p >> 5) == 0x6) {
      c = ((p[0] & 0x1f) << 6) | (p[1] & 0x3f);
      p += 2;
    } else if ((*p >> 4) == 0xe) {
      c = ((p[0] & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
      p += 3;
    } else {
      c = ((p[0] & 0x07) << 18) | ((p[1] & 0x3f) << 12) | ((p[2] & 0x3f) << 6) | (p[3] & 0x3f);
      p += 4;
    }
    bool ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
              (c >= 0x10000 && c <= 0x10FFFF);
    if (!ok) return false;
  }
  return true;
}

}  // namespace nuage::services::sqs
