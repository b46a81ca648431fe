// Envelope encryption, as AWS services use KMS for values larger than the
// 4,096 bytes KMS encrypts at once (Secrets Manager's secrets, Parameter
// Store's advanced SecureStrings): GenerateDataKey under `key_id` with the
// given encryption context, as the caller (so the key policy and the
// caller's permissions decide); the value sealed with AES-256-GCM under the
// data key, with `aad` authenticated; only the data key's KMS ciphertext
// kept beside it. Opening asks KMS to decrypt the data key each time, so a
// disabled or deleted key stops reads as it does on AWS.
//
// Sealed form: 4 bytes (big endian) length of the KMS blob | KMS blob |
// AES-GCM iv | ciphertext | tag.
//
// Errors are KMS's own; a sealed value that is damaged or was sealed for
// another `aad` answers InvalidCiphertextException.
//
// Thread-safety: calls KMS through the environment; callers must not hold
// their own service's mutex.
#pragma once

#include <string>
#include <string_view>

#include "kit/environment.h"
#include "kit/provider.h"

namespace nuage::services::kms::envelope {

Result<std::string> seal(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& key_id,
                         const kit::Value& context, std::string_view aad, std::string_view plaintext);
Result<std::string> open(const kit::Environment& env, const kit::RequestContext& ctx, const kit::Value& context,
                         std::string_view aad, std::string_view sealed);

}  // namespace nuage::services::kms::envelope
