// Admin endpoints under /_nuage/ (and moto's POST /moto-api/reset):
//   GET  /_nuage/health  version, uptime, services and operation coverage
//   POST /_nuage/reset   wipe all state of every service
//   GET  /_nuage/iam/decisions  recent IAM denials and what decided them
// Thread-safety: handle() may be called concurrently.
#pragma once

#include <chrono>
#include <functional>

#include <nlohmann/json.hpp>

#include "gateway/gateway.h"
#include "http/message.h"

namespace nuage::admin {

struct AdminInfo {
  std::string data_dir;  // "" when ephemeral
  bool strict_credentials = false;
  std::function<nlohmann::json()> iam_decisions;  // unset: no IAM
};

class Admin {
 public:
  Admin(gateway::Gateway& gateway, AdminInfo info);
  http::Response handle(http::Request& request);

 private:
  http::Response health() const;
  gateway::Gateway& gateway_;
  AdminInfo info_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace nuage::admin
