#include "auth/credentials.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace nuage::auth {

CredentialStore::CredentialStore(bool strict, std::string default_account)
    : strict_(strict),
      default_account_(std::move(default_account)),
      free_requests_(std::numeric_limits<double>::infinity()) {}

Credential CredentialStore::root(const std::string& access_key) const {
  Credential c;
  c.access_key = access_key;
  c.account_id = default_account_;
  c.type = PrincipalType::kRoot;
  c.arn = "arn:aws:iam::" + default_account_ + ":root";
  c.user_id = default_account_;
  if (access_key == "test") {
    c.secret_key = "test";
  } else {
    c.verifiable = false;
  }
  return c;
}

void CredentialStore::put(Credential credential) {
  std::lock_guard lock(mu_);
  revoked_.erase(credential.access_key);
  keys_[credential.access_key] = std::move(credential);
}

void CredentialStore::remove(const std::string& access_key) {
  std::lock_guard lock(mu_);
  if (keys_.erase(access_key) > 0) revoked_.insert(access_key);
}

void CredentialStore::set_active(const std::string& access_key, bool active) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(access_key);
  if (it != keys_.end()) it->second.active = active;
}

std::optional<Credential> CredentialStore::lookup(const std::string& access_key) const {
  return lookup(access_key, strict());
}

std::optional<Credential> CredentialStore::lookup(const std::string& access_key, bool strict) const {
  if (access_key == "test") return root(access_key);
  std::lock_guard lock(mu_);
  auto it = keys_.find(access_key);
  if (it != keys_.end()) return it->second;
  if (strict || revoked_.count(access_key)) return std::nullopt;
  return root(access_key);
}

bool CredentialStore::strict() const {
  std::lock_guard lock(mu_);
  return strict_ || requests_ >= free_requests_;
}

void CredentialStore::clear() {
  std::lock_guard lock(mu_);
  keys_.clear();
  revoked_.clear();
}

std::string CredentialStore::reset_auth(double free_requests) {
  std::lock_guard lock(mu_);
  std::string previous = python_float_text(free_requests_);
  free_requests_ = free_requests;
  requests_ = 0;
  return previous;
}

bool CredentialStore::admit_request() {
  std::lock_guard lock(mu_);
  // As moto counts: a request is free while fewer than the allowance have
  // been counted, and only free requests are counted.
  if (requests_ >= free_requests_) return true;
  requests_ += 1;
  return strict_;
}

std::string python_float_text(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  // Python's repr: the shortest round-trip digits, exponent form from 1e16
  // and below 1e-4, and ".0" on integral values.
  double magnitude = std::fabs(value);
  bool scientific = magnitude != 0 && (magnitude >= 1e16 || magnitude < 1e-4);
  auto res = std::to_chars(buf, buf + sizeof buf, value,
                           scientific ? std::chars_format::scientific : std::chars_format::fixed);
  std::string text(buf, res.ptr);
  if (scientific) {
    // to_chars writes "1e+16" like Python; Python pads the exponent to two digits.
    auto e = text.find('e');
    std::string exponent = text.substr(e + 2);
    if (exponent.size() < 2) exponent = "0" + exponent;
    return text.substr(0, e + 2) + exponent;
  }
  if (text.find('.') == std::string::npos) text += ".0";
  return text;
}

}  // namespace nuage::auth
