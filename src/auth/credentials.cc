#include "auth/credentials.h"

namespace nuage::auth {

CredentialStore::CredentialStore(bool strict) : strict_(strict) {}

Credential CredentialStore::root(const std::string& access_key) const {
  Credential c;
  c.access_key = access_key;
  c.secret_key = "test";
  c.account_id = kDefaultAccount;
  c.type = PrincipalType::kRoot;
  c.arn = std::string("arn:aws:iam::") + kDefaultAccount + ":root";
  c.user_id = kDefaultAccount;
  return c;
}

void CredentialStore::put(Credential credential) {
  std::lock_guard lock(mu_);
  keys_[credential.access_key] = std::move(credential);
}

void CredentialStore::remove(const std::string& access_key) {
  std::lock_guard lock(mu_);
  keys_.erase(access_key);
}

void CredentialStore::set_active(const std::string& access_key, bool active) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(access_key);
  if (it != keys_.end()) it->second.active = active;
}

std::optional<Credential> CredentialStore::lookup(const std::string& access_key) const {
  if (access_key == "test") return root(access_key);
  std::lock_guard lock(mu_);
  auto it = keys_.find(access_key);
  if (it != keys_.end()) return it->second;
  if (strict_) return std::nullopt;
  return root(access_key);
}

void CredentialStore::clear() {
  std::lock_guard lock(mu_);
  keys_.clear();
}

}  // namespace nuage::auth
