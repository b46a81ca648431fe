// Credential store: who an access key belongs to, and its secret.
//
// The account root `test`/`test` of the default account (000000000000 unless
// `nuage serve --default-account`) always exists. IAM registers user access
// keys here; STS registers temporary credentials (with a session token and an
// expiry on the nuage clock). These keys, and `test`, are always verified.
//
// A key nuage never issued has no secret nuage could check its signature
// against: unless strict, it is accepted as the default account's root
// *without* signature verification (`Credential::verifiable` false), so a user
// whose profile holds any key pair can talk to nuage. When strict it is
// refused (InvalidClientTokenId). A key IAM deleted stays refused (a
// tombstone) until a reset, so revoking a key never turns it into the root.
//
// moto's `POST /moto-api/reset-auth` (INITIAL_NO_AUTH_ACTION_COUNT) is kept
// here too: after that many more requests (admit_request), the store behaves
// as strict until the next reset-auth.
//
// Thread-safety: all members are safe from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
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
  // false: a key nuage never issued, standing in for the default account's
  // root; there is no secret to check its signature (or chunk signatures) with.
  bool verifiable = true;
  // kService only: the resource on whose behalf the service acts (the rule
  // or schedule ARN), for aws:SourceArn in resource policies.
  std::string source_arn;
};

class CredentialStore {
 public:
  explicit CredentialStore(bool strict = false, std::string default_account = kDefaultAccount);

  void put(Credential credential);
  // Forgets a key and remembers that it was revoked: it is refused from then
  // on, even when not strict.
  void remove(const std::string& access_key);
  void set_active(const std::string& access_key, bool active);
  // The credential for `access_key`, or — when not strict — the unverifiable
  // root of the default account answering with the given key. nullopt if
  // refused. The one-argument form uses strict() as it is now.
  std::optional<Credential> lookup(const std::string& access_key) const;
  std::optional<Credential> lookup(const std::string& access_key, bool strict) const;
  bool strict() const;
  const std::string& default_account() const { return default_account_; }
  void clear();  // forget all but the root, and every tombstone

  // moto's reset-auth: the next `free_requests` requests are admitted as
  // configured; every one after them is handled as strict. Infinity (the
  // start-up state) never turns strict. Returns the previous count as moto
  // prints it (Python's str(float): "inf", "4.0").
  std::string reset_auth(double free_requests);
  // Counts one AWS request; true when it is past reset-auth's count (to be
  // handled as strict) or the store is strict anyway.
  bool admit_request();

 private:
  Credential root(const std::string& access_key) const;
  mutable std::mutex mu_;
  std::map<std::string, Credential> keys_;
  std::set<std::string> revoked_;
  bool strict_;
  std::string default_account_;
  double free_requests_;   // reset-auth's INITIAL_NO_AUTH_ACTION_COUNT
  double requests_ = 0;    // counted since the last reset-auth, up to free_requests_
};

// Python's str() of a float, for moto's answers: "inf", "-inf", "nan", "4.0", "2.5", "1e+16".
std::string python_float_text(double value);

}  // namespace nuage::auth
