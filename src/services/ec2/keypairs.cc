// Key pairs: CreateKeyPair makes a real key (RSA 2048 as PKCS#1 PEM, or
// ED25519 as an OpenSSH private key) and forgets the private half, as EC2
// does; ImportKeyPair takes an OpenSSH ("ssh-rsa AAAA...", "ssh-ed25519
// AAAA...") or PEM public key. Fingerprints follow EC2's rules: created RSA
// keys, SHA-1 of the DER PKCS#8 private key; imported RSA keys, MD5 of the
// DER public key; ED25519 keys, base64 SHA-256 of the OpenSSH key blob.
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "common/crypto.h"
#include "common/text.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

namespace {

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string colon_hex(const std::string& digest) {
  std::string hex = text::hex_encode(digest), out;
  for (size_t i = 0; i < hex.size(); i += 2) out += (i ? ":" : "") + hex.substr(i, 2);
  return out;
}

// SSH wire encoding (RFC 4251): uint32 length-prefixed strings and mpints.
void put_string(std::string& out, const std::string& s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  out += static_cast<char>(n >> 24);
  out += static_cast<char>((n >> 16) & 255);
  out += static_cast<char>((n >> 8) & 255);
  out += static_cast<char>(n & 255);
  out += s;
}

std::string mpint(const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(bytes.begin(), '\0');
  return bytes;
}

std::optional<std::string> get_string(const std::string& in, size_t& pos) {
  if (pos + 4 > in.size()) return std::nullopt;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(in[pos + i]);
  pos += 4;
  if (pos + n > in.size()) return std::nullopt;
  std::string s = in.substr(pos, n);
  pos += n;
  return s;
}

// The OpenSSH public key blob of a key ("ssh-rsa" e n / "ssh-ed25519" pub).
std::string ssh_blob(EVP_PKEY* key) {
  std::string blob;
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
    std::string pub(32, '\0');
    size_t len = pub.size();
    EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(pub.data()), &len);
    put_string(blob, "ssh-ed25519");
    put_string(blob, pub);
    return blob;
  }
  BIGNUM *n = nullptr, *e = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
  put_string(blob, "ssh-rsa");
  put_string(blob, e ? mpint(e) : "");
  put_string(blob, n ? mpint(n) : "");
  BN_free(n);
  BN_free(e);
  return blob;
}

std::string ssh_type(EVP_PKEY* key) { return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? "ssh-ed25519" : "ssh-rsa"; }

std::string ed25519_fingerprint(EVP_PKEY* key) { return text::base64_encode(crypto::sha256(ssh_blob(key))); }

std::string pem_wrap(const std::string& label, const std::string& der) {
  std::string b64 = text::base64_encode(der), out = "-----BEGIN " + label + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 70) out += b64.substr(i, 70) + "\n";
  return out + "-----END " + label + "-----\n";
}

// An ED25519 private key in the OpenSSH format (what EC2 hands out).
std::string openssh_private_key(EVP_PKEY* key) {
  std::string pub(32, '\0'), priv(32, '\0');
  size_t len = 32;
  EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(pub.data()), &len);
  len = 32;
  EVP_PKEY_get_raw_private_key(key, reinterpret_cast<unsigned char*>(priv.data()), &len);
  std::string check = crypto::random_bytes(4);
  std::string section = check + check;
  put_string(section, "ssh-ed25519");
  put_string(section, pub);
  put_string(section, priv + pub);
  put_string(section, "");  // comment
  for (char pad = 1; section.size() % 8 != 0; ++pad) section += pad;
  std::string out = std::string("openssh-key-v1") + '\0';
  put_string(out, "none");
  put_string(out, "none");
  put_string(out, "");
  out += std::string("\0\0\0\1", 4);
  put_string(out, ssh_blob(key));
  put_string(out, section);
  return pem_wrap("OPENSSH PRIVATE KEY", out);
}

