#include "admin/admin.h"

#include <nlohmann/json.hpp>

namespace nuage::admin {

using nlohmann::json;

static http::Response json_response(int status, const json& body) {
  http::Response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.body = body.dump(2) + "\n";
  return res;
}

Admin::Admin(gateway::Gateway& gateway, AdminInfo info) : gateway_(gateway), info_(std::move(info)) {}

http::Response Admin::health() const {
  json services = json::object();
  for (const auto& c : gateway_.coverage()) {
    if (c.implemented.empty()) continue;
    services[c.service] = {{"operations", c.total}, {"implemented", c.implemented.size()}};
  }
  double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return json_response(200, {{"status", "running"},
                             {"version", NUAGE_VERSION},
                             {"uptime_seconds", uptime},
                             {"persistence", info_.data_dir.empty() ? "ephemeral" : info_.data_dir},
                             {"strict_credentials", info_.strict_credentials},
                             {"services", services}});
}

http::Response Admin::handle(http::Request& request) {
  std::string_view path = request.path();
  if (path == "/_nuage/health") {
    if (request.method != "GET" && request.method != "HEAD")
      return json_response(405, {{"error", "use GET"}});
    return health();
  }
  if (path == "/_nuage/reset" || path == "/moto-api/reset") {
    if (request.method != "POST") return json_response(405, {{"error", "use POST"}});
    gateway_.reset_all();
    return json_response(200, {{"reset", true}});
  }
  if (path == "/_nuage/iam/decisions" && info_.iam_decisions) {
    if (request.method != "GET") return json_response(405, {{"error", "use GET"}});
    return json_response(200, {{"decisions", info_.iam_decisions()}});
  }
  return json_response(404, {{"error", "no admin endpoint " + std::string(path)}});
}

}  // namespace nuage::admin
