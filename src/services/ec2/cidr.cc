// IPv4 addresses and CIDR blocks as EC2 reads them: dotted quads, prefix
// lengths 0..32, host bits cleared.
#include "common/text.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

std::optional<uint32_t> parse_ipv4(const std::string& text) {
  auto parts = text::split(text, '.');
  if (parts.size() != 4) return std::nullopt;
  uint32_t out = 0;
  for (const auto& p : parts) {
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    unsigned long v = std::stoul(p);
    if (v > 255) return std::nullopt;
    out = (out << 8) | static_cast<uint32_t>(v);
  }
  return out;
}

std::string ipv4_text(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
         "." + std::to_string(a & 255);
}

std::optional<Cidr> parse_cidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = parse_ipv4(text.substr(0, slash));
  std::string len = text.substr(slash + 1);
  if (!ip || len.empty() || len.size() > 2 || len.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  int prefix = std::stoi(len);
  if (prefix > 32) return std::nullopt;
  // Host bits are cleared, as EC2 does (10.0.1.7/24 is 10.0.1.0/24).
  uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
  return Cidr{*ip & mask, prefix};
}

std::string Cidr::text() const { return ipv4_text(base) + "/" + std::to_string(prefix); }

bool Cidr::contains(const Cidr& o) const {
  if (o.prefix < prefix) return false;
  uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
  return (o.base & mask) == base;
}

bool Cidr::overlaps(const Cidr& o) const { return contains(o) || o.contains(*this); }

}  // namespace nuage::services::ec2
