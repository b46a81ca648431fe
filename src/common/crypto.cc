#include "common/crypto.h"

#include "common/text.h"

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

// Nettle rather than OpenSSL for digests and MACs: OpenSSL 3 activates its
// default provider on the first digest (about 5 ms and 1.7 MB of resident
// libcrypto), which every server start paid on its first signed request.
// OpenSSL stays where asymmetric keys are made (ec2/keypairs.cc).
namespace nuage::crypto {

static const nettle_hash* algorithm_of(Algorithm a) {
  switch (a) {
    case Algorithm::kMd5: return &nettle_md5;
    case Algorithm::kSha1: return &nettle_sha1;
    case Algorithm::kSha256: return &nettle_sha256;
  }
  return &nettle_sha256;
}

struct Hasher::Impl {
  const nettle_hash* hash = nullptr;
  std::vector<uint8_t> context;
};

Hasher::Hasher(Algorithm algorithm) : impl_(std::make_unique<Impl>()) {
  impl_->hash = algorithm_of(algorithm);
  impl_->context.resize(impl_->hash->context_size);
  impl_->hash->init(impl_->context.data());
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(std::string_view data) {
  impl_->hash->update(impl_->context.data(), data.size(), reinterpret_cast<const uint8_t*>(data.data()));
}

std::string Hasher::finish() {
  std::string out(impl_->hash->digest_size, '\0');
  // Nettle's digest also re-initializes the context.
  impl_->hash->digest(impl_->context.data(), out.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

static std::string digest(Algorithm a, std::string_view data) {
  Hasher h(a);
  h.update(data);
  return h.finish();
}

std::string sha256(std::string_view data) { return digest(Algorithm::kSha256, data); }
std::string md5(std::string_view data) { return digest(Algorithm::kMd5, data); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  hmac_sha256_ctx ctx;
  hmac_sha256_set_key(&ctx, key.size(), reinterpret_cast<const uint8_t*>(key.data()));
  hmac_sha256_update(&ctx, data.size(), reinterpret_cast<const uint8_t*>(data.data()));
  std::string out(SHA256_DIGEST_SIZE, '\0');
  hmac_sha256_digest(&ctx, out.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  hmac_sha1_ctx ctx;
  hmac_sha1_set_key(&ctx, key.size(), reinterpret_cast<const uint8_t*>(key.data()));
  hmac_sha1_update(&ctx, data.size(), reinterpret_cast<const uint8_t*>(data.data()));
  std::string out(SHA1_DIGEST_SIZE, '\0');
  hmac_sha1_digest(&ctx, out.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

// The kernel's CSPRNG: cryptographically strong, no library state to set up.
bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && memeql_sec(a.data(), b.data(), a.size());
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t filled = 0;
  while (filled < n) {
    ssize_t got = getrandom(out.data() + filled, n - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
    }
    filled += static_cast<size_t>(got);
  }
  return out;
}

std::string random_uuid() {
  std::string b = random_bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  std::string h = text::hex_encode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace nuage::crypto
