#include "services/sns/signing.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "common/text.h"

namespace nuage::services::sns {

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

Signer::~Signer() {
  if (key_) EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

Status Signer::load_or_make() {
  if (key_) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  auto key_path = folder_ / "signing-key.pem", cert_path = folder_ / "signing-cert.pem";
  if (std::filesystem::exists(key_path) && std::filesystem::exists(cert_path)) {
    std::string pem = read_file(key_path);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key) {
      key_ = key;
      certificate_ = read_file(cert_path);
      return Status::Ok();
    }
  }
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (!key) return AwsError{"InternalError", "cannot make the SNS signing key", 500};
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400L * 365 * 10);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * 365 * 100);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("sns.localhost"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!X509_sign(cert.get(), key, EVP_sha256())) {
    EVP_PKEY_free(key);
    return AwsError{"InternalError", "cannot sign the SNS certificate", 500};
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> kb(BIO_new(BIO_s_mem()), BIO_free), cb(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(kb.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(cb.get(), cert.get());
  std::string key_pem = bio_text(kb.get());
  certificate_ = bio_text(cb.get());
  {
    std::ofstream k(key_path, std::ios::binary | std::ios::trunc);
    k << key_pem;
    std::ofstream c(cert_path, std::ios::binary | std::ios::trunc);
    c << certificate_;
  }
  std::filesystem::permissions(key_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  key_ = key;
  return Status::Ok();
}

std::string Signer::string_to_sign(const kit::Value& message) {
  // Notifications sign Message, MessageId, Subject (when present), Timestamp,
  // TopicArn, Type; confirmations Message, MessageId, SubscribeURL,
  // Timestamp, Token, TopicArn, Type.
  bool notification = message.value("Type", "") == "Notification";
  std::vector<const char*> fields =
      notification ? std::vector<const char*>{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
                   : std::vector<const char*>{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                                              "Type"};
  std::string out;
  for (const char* f : fields) {
    auto it = message.find(f);
    if (it == message.end() || !it->is_string()) continue;
    out += f;
    out += '\n';
    out += it->get<std::string>();
    out += '\n';
  }
  return out;
}

Result<std::string> Signer::sign(const kit::Value& message, const std::string& version) {
  std::lock_guard lock(mutex_);
  NUAGE_TRY(load_or_make());
  std::string text = string_to_sign(message);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const EVP_MD* md = version == "2" ? EVP_sha256() : EVP_sha1();
  size_t length = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, static_cast<EVP_PKEY*>(key_)) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 1)
    return AwsError{"InternalError", "cannot sign the message", 500};
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 1)
    return AwsError{"InternalError", "cannot sign the message", 500};
  signature.resize(length);
  return text::base64_encode(signature);
}

Result<std::string> Signer::certificate() {
  std::lock_guard lock(mutex_);
  NUAGE_TRY(load_or_make());
  return certificate_;
}

}  // namespace nuage::services::sns