// A public key from OpenSSH text or PEM; null when it is neither.
PKey parse_public_key(const std::string& material) {
  PKey none(nullptr, EVP_PKEY_free);
  std::string text(text::trim(material));
  if (text::starts_with(text, "-----BEGIN")) {
    Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
    return PKey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  }
  auto fields = text::split(text, ' ');
  if (fields.size() < 2) return none;
  auto blob = text::base64_decode(fields[1]);
  if (!blob) return none;
  size_t pos = 0;
  auto type = get_string(*blob, pos);
  if (!type || *type != fields[0]) return none;
  if (*type == "ssh-ed25519") {
    auto pub = get_string(*blob, pos);
    if (!pub || pub->size() != 32) return none;
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                reinterpret_cast<const unsigned char*>(pub->data()), pub->size());
    return PKey(key, EVP_PKEY_free);
  }
  if (*type != "ssh-rsa") return none;
  auto e = get_string(*blob, pos);
  auto n = get_string(*blob, pos);
  if (!e || !n || n->size() < 64) return none;
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr);
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n);
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  if (pctx && params && EVP_PKEY_fromdata_init(pctx) > 0) EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  BN_free(bn_n);
  BN_free(bn_e);
  return PKey(key, EVP_PKEY_free);
}

const FilterFields& key_filters() {
  static const FilterFields f = {{"key-name", {"KeyName"}},
                                 {"key-pair-id", {"KeyPairId"}},
                                 {"fingerprint", {"KeyFingerprint"}},
                                 {"key-type", {"KeyType"}}};
  return f;
}

}  // namespace

namespace {

Status check_key_name(const storage::ResourceStore& store, const Scope& scope, const std::string& name) {
  if (name.empty()) return errors("MissingParameter", "The request must contain the parameter KeyName");
  if (name.size() > 255)
    return errors("InvalidParameterValue", "Value (" + name + ") for parameter keyName is invalid. Length exceeds "
                  "maximum of 255.");
  for (const auto& [id, key] : store.all(scope, "key-pair"))
    if (key.value("KeyName", "") == name)
      return errors("InvalidKeyPair.Duplicate", "The keypair already exists");
  return Status::Ok();
}

}  // namespace

