#include "services/s3/checksum.h"

#include <array>

#include "common/text.h"

namespace nuage::services::s3 {

namespace {

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// Slicing-by-8 tables for a reflected CRC-32 polynomial.
Tables make_tables(uint32_t poly) {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i)
    for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  return t;
}

uint32_t crc_update(const Tables& t, uint32_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  while (size >= 8) {
    uint32_t lo = crc ^ (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24);
    uint32_t hi = uint32_t(p[4]) | uint32_t(p[5]) << 8 | uint32_t(p[6]) << 16 | uint32_t(p[7]) << 24;
    crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
          t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
    p += 8;
    size -= 8;
  }
  while (size--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

const Tables& crc32_tables() {
  static const Tables t = make_tables(0xEDB88320u);
  return t;
}

const Tables& crc32c_tables() {
  static const Tables t = make_tables(0x82F63B78u);
  return t;
}

}  // namespace

uint32_t crc32_update(uint32_t crc, const void* data, size_t size) {
  return crc_update(crc32_tables(), crc, data, size);
}

uint32_t crc32c_update(uint32_t crc, const void* data, size_t size) {
  return crc_update(crc32c_tables(), crc, data, size);
}

std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name) {
  std::string n = text::lower(name);
  if (n == "crc32") return ChecksumAlgorithm::kCrc32;
  if (n == "crc32c") return ChecksumAlgorithm::kCrc32c;
  if (n == "sha1") return ChecksumAlgorithm::kSha1;
  if (n == "sha256") return ChecksumAlgorithm::kSha256;
  return std::nullopt;
}

std::string checksum_name(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32: return "CRC32";
    case ChecksumAlgorithm::kCrc32c: return "CRC32C";
    case ChecksumAlgorithm::kSha1: return "SHA1";
    case ChecksumAlgorithm::kSha256: return "SHA256";
  }
  return "";
}

std::string checksum_member(ChecksumAlgorithm a) { return "Checksum" + checksum_name(a); }
std::string checksum_header(ChecksumAlgorithm a) { return "x-amz-checksum-" + text::lower(checksum_name(a)); }

Checksum::Checksum(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {
  if (algorithm == ChecksumAlgorithm::kSha1) hasher_.emplace(crypto::Algorithm::kSha1);
  if (algorithm == ChecksumAlgorithm::kSha256) hasher_.emplace(crypto::Algorithm::kSha256);
}

void Checksum::update(std::string_view data) {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32: crc_ = crc32_update(crc_, data.data(), data.size()); break;
    case ChecksumAlgorithm::kCrc32c: crc_ = crc32c_update(crc_, data.data(), data.size()); break;
    default: hasher_->update(data);
  }
}

std::string Checksum::finish() {
  if (hasher_) return hasher_->finish();
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((crc_ >> (24 - 8 * i)) & 0xff);
  crc_ = 0;
  return out;
}

std::string checksum_base64(ChecksumAlgorithm a, std::string_view data) {
  Checksum c(a);
  c.update(data);
  return text::base64_encode(c.finish());
}

}  // namespace nuage::services::s3
