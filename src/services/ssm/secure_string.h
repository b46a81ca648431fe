// SecureString parameter values, encrypted by KMS as Parameter Store does:
// Encrypt under the parameter's KeyId (alias/aws/ssm, AWS's managed key for
// SSM, by default) with the encryption context {"PARAMETER_ARN": arn}, as
// the caller, so the key's policy and the caller's permissions decide. The
// stored value is base64 of the KMS ciphertext blob — what GetParameter
// answers without WithDecryption.
//
// Values over the 4,096 bytes KMS encrypts at once (advanced-tier values,
// up to 8 KB) are sealed under a KMS data key instead (kms/envelope.h, same
// key and context, the ARN authenticated), marked "Envelope" on the
// version: the stored value is base64 of the sealed form.
//
// Values stored before SSM used KMS are kept in clear, marked by the
// absence of "Encrypted" on the document; they read as before.
//
// Thread-safety: calls another service: never with the SSM mutex held.
#pragma once

#include <string>

#include "kit/environment.h"
#include "kit/provider.h"

namespace nuage::services::ssm::secure_string {

inline constexpr const char* kDefaultKey = "alias/aws/ssm";

struct Sealed {
  std::string stored;     // base64
  bool envelope = false;  // sealed under a data key (values over 4,096 bytes)
};
// The ciphertext of `value` under `key_id` for the parameter `arn`.
Result<Sealed> encrypt(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& key_id,
                       const std::string& arn, const std::string& value);
// The value a stored ciphertext (base64) holds.
Result<std::string> decrypt(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& arn,
                            const std::string& stored, bool envelope);

}  // namespace nuage::services::ssm::secure_string
