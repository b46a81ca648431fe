// The checksums S3 accepts beside Content-MD5 (x-amz-checksum-crc32,
// -crc32c, -sha1, -sha256): incremental computation, so bodies of any size
// are checked while they stream to disk. CRC32 and CRC32C (Castagnoli) are
// table-driven slicing-by-8 here; OpenSSL has neither.
// Values travel base64-encoded, big-endian for the CRCs, as S3 sends them.
// Thread-safety: Checksum is single-owner; free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.h"

namespace nuage::services::s3 {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kSha1, kSha256 };
inline constexpr ChecksumAlgorithm kAllChecksums[] = {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                                                      ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

// "CRC32", "crc32c", ... -> algorithm (case-insensitive).
std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name);
std::string checksum_name(ChecksumAlgorithm a);    // "CRC32"
std::string checksum_member(ChecksumAlgorithm a);  // "ChecksumCRC32" (model member)
std::string checksum_header(ChecksumAlgorithm a);  // "x-amz-checksum-crc32"

uint32_t crc32_update(uint32_t crc, const void* data, size_t size);   // zlib-compatible
uint32_t crc32c_update(uint32_t crc, const void* data, size_t size);  // Castagnoli

class Checksum {
 public:
  explicit Checksum(ChecksumAlgorithm algorithm);
  ChecksumAlgorithm algorithm() const { return algorithm_; }
  void update(std::string_view data);
  // Raw digest bytes (4 big-endian bytes for CRCs).
  std::string finish();

 private:
  ChecksumAlgorithm algorithm_;
  uint32_t crc_ = 0;
  std::optional<crypto::Hasher> hasher_;
};

// base64 of the raw digest of `data` (for small inputs and tests).
std::string checksum_base64(ChecksumAlgorithm a, std::string_view data);

}  // namespace nuage::services::s3
