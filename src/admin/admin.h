// Admin endpoints under /_nuage/ (and moto's POST /moto-api/reset):
//   GET  /_nuage/health  version, uptime, services and operation coverage
//   POST /_nuage/reset   wipe all state of every service
// Thread-safety: handle() may be called concurrently.
#pragma once

#include <chrono>

#include "gateway/gateway.h"
#include "http/message.h"

namespace nuage::admin {

struct AdminInfo {
  std::string data_dir;  // "" when ephemeral
  bool strict_credentials = false;
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
