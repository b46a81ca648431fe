// Hashes and MACs (Nettle), one-shot and incremental; random bytes from the
// kernel (getrandom).
// Results are raw bytes; use text::hex_encode for the hex form.
// Thread-safety: Hasher is single-owner; free functions are pure.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace nuage::crypto {

enum class Algorithm { kMd5, kSha1, kSha256 };

std::string sha256(std::string_view data);
std::string md5(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hmac_sha1(std::string_view key, std::string_view data);  // S3 SigV2 presigned URLs
std::string random_bytes(size_t n);
// Equality that takes the same time wherever the first difference is:
// comparing signatures and MACs without leaking how much matched.
bool constant_time_equal(std::string_view a, std::string_view b);
// A random (version 4) UUID in its usual text form: request ids, event ids.
std::string random_uuid();

// Incremental digest, for bodies too large to hold in memory.
class Hasher {
 public:
  explicit Hasher(Algorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  void update(std::string_view data);
  std::string finish();  // raw digest; the hasher is reset afterwards

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nuage::crypto
