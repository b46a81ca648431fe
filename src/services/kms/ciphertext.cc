#include "services/kms/ciphertext.h"

namespace nuage::services::kms::ciphertext {

namespace {

constexpr std::string_view kMagic = "NKM\x01";

void append_length(std::string& out, size_t n) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
}

}  // namespace

std::string header(const Header& h) {
  std::string out(kMagic);
  out.push_back(static_cast<char>(h.key_arn.size()));
  out += h.key_arn;
  append_length(out, h.version);
  return out;
}

std::optional<Parsed> parse(std::string_view blob) {
  if (blob.size() < kMagic.size() + 1 || blob.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  size_t arn_size = static_cast<unsigned char>(blob[kMagic.size()]);
  size_t header_size = kMagic.size() + 1 + arn_size + 4;
  if (blob.size() < header_size) return std::nullopt;
  Parsed p;
  p.header.key_arn = std::string(blob.substr(kMagic.size() + 1, arn_size));
  for (size_t i = header_size - 4; i < header_size; ++i)
    p.header.version = (p.header.version << 8) | static_cast<unsigned char>(blob[i]);
  p.header_bytes = blob.substr(0, header_size);
  p.sealed = blob.substr(header_size);
  return p;
}

std::string additional_data(std::string_view header_bytes, const kit::Value& context) {
  std::string out(header_bytes);
  if (context.is_object())
    for (const auto& [k, v] : context.items()) {  // nlohmann objects iterate in key order
      std::string value = v.is_string() ? v.get<std::string>() : v.dump();
      append_length(out, k.size());
      out += k;
      append_length(out, value.size());
      out += value;
    }
  return out;
}

}  // namespace nuage::services::kms::ciphertext
