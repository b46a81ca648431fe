// Admin endpoints under /_nuage/ (and moto's POST /moto-api/reset and
// POST /moto-api/reset-auth):
//   GET  /_nuage/health  version, uptime, services and operation coverage
//   POST /_nuage/reset   wipe all state of every service
//   GET  /_nuage/clock   the nuage clock; POST {"set"|"advance"|"freeze"|"resume"}
//   GET  /_nuage/iam/decisions  recent IAM denials and what decided them
//   POST /moto-api/reset-auth   body N: after N more requests, unknown access
//        keys are refused as with --strict-credentials (moto's
//        INITIAL_NO_AUTH_ACTION_COUNT); answers moto's JSON
// Thread-safety: handle() may be called concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/credentials.h"
#include "common/clock.h"
#include "gateway/gateway.h"
#include "storage/database.h"
#include "http/message.h"

namespace nuage::admin {

// Persists the clock's setting (frozen instant or offset from real time), so
// that a restart keeps the time the user set; restore_clock() applies it.
void save_clock(storage::Database& db, const Clock& clock);
void restore_clock(storage::Database& db, Clock& clock);

struct AdminInfo {
  std::string data_dir;  // "" when ephemeral
  bool strict_credentials = false;
  std::function<nlohmann::json()> iam_decisions;  // unset: no IAM
  auth::CredentialStore* credentials = nullptr;   // unset: no reset-auth
};

class Admin {
 public:
  Admin(gateway::Gateway& gateway, Clock& clock, storage::Database& db, AdminInfo info);
  http::Response handle(http::Request& request);
  // Before the server starts: an endpoint of a service (GET/HEAD requests
  // whose path starts with `prefix`, e.g. Lambda's code downloads).
  void add_route(std::string prefix, http::Handler handler) { routes_.emplace_back(std::move(prefix), std::move(handler)); }

 private:
  http::Response health() const;
  http::Response clock(const http::Request& request);
  http::Response reset_auth(const http::Request& request);
  gateway::Gateway& gateway_;
  Clock& clock_;
  storage::Database& db_;
  AdminInfo info_;
  std::vector<std::pair<std::string, http::Handler>> routes_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace nuage::admin
