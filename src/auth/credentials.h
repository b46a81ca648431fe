// Credential store: who an access key belongs to, and its secret.
//
// The account root `test`/`test` of account 000000000000 always exists.
// IAM registers user access keys here; STS registers temporary credentials
// (with a session token and an expiry on the nuage clock).
// Unknown keys are accepted as the account root unless `strict` is set, in
// which case they are refused with InvalidClientTokenId.
// Thread-safety: all members are safe from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace nuage::auth {

inline constexpr const char* kDefaultAccount = "000000000000";

// kService: an AWS service acting inside nuage (lambda.amazonaws.com assuming
// a function's execution role, events.amazonaws.com invoking a target); its
// arn is the service principal name. Never matched by an access key.
enum class PrincipalType { kRoot, kUser, kAssumedRole, kService };

struct Credential {
  std::string access_key;
  std::string secret_key;
  std::string account_id;
  PrincipalType type = PrincipalType::kRoot;
  std::string arn;       // arn:aws:iam::000000000000:root, :user/alice, :assumed-role/r/s
  std::string user_id;   // AIDA..., AROA...:session, or the account id for root
  std::string session_token;  // temporary credentials only
  std::optional<std::chrono::system_clock::time_point> expiration;  // nuage clock
  bool active = true;
  // kService only: the resource on whose behalf the service acts (the rule
  // or schedule ARN), for aws:SourceArn in resource policies.
  std::string source_arn;
};

class CredentialStore {
 public:
  explicit CredentialStore(bool strict = false);

  void put(Credential credential);
  void remove(const std::string& access_key);
  void set_active(const std::string& access_key, bool active);
  // The credential for `access_key`, or — when not strict — the root of the
  // default account answering with the given key. nullopt if refused.
  std::optional<Credential> lookup(const std::string& access_key) const;
  bool strict() const { return strict_; }
  void clear();  // forget all but the root

 private:
  Credential root(const std::string& access_key) const;
  mutable std::mutex mu_;
  std::map<std::string, Credential> keys_;
  bool strict_;
};

}  // namespace nuage::auth
