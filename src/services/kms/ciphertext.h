// The ciphertext blob of a symmetric KMS key: which key and which version of
// its material sealed it, and the AES-256-GCM output. Like AWS's blob it
// names its key, so Decrypt needs no KeyId; the key's ARN carries the
// account and region, so a blob is only ever opened by that key there.
//
//   "NKM" 0x01 | u8 length | key ARN | u32 material version (big endian) | iv | ciphertext | tag
//
// The header and the encryption context (canonical: sorted keys, each key
// and value length-prefixed) are the GCM additional data: a changed header
// or a different context fails authentication (InvalidCiphertextException).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kit/value.h"

namespace nuage::services::kms::ciphertext {

struct Header {
  std::string key_arn;
  uint32_t version = 0;  // index of the key's material
};

std::string header(const Header& h);
// The header and where the sealed part starts; nullopt if `blob` is not one of ours.
struct Parsed {
  Header header;
  std::string_view header_bytes, sealed;
};
std::optional<Parsed> parse(std::string_view blob);

// The additional authenticated data of a blob with `header_bytes` under `context` (an object of strings).
std::string additional_data(std::string_view header_bytes, const kit::Value& context);

}  // namespace nuage::services::kms::ciphertext