Result<Output> Provider::create_key_pair(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string name = in.value("KeyName", "");
  NUAGE_TRY(check_key_name(*store_, scope, name));
  std::string type = in.value("KeyType", "rsa");
  if (type != "rsa" && type != "ed25519")
    return errors("InvalidParameterValue", "Value (" + type + ") for parameter keyType is invalid.");
  std::string format = in.value("KeyFormat", "pem");
  if (format == "ppk")
    return errors("UnsupportedOperation", "KeyFormat 'ppk' is not supported by nuage; use 'pem' and convert the "
                  "key with puttygen.");
  if (format != "pem")
    return errors("InvalidParameterValue", "Value (" + format + ") for parameter keyFormat is invalid.");
  auto tags = tags_from_specs(in, "key-pair");
  if (!tags) return tags.take_error();

  PKey key(type == "rsa" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                         : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
           EVP_PKEY_free);
  if (!key) return errors("InternalError", "key generation failed");
  std::string material, fingerprint;
  if (type == "rsa") {
    Bio pem(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PrivateKey_traditional(pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    material = bio_text(pem.get());
    Bio der(BIO_new(BIO_s_mem()), BIO_free);
    i2d_PKCS8PrivateKeyInfo_bio(der.get(), key.get());
    crypto::Hasher sha1(crypto::Algorithm::kSha1);
    sha1.update(bio_text(der.get()));
    fingerprint = colon_hex(sha1.finish());
  } else {
    material = openssh_private_key(key.get());
    fingerprint = ed25519_fingerprint(key.get());
  }
  // EC2 never returns the trailing newline of the key material.
  while (!material.empty() && material.back() == '\n') material.pop_back();
  std::string id = new_id("key");
  Value doc = {{"KeyPairId", id},
               {"KeyName", name},
               {"KeyFingerprint", fingerprint},
               {"KeyType", type},
               {"Tags", *tags},
               {"CreateTime", now_seconds()},
               {"_PublicKey", ssh_type(key.get()) + " " + text::base64_encode(ssh_blob(key.get())) + " " + name}};
  NUAGE_TRY(store_->put(scope, "key-pair", id, doc));
  Output out;
  out.value = {{"KeyPairId", id}, {"KeyName", name}, {"KeyFingerprint", fingerprint}, {"KeyMaterial", material},
               {"Tags", *tags}};
  return out;
}

Result<Output> Provider::import_key_pair(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string name = in.value("KeyName", "");
  NUAGE_TRY(check_key_name(*store_, scope, name));
  if (!in.contains("PublicKeyMaterial"))
    return errors("MissingParameter", "The request must contain the parameter PublicKeyMaterial");
  const Value& raw = in["PublicKeyMaterial"];
  std::string material = raw.is_binary() ? std::string(raw.get_binary().begin(), raw.get_binary().end())
                                         : raw.get<std::string>();
  PKey key = parse_public_key(material);
  if (!key) return errors("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
  auto tags = tags_from_specs(in, "key-pair");
  if (!tags) return tags.take_error();
  bool ed25519 = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519;
  std::string fingerprint;
  if (ed25519) {
    fingerprint = ed25519_fingerprint(key.get());
  } else {
    if (EVP_PKEY_get_bits(key.get()) < 1024)
      return errors("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(key.get(), &der);
    fingerprint = colon_hex(crypto::md5(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len))));
    OPENSSL_free(der);
  }
  std::string id = new_id("key");
  Value doc = {{"KeyPairId", id},
               {"KeyName", name},
               {"KeyFingerprint", fingerprint},
               {"KeyType", ed25519 ? "ed25519" : "rsa"},
               {"Tags", *tags},
               {"CreateTime", now_seconds()},
               {"_PublicKey", ssh_type(key.get()) + " " + text::base64_encode(ssh_blob(key.get()))}};
  NUAGE_TRY(store_->put(scope, "key-pair", id, doc));
  Output out;
  out.value = {{"KeyPairId", id}, {"KeyName", name}, {"KeyFingerprint", fingerprint}, {"Tags", *tags}};
  return out;
}

Result<Output> Provider::describe_key_pairs(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, key_filters()));
  auto keys = store_->all(scope, "key-pair");
  std::vector<const Value*> selected;
  bool by_name = in.contains("KeyNames") && !in["KeyNames"].empty();
  bool by_id = in.contains("KeyPairIds") && !in["KeyPairIds"].empty();
  if (by_name || by_id) {
    for (const auto& name : in.value("KeyNames", Value::array())) {
      const Value* found = nullptr;
      for (const auto& [id, k] : keys)
        if (k["KeyName"] == name) found = &k;
      if (!found)
        return errors("InvalidKeyPair.NotFound", "The key pair '" + name.get<std::string>() + "' does not exist");
      selected.push_back(found);
    }
    for (const auto& id : in.value("KeyPairIds", Value::array())) {
      const Value* key = store_->get(scope, "key-pair", id.get<std::string>());
      if (!key)
        return errors("InvalidKeyPair.NotFound", "The key pair ID '" + id.get<std::string>() + "' does not exist");
      selected.push_back(key);
    }
  } else {
    for (const auto& [id, k] : keys) selected.push_back(&k);
  }
  bool include_public = in.value("IncludePublicKey", false);
  Output out;
  out.value["KeyPairs"] = Value::array();
  for (const Value* k : selected) {
    if (!matches(*k, filters, key_filters())) continue;
    Value row = *k;
    if (include_public) row["PublicKey"] = k->value("_PublicKey", "");
    out.value["KeyPairs"].push_back(std::move(row));
  }
  return out;
}

Result<Output> Provider::delete_key_pair(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string name = in.value("KeyName", ""), key_id = in.value("KeyPairId", "");
  if (name.empty() && key_id.empty())
    return errors("MissingParameter", "The request must contain the parameter KeyName or KeyPairId");
  std::string doomed;
  for (const auto& [id, k] : store_->all(scope, "key-pair"))
    if ((!key_id.empty() && id == key_id) || (key_id.empty() && k["KeyName"] == name)) doomed = id;
  // Deleting a key pair that does not exist succeeds, as on EC2.
  if (!doomed.empty()) NUAGE_TRY(store_->erase(scope, "key-pair", doomed));
  Output out;
  out.value["Return"] = true;
  if (!doomed.empty()) out.value["KeyPairId"] = doomed;
  return out;
}

}  // namespace nuage::services::ec2
