#include "admin/admin.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "common/time.h"

namespace nuage::admin {

using nlohmann::json;

static http::Response json_response(int status, const json& body) {
  http::Response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.body = body.dump(2) + "\n";
  return res;
}

Admin::Admin(gateway::Gateway& gateway, Clock& clock, storage::Database& db, AdminInfo info)
    : gateway_(gateway), clock_(clock), db_(db), info_(std::move(info)) {}

static Status ensure_clock_table(storage::Database& db) {
  return db.migrate("clock", {"CREATE TABLE clock_setting (id INTEGER PRIMARY KEY CHECK (id = 1), "
                              "frozen INTEGER NOT NULL, seconds REAL NOT NULL)"});
}

void save_clock(storage::Database& db, const Clock& clock) {
  if (!ensure_clock_table(db).ok()) return;
  auto now = clock.now();
  bool frozen = clock.frozen();
  // Frozen: the instant itself; running: the offset from real time.
  double seconds = frozen ? timefmt::epoch_seconds(now)
                          : std::chrono::duration<double>(now - std::chrono::system_clock::now()).count();
  (void)db.exec("INSERT INTO clock_setting(id, frozen, seconds) VALUES(1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET frozen = excluded.frozen, seconds = excluded.seconds",
                {int64_t{frozen}, seconds});
}

void restore_clock(storage::Database& db, Clock& clock) {
  if (!ensure_clock_table(db).ok()) return;
  (void)db.exec("SELECT frozen, seconds FROM clock_setting WHERE id = 1", {}, [&](const storage::Row& r) {
    if (r.integer(0)) {
      clock.freeze();
      clock.set(timefmt::from_epoch_seconds(r.real(1)));
    } else {
      clock.set(std::chrono::system_clock::now() +
                std::chrono::duration_cast<std::chrono::system_clock::duration>(
                    std::chrono::duration<double>(r.real(1))));
    }
  });
}

static json clock_state(const Clock& clock) {
  auto now = clock.now();
  double offset = std::chrono::duration<double>(now - std::chrono::system_clock::now()).count();
  return {{"now", timefmt::iso8601(now, true)}, {"frozen", clock.frozen()}, {"offset_seconds", offset}};
}

http::Response Admin::clock(const http::Request& request) {
  if (request.method == "GET") return json_response(200, clock_state(clock_));
  if (request.method != "POST") return json_response(405, {{"error", "use GET or POST"}});
  json body = json::parse(request.body.read_all(), nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return json_response(400, {{"error", "body must be a JSON object: {\"set\": \"2026-01-01T05:00:00Z\"}, "
                                          "{\"advance\": \"1h30m\"}, {\"freeze\": true} or {\"resume\": true}"}});
  // Freeze first, so that {"freeze": true, "set": ...} lands exactly.
  if (body.value("freeze", false)) clock_.freeze();
  if (body.contains("set")) {
    auto t = body["set"].is_string() ? timefmt::parse(body["set"].get<std::string>()) : std::nullopt;
    if (!t) return json_response(400, {{"error", "set: not a timestamp (ISO 8601)"}});
    clock_.set(*t);
  }
  if (body.contains("advance")) {
    std::optional<std::chrono::seconds> d;
    if (body["advance"].is_number()) d = std::chrono::seconds(body["advance"].get<long long>());
    else if (body["advance"].is_string()) d = timefmt::parse_duration(body["advance"].get<std::string>());
    if (!d || d->count() < 0) return json_response(400, {{"error", "advance: not a duration (90s, 15m, 1h30m, 3d)"}});
    clock_.advance(*d);
  }
  if (body.value("resume", false)) clock_.resume();
  save_clock(db_, clock_);
  return json_response(200, clock_state(clock_));
}

// moto's answers, word for word: its test helpers read
// PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT back to restore it afterwards.
http::Response Admin::reset_auth(const http::Request& request) {
  if (request.method != "POST") return json_response(400, {{"Error", "Need to POST to reset Moto Auth"}});
  std::string text = request.body.size() <= 64 ? request.body.read_all() : "";
  const char* begin = text.c_str();
  char* end = nullptr;
  double count = std::strtod(begin, &end);
  while (end && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t')) ++end;
  if (end == begin || !end || *end != '\0')
    return json_response(400, {{"Error", "The body must be a number of requests (or inf), as "
                                         "INITIAL_NO_AUTH_ACTION_COUNT"}});
  std::string previous = info_.credentials->reset_auth(count);
  return json_response(200, {{"status", "ok"}, {"PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT", previous}});
}

http::Response Admin::health() const {
  json services = json::object();
  for (const auto& c : gateway_.coverage()) {
    if (c.implemented.empty()) continue;
    services[c.service] = {{"operations", c.total}, {"implemented", c.implemented.size()}};
  }
  double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  json out = {{"status", "running"},
              {"version", NUAGE_VERSION},
              {"uptime_seconds", uptime},
              {"persistence", info_.data_dir.empty() ? "ephemeral" : info_.data_dir},
              {"strict_credentials", info_.strict_credentials},
              {"default_account", info_.credentials ? info_.credentials->default_account() : auth::kDefaultAccount},
              {"services", services}};
  gateway_.add_provider_health(out);
  return json_response(200, out);
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
    // A reset returns to real time, as a fresh start would.
    clock_.resume();
    clock_.set(std::chrono::system_clock::now());
    save_clock(db_, clock_);
    return json_response(200, {{"reset", true}});
  }
  if (path == "/_nuage/clock") return clock(request);
  if (path == "/moto-api/reset-auth" && info_.credentials) return reset_auth(request);
  if (path == "/_nuage/iam/decisions" && info_.iam_decisions) {
    if (request.method != "GET") return json_response(405, {{"error", "use GET"}});
    return json_response(200, {{"decisions", info_.iam_decisions()}});
  }
  for (const auto& [prefix, handler] : routes_)
    if (path.substr(0, prefix.size()) == prefix) {
      if (request.method != "GET" && request.method != "HEAD") return json_response(405, {{"error", "use GET"}});
      return handler(request);
    }
  return json_response(404, {{"error", "no admin endpoint " + std::string(path)}});
}

}  // namespace nuage::admin
