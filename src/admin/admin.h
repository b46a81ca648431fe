// Admin endpoints under /_nuage/ (and moto's POST /moto-api/reset):
//   GET  /_nuage/health  version, uptime, services and operation coverage
//   POST /_nuage/reset   wipe all state of every service
//   GET  /_nuage/clock   the nuage clock; POST {"set"|"advance"|"freeze"|"resume"}
// Thread-safety: handle() may be called concurrently.
#pragma once

#include <chrono>

#include "common/clock.h"
#include "gateway/gateway.h"
#include "http/message.h"

namespace nuage::admin {

struct AdminInfo {
  std::string data_dir;  // "" when ephemeral
  bool strict_credentials = false;
};

class Admin {
 public:
  Admin(gateway::Gateway& gateway, Clock& clock, AdminInfo info);
  http::Response handle(http::Request& request);

 private:
  http::Response health() const;
  http::Response clock(const http::Request& request);
  gateway::Gateway& gateway_;
  Clock& clock_;
  AdminInfo info_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace nuage::admin
