#include "services/sqs/message_digest.h"

#include <cstdint>

#include "common/crypto.h"
#include "common/text.h"

namespace nuage::services::sqs {

namespace {

void append_field(std::string& out, const std::string& bytes) {
  uint32_t n = static_cast<uint32_t>(bytes.size());
  out.push_back(static_cast<char>((n >> 24) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out += bytes;
}

}  // namespace

std::string md5_of_body(const std::string& body) { return text::hex_encode(crypto::md5(body)); }

std::string md5_of_attributes(const kit::Value& stored_attributes) {
  if (!stored_attributes.is_object() || stored_attributes.empty()) return "";
  std::string encoded;
  // nlohmann's object keeps its keys sorted by byte order: AWS's name order.
  for (const auto& [name, value] : stored_attributes.items()) {
    append_field(encoded, name);
    append_field(encoded, value.value("DataType", ""));
    if (auto binary = value.find("BinaryValue"); binary != value.end() && binary->is_string()) {
      encoded.push_back(2);
      append_field(encoded, text::base64_decode(binary->get<std::string>()).value_or(""));
    } else {
      encoded.push_back(1);
      append_field(encoded, value.value("StringValue", ""));
    }
  }
  return text::hex_encode(crypto::md5(encoded));
}

}  // namespace nuage::services::sqs
