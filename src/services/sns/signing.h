// The key SNS signs its messages with, and the certificate subscribers
// verify them by (SigningCertURL). An RSA 2048 key and a self-signed X.509
// certificate, made on first use and kept in <work>/sns/ so signatures still
// verify after a restart. SignatureVersion 1 is SHA1withRSA, 2 is
// SHA256withRSA, over AWS's string to sign (the message's fields as
// "Name\nvalue\n" in AWS's order).
//
// Thread-safety: all members are safe from any thread (the key is made once,
// under a mutex).
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::sns {

class Signer {
 public:
  explicit Signer(std::filesystem::path folder) : folder_(std::move(folder)) {}
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // The base64 signature of a notification or confirmation (its members:
  // Type, Message, MessageId, Subject, SubscribeURL, Timestamp, Token,
  // TopicArn) under SignatureVersion "1" or "2".
  Result<std::string> sign(const kit::Value& message, const std::string& version);
  // The certificate, PEM.
  Result<std::string> certificate();
  // The string AWS signs for a message (exposed for tests).
  static std::string string_to_sign(const kit::Value& message);

 private:
  Status load_or_make();  // caller holds mutex_

  std::filesystem::path folder_;
  std::mutex mutex_;
  void* key_ = nullptr;  // EVP_PKEY*
  std::string certificate_;
};

}  // namespace nuage::services::sns
