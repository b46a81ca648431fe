#include "services/logs/provider.h"
#include "services/logs/errors.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <regex>
#include <set>

#include "common/text.h"
#include "common/time.h"
#include "services/logs/filter_pattern.h"

namespace nuage::services::logs {

using kit::LogEvent;

using kit::Output;
using kit::Value;
using Context = kit::RequestContext;

namespace {

constexpr int64_t kHourMs = 3600LL * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr size_t kMaxBatchEvents = 10000;
constexpr size_t kMaxBatchBytes = 1048576;
constexpr size_t kEventOverhead = 26;

AwsError invalid_parameter(const std::string& message) {
  return errors("InvalidParameterException", message);
}
AwsError group_not_found() {
  return errors("ResourceNotFoundException", "The specified log group does not exist.");
}
AwsError stream_not_found() {
  return errors("ResourceNotFoundException", "The specified log stream does not exist.");
}

AwsError constraint(const std::string& value, const std::string& field, const std::string& rule) {
  return invalid_parameter("1 validation error detected: Value '" + value + "' at '" + field +
                           "' failed to satisfy constraint: " + rule);
}

Status validate_group_name(const std::string& name, const std::string& field = "logGroupName") {
  static const std::regex kPattern(R"([\.\-_/#A-Za-z0-9]+)");
  if (name.empty() || name.size() > 512)
    return constraint(name, field, "Member must have length less than or equal to 512");
  if (!std::regex_match(name, kPattern))
    return constraint(name, field, "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
  return Status::Ok();
}

Status validate_stream_name(const std::string& name) {
  if (name.empty() || name.size() > 512)
    return constraint(name, "logStreamName", "Member must have length less than or equal to 512");
  if (name.find_first_of(":*") != std::string::npos)
    return constraint(name, "logStreamName", "Member must satisfy regular expression pattern: [^:*]*");
  return Status::Ok();
}

const int kRetentionDays[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                              365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

// Position tokens of GetLogEvents: "f/" or "b/" and 56 digits holding the
// (timestamp, sequence) key of an event, as opaque to clients as AWS's.
struct Key {
  int64_t ts = 0, seq = 0;
};
std::string make_token(char dir, Key k) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%c/%016d%020" PRId64 "%020" PRId64, dir, 0, k.ts, k.seq);
  return buf;
}
std::optional<std::pair<char, Key>> parse_token(const std::string& t) {
  if (t.size() != 58 || (t[0] != 'f' && t[0] != 'b') || t[1] != '/') return std::nullopt;
  if (t.find_first_not_of("0123456789", 2) != std::string::npos) return std::nullopt;
  return std::make_pair(t[0], Key{std::stoll(t.substr(18, 20)), std::stoll(t.substr(38, 20))});
}

std::string event_id(int64_t seq) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%036d%020" PRId64, 0, seq);
  return buf;
}

std::string offset_token(size_t offset) { return text::base64_encode("o:" + std::to_string(offset)); }
std::optional<size_t> parse_offset_token(const std::string& t) {
  auto raw = text::base64_decode(t);
  if (!raw || raw->rfind("o:", 0) != 0 || raw->size() < 3) return std::nullopt;
  if (raw->find_first_not_of("0123456789", 2) != std::string::npos) return std::nullopt;
  return std::stoull(raw->substr(2));
}

int64_t limit_of(const Value& in, int64_t dflt) {
  auto it = in.find("limit");
  if (it == in.end()) return dflt;
  return it->get<int64_t>();
}

Status check_limit(const Value& in, int64_t max) {
  auto it = in.find("limit");
  if (it == in.end()) return Status::Ok();
  int64_t n = it->get<int64_t>();
  if (n < 1) return constraint(std::to_string(n), "limit", "Member must have value greater than or equal to 1");
  if (n > max)
    return constraint(std::to_string(n), "limit",
                      "Member must have value less than or equal to " + std::to_string(max));
  return Status::Ok();
}

}  // namespace

Provider::Provider(kit::Environment& env) : db_(env.db), clock_(env.clock) { env.logs = this; }

Status Provider::open() {
  NUAGE_TRY(db_.migrate("logs", {
      "CREATE TABLE logs_groups (id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, "
      "name TEXT NOT NULL, created_ms INTEGER NOT NULL, retention_days INTEGER NOT NULL DEFAULT 0, "
      "kms_key TEXT NOT NULL DEFAULT '', log_class TEXT NOT NULL DEFAULT 'STANDARD', "
      "tags TEXT NOT NULL DEFAULT '{}', UNIQUE (account, region, name))",
      "CREATE TABLE logs_streams (id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, name TEXT NOT NULL, "
      "created_ms INTEGER NOT NULL, first_ts INTEGER, last_ts INTEGER, last_ingest INTEGER, "
      "stored_bytes INTEGER NOT NULL DEFAULT 0, UNIQUE (group_id, name))",
      "CREATE TABLE logs_events (seq INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL, "
      "ts INTEGER NOT NULL, ingest INTEGER NOT NULL, message TEXT NOT NULL)",
      "CREATE INDEX logs_events_by_stream ON logs_events (stream_id, ts, seq)",
      "CREATE INDEX logs_events_by_group ON logs_events (group_id, ts, seq)",
  }));
  schedule_purge();
  return Status::Ok();
}

Provider::~Provider() {
  std::lock_guard lock(timer_mu_);
  stopping_ = true;
  if (purge_timer_) clock_.cancel(purge_timer_);
}

void Provider::reset() {
  (void)db_.transaction([&]() -> Status {
    NUAGE_TRY(db_.exec("DELETE FROM logs_events"));
    NUAGE_TRY(db_.exec("DELETE FROM logs_streams"));
    return db_.exec("DELETE FROM logs_groups");
  });
}

int64_t Provider::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
}

int64_t Provider::cutoff_ms(const Group& g) const {
  return g.retention_days > 0 ? now_ms() - g.retention_days * kDayMs : 0;
}

std::string Provider::group_arn(const std::string& region, const std::string& account,
                                const std::string& name) const {
  return "arn:aws:logs:" + region + ":" + account + ":log-group:" + name;
}

// Retention: once a day on the clock, events older than their group's
// retention are deleted (reads already hide them). The timer runs only while
// some group has a retention policy.
void Provider::schedule_purge() {
  std::lock_guard lock(timer_mu_);
  if (purge_timer_ || stopping_) return;
  bool any = false;
  (void)db_.exec("SELECT 1 FROM logs_groups WHERE retention_days > 0 LIMIT 1", {},
                 [&](const storage::Row&) { any = true; });
  if (!any) return;
  purge_timer_ = clock_.schedule(clock_.now() + std::chrono::hours(24), [this](auto) {
    {
      std::lock_guard lock(timer_mu_);
      purge_timer_ = 0;
    }
    purge_expired();
    schedule_purge();
  });
}

void Provider::purge_expired() {
  int64_t now = now_ms();
  Status s = db_.transaction([&]() -> Status {
    std::vector<std::pair<int64_t, int64_t>> groups;
    NUAGE_TRY(db_.exec("SELECT id, retention_days FROM logs_groups WHERE retention_days > 0", {},
                       [&](const storage::Row& r) { groups.emplace_back(r.integer(0), r.integer(1)); }));
    for (auto [id, days] : groups)
      NUAGE_TRY(db_.exec("DELETE FROM logs_events WHERE group_id = ? AND ts < ?", {id, now - days * kDayMs}));
    return Status::Ok();
  });
  if (!s.ok()) spdlog::warn("logs: retention purge failed: {}", s.error().message);
}

Result<std::string> Provider::group_name_of(const Value& in) {
  bool has_name = in.contains("logGroupName");
  bool has_id = in.contains("logGroupIdentifier");
  if (has_name && has_id)
    return invalid_parameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  if (!has_name && !has_id)
    return invalid_parameter("Should provide either name or ARN for the LogGroup.");
  std::string id = has_name ? in["logGroupName"].get<std::string>() : in["logGroupIdentifier"].get<std::string>();
  if (text::starts_with(id, "arn:")) {
    auto pos = id.find(":log-group:");
    if (pos == std::string::npos) return invalid_parameter("Invalid ARN: " + id);
    id = id.substr(pos + 11);
    if (text::ends_with(id, ":*")) id.resize(id.size() - 2);
  }
  return id;
}

Result<Provider::Group> Provider::find_group(const std::string& account, const std::string& region,
                                             const std::string& name) {
  std::optional<Group> g;
  NUAGE_TRY(db_.exec(
      "SELECT id, name, created_ms, retention_days, kms_key, log_class, tags FROM logs_groups "
      "WHERE account = ? AND region = ? AND name = ?",
      {account, region, name}, [&](const storage::Row& r) {
        g = Group{r.integer(0), r.text(1), r.integer(2), r.integer(3), r.text(4), r.text(5), Value::parse(r.text(6))};
      }));
  if (!g) return group_not_found();
  return *g;
}

Result<int64_t> Provider::find_stream(int64_t group_id, const std::string& name) {
  int64_t id = 0;
  NUAGE_TRY(db_.exec("SELECT id FROM logs_streams WHERE group_id = ? AND name = ?", {group_id, name},
                     [&](const storage::Row& r) { id = r.integer(0); }));
  if (!id) return stream_not_found();
  return id;
}

Result<int64_t> Provider::create_group_row(const std::string& account, const std::string& region,
                                           const std::string& name, const Value& in, int64_t now) {
  NUAGE_TRY(db_.exec(
      "INSERT INTO logs_groups (account, region, name, created_ms, kms_key, log_class, tags) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {account, region, name, now, in.value("kmsKeyId", ""), in.value("logGroupClass", "STANDARD"),
       in.value("tags", Value::object()).dump()}));
  int64_t id = 0;
  NUAGE_TRY(db_.exec("SELECT last_insert_rowid()", {}, [&](const storage::Row& r) { id = r.integer(0); }));
  return id;
}

Result<int64_t> Provider::create_stream_row(int64_t group_id, const std::string& name, int64_t now) {
  NUAGE_TRY(db_.exec("INSERT INTO logs_streams (group_id, name, created_ms) VALUES (?, ?, ?)",
                     {group_id, name, now}));
  int64_t id = 0;
  NUAGE_TRY(db_.exec("SELECT last_insert_rowid()", {}, [&](const storage::Row& r) { id = r.integer(0); }));
  return id;
}

Status Provider::insert_events(int64_t group_id, int64_t stream_id, const std::vector<LogEvent>& events,
                               int64_t now) {
  if (events.empty()) return Status::Ok();
  int64_t bytes = 0, first = events.front().timestamp_ms, last = events.front().timestamp_ms;
  for (const auto& e : events) {
    NUAGE_TRY(db_.exec("INSERT INTO logs_events (group_id, stream_id, ts, ingest, message) VALUES (?, ?, ?, ?, ?)",
                       {group_id, stream_id, e.timestamp_ms, now, e.message}));
    bytes += static_cast<int64_t>(e.message.size());
    first = std::min(first, e.timestamp_ms);
    last = std::max(last, e.timestamp_ms);
  }
  return db_.exec(
      "UPDATE logs_streams SET first_ts = min(coalesce(first_ts, ?1), ?1), last_ts = max(coalesce(last_ts, ?2), ?2), "
      "last_ingest = ?3, stored_bytes = stored_bytes + ?4 WHERE id = ?5",
      {first, last, now, bytes, stream_id});
}

// --- Sink -----------------------------------------------------------------

Status Provider::write(const std::string& account, const std::string& region, const std::string& group,
                       const std::string& stream, const std::vector<LogEvent>& events) {
  std::vector<LogEvent> sorted = events;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const LogEvent& a, const LogEvent& b) { return a.timestamp_ms < b.timestamp_ms; });
  int64_t now = now_ms();
  return db_.transaction([&]() -> Status {
    int64_t group_id = 0;
    auto g = find_group(account, region, group);
    if (g) {
      group_id = g->id;
    } else {
      auto id = create_group_row(account, region, group, Value::object(), now);
      if (!id) return id.error();
      group_id = *id;
    }
    auto s = find_stream(group_id, stream);
    int64_t stream_id = 0;
    if (s) {
      stream_id = *s;
    } else {
      auto id = create_stream_row(group_id, stream, now);
      if (!id) return id.error();
      stream_id = *id;
    }
    return insert_events(group_id, stream_id, sorted, now);
  });
}

// --- groups -----------------------------------------------------------------

Result<Output> Provider::create_log_group(Context& ctx, const Value& in) {
  std::string name = in.at("logGroupName");
  NUAGE_TRY(validate_group_name(name));
  if (auto c = in.find("logGroupClass"); c != in.end() && *c != "STANDARD" && *c != "INFREQUENT_ACCESS" &&
                                         *c != "DELIVERY")
    return constraint(c->get<std::string>(), "logGroupClass",
                      "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]");
  NUAGE_TRY(db_.transaction([&]() -> Status {
    if (find_group(ctx.account_id, ctx.region, name).ok())
      return errors("ResourceAlreadyExistsException", "The specified log group already exists");
    return create_group_row(ctx.account_id, ctx.region, name, in, now_ms()).ok() ? Status::Ok()
                                                                                  : internal_error("insert");
  }));
  return Output{};
}

Result<Output> Provider::delete_log_group(Context& ctx, const Value& in) {
  std::string name = in.at("logGroupName");
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto g = find_group(ctx.account_id, ctx.region, name);
    if (!g) return g.error();
    NUAGE_TRY(db_.exec("DELETE FROM logs_events WHERE group_id = ?", {g->id}));
    NUAGE_TRY(db_.exec("DELETE FROM logs_streams WHERE group_id = ?", {g->id}));
    return db_.exec("DELETE FROM logs_groups WHERE id = ?", {g->id});
  }));
  return Output{};
}

Result<Output> Provider::describe_log_groups(Context& ctx, const Value& in) {
  NUAGE_TRY(check_limit(in, 50));
  std::string prefix = in.value("logGroupNamePrefix", "");
  std::string pattern = in.value("logGroupNamePattern", "");
  if (!prefix.empty() && !pattern.empty())
    return invalid_parameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  int64_t limit = limit_of(in, 50);
  std::string after = in.value("nextToken", "");
  if (!after.empty()) {
    auto raw = text::base64_decode(after);
    if (!raw || raw->rfind("g:", 0) != 0) return invalid_parameter("The specified nextToken is invalid.");
    after = raw->substr(2);
  }
  std::string lowered_pattern = text::lower(pattern);
  Output out;
  out.value["logGroups"] = Value::array();
  std::string last;
  bool more = false;
  NUAGE_TRY(db_.exec(
      "SELECT g.name, g.created_ms, g.retention_days, g.kms_key, g.log_class, "
      "(SELECT coalesce(sum(s.stored_bytes), 0) FROM logs_streams s WHERE s.group_id = g.id) "
      "FROM logs_groups g WHERE account = ? AND region = ? AND name > ? AND substr(name, 1, ?) = ? ORDER BY name",
      {ctx.account_id, ctx.region, after, static_cast<int64_t>(prefix.size()), prefix},
      [&](const storage::Row& r) {
        std::string name = r.text(0);
        if (!lowered_pattern.empty() && text::lower(name).find(lowered_pattern) == std::string::npos) return;
        if (static_cast<int64_t>(out.value["logGroups"].size()) >= limit) {
          more = true;
          return;
        }
        std::string arn = group_arn(ctx.region, ctx.account_id, name);
        Value g = {{"logGroupName", name},     {"creationTime", r.integer(1)}, {"metricFilterCount", 0},
                   {"arn", arn + ":*"},        {"logGroupArn", arn},           {"storedBytes", r.integer(5)},
                   {"logGroupClass", r.text(4)}};
        if (r.integer(2) > 0) g["retentionInDays"] = r.integer(2);
        if (!r.text(3).empty()) g["kmsKeyId"] = r.text(3);
        out.value["logGroups"].push_back(std::move(g));
        last = name;
      }));
  if (more) out.value["nextToken"] = text::base64_encode("g:" + last);
  return out;
}

Result<Output> Provider::put_retention_policy(Context& ctx, const Value& in) {
  std::string name = in.at("logGroupName");
  int64_t days = in.at("retentionInDays");
  if (std::find(std::begin(kRetentionDays), std::end(kRetentionDays), days) == std::end(kRetentionDays))
    return constraint(std::to_string(days), "retentionInDays",
                      "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, "
                      "545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]");
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto g = find_group(ctx.account_id, ctx.region, name);
    if (!g) return g.error();
    return db_.exec("UPDATE logs_groups SET retention_days = ? WHERE id = ?", {days, g->id});
  }));
  schedule_purge();
  return Output{};
}

Result<Output> Provider::delete_retention_policy(Context& ctx, const Value& in) {
  std::string name = in.at("logGroupName");
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto g = find_group(ctx.account_id, ctx.region, name);
    if (!g) return g.error();
    return db_.exec("UPDATE logs_groups SET retention_days = 0 WHERE id = ?", {g->id});
  }));
  return Output{};
}

// --- streams ----------------------------------------------------------------

Result<Output> Provider::create_log_stream(Context& ctx, const Value& in) {
  std::string group = in.at("logGroupName"), stream = in.at("logStreamName");
  NUAGE_TRY(validate_stream_name(stream));
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto g = find_group(ctx.account_id, ctx.region, group);
    if (!g) return g.error();
    if (find_stream(g->id, stream).ok())
      return errors("ResourceAlreadyExistsException", "The specified log stream already exists");
    auto id = create_stream_row(g->id, stream, now_ms());
    return id ? Status::Ok() : Status(id.error());
  }));
  return Output{};
}

Result<Output> Provider::delete_log_stream(Context& ctx, const Value& in) {
  std::string group = in.at("logGroupName"), stream = in.at("logStreamName");
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto g = find_group(ctx.account_id, ctx.region, group);
    if (!g) return g.error();
    auto s = find_stream(g->id, stream);
    if (!s) return s.error();
    NUAGE_TRY(db_.exec("DELETE FROM logs_events WHERE stream_id = ?", {*s}));
    return db_.exec("DELETE FROM logs_streams WHERE id = ?", {*s});
  }));
  return Output{};
}

Result<Output> Provider::describe_log_streams(Context& ctx, const Value& in) {
  NUAGE_TRY(check_limit(in, 50));
  auto name = group_name_of(in);
  if (!name) return name.take_error();
  std::string prefix = in.value("logStreamNamePrefix", "");
  std::string order = in.value("orderBy", "LogStreamName");
  bool descending = in.value("descending", false);
  if (order != "LogStreamName" && order != "LastEventTime")
    return constraint(order, "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]");
  if (order == "LastEventTime" && !prefix.empty())
    return invalid_parameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  size_t offset = 0;
  if (in.contains("nextToken")) {
    auto o = parse_offset_token(in["nextToken"]);
    if (!o) return invalid_parameter("The specified nextToken is invalid.");
    offset = *o;
  }
  size_t limit = static_cast<size_t>(limit_of(in, 50));
  auto g = find_group(ctx.account_id, ctx.region, *name);
  if (!g) return g.take_error();
  std::string arn_base = group_arn(ctx.region, ctx.account_id, *name) + ":log-stream:";
  std::string sql =
      "SELECT name, created_ms, first_ts, last_ts, last_ingest, stored_bytes FROM logs_streams "
      "WHERE group_id = ? AND substr(name, 1, ?) = ? ORDER BY ";
  std::string dir = descending ? " DESC" : " ASC";
  sql += order == "LastEventTime" ? "coalesce(last_ts, 0)" + dir + ", name" + dir : "name" + dir;
  sql += " LIMIT ? OFFSET ?";
  Output out;
  out.value["logStreams"] = Value::array();
  NUAGE_TRY(db_.exec(sql,
                     {g->id, static_cast<int64_t>(prefix.size()), prefix, static_cast<int64_t>(limit + 1),
                      static_cast<int64_t>(offset)},
                     [&](const storage::Row& r) {
                       if (out.value["logStreams"].size() >= limit) {
                         out.value["nextToken"] = offset_token(offset + limit);
                         return;
                       }
                       Value s = {{"logStreamName", r.text(0)},
                                  {"creationTime", r.integer(1)},
                                  {"arn", arn_base + r.text(0)},
                                  {"storedBytes", r.integer(5)}};
                       if (!r.is_null(2)) {
                         s["firstEventTimestamp"] = r.integer(2);
                         s["lastEventTimestamp"] = r.integer(3);
                         s["lastIngestionTime"] = r.integer(4);
                         s["uploadSequenceToken"] = event_id(r.integer(4));
                       }
                       out.value["logStreams"].push_back(std::move(s));
                     }));
  return out;
}

// --- events -----------------------------------------------------------------

Result<Output> Provider::put_log_events(Context& ctx, const Value& in) {
  std::string group = in.at("logGroupName"), stream = in.at("logStreamName");
  const Value& raw = in.at("logEvents");
  if (raw.empty())
    return constraint("[]", "logEvents", "Member must have length greater than or equal to 1");
  if (raw.size() > kMaxBatchEvents)
    return constraint("[...]", "logEvents", "Member must have length less than or equal to 10000");
  std::vector<LogEvent> events;
  events.reserve(raw.size());
  size_t bytes = 0;
  for (const auto& e : raw) {
    events.push_back({e.at("timestamp").get<int64_t>(), e.at("message").get<std::string>()});
    bytes += events.back().message.size() + kEventOverhead;
  }
  if (bytes > kMaxBatchBytes)
    return invalid_parameter("Upload too large: " + std::to_string(bytes) + " bytes exceeds limit of " +
                             std::to_string(kMaxBatchBytes));
  for (size_t i = 1; i < events.size(); ++i)
    if (events[i].timestamp_ms < events[i - 1].timestamp_ms)
      return invalid_parameter("Log events in a single PutLogEvents request must be in chronological order.");

  int64_t now = now_ms();
  Output out;
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto g = find_group(ctx.account_id, ctx.region, group);
    if (!g) return g.error();
    auto s = find_stream(g->id, stream);
    if (!s) return s.error();
    // Events outside [now - 14 days (or retention), now + 2 hours] are
    // rejected one by one and reported by index; the rest are stored.
    int64_t too_old_before = now - 14 * kDayMs;
    int64_t expired_before = g->retention_days > 0 ? now - g->retention_days * kDayMs : 0;
    int64_t too_new_after = now + 2 * kHourMs;
    Value rejected = Value::object();
    std::vector<LogEvent> accepted;
    for (size_t i = 0; i < events.size(); ++i) {
      int64_t ts = events[i].timestamp_ms;
      if (ts > too_new_after) {
        if (!rejected.contains("tooNewLogEventStartIndex")) rejected["tooNewLogEventStartIndex"] = i;
      } else if (ts < too_old_before) {
        rejected["tooOldLogEventEndIndex"] = i;
      } else if (ts < expired_before) {
        rejected["expiredLogEventEndIndex"] = i;
      } else {
        accepted.push_back(events[i]);
      }
    }
    if (!accepted.empty() && accepted.back().timestamp_ms - accepted.front().timestamp_ms > kDayMs)
      return invalid_parameter(
          "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
    NUAGE_TRY(insert_events(g->id, *s, accepted, now));
    if (!rejected.empty()) out.value["rejectedLogEventsInfo"] = rejected;
    out.value["nextSequenceToken"] = event_id(now);
    return Status::Ok();
  }));
  return out;
}

Result<Output> Provider::get_log_events(Context& ctx, const Value& in) {
  NUAGE_TRY(check_limit(in, 10000));
  auto name = group_name_of(in);
  if (!name) return name.take_error();
  std::string stream = in.at("logStreamName");
  size_t limit = static_cast<size_t>(limit_of(in, 10000));
  std::optional<std::pair<char, Key>> token;
  if (in.contains("nextToken")) {
    token = parse_token(in["nextToken"]);
    if (!token) return invalid_parameter("The specified nextToken is invalid.");
  }
  bool forward = token ? token->first == 'f' : in.value("startFromHead", false);
  auto g = find_group(ctx.account_id, ctx.region, *name);
  if (!g) return g.take_error();
  auto s = find_stream(g->id, stream);
  if (!s) return s.take_error();
  int64_t start = std::max(in.value("startTime", int64_t{0}), cutoff_ms(*g));
  int64_t end = in.value("endTime", INT64_MAX);
  Key from = token ? token->second : (forward ? Key{INT64_MIN, INT64_MIN} : Key{INT64_MAX, INT64_MAX});
  std::string sql = forward ? "SELECT ts, seq, ingest, message FROM logs_events WHERE stream_id = ? AND ts >= ? AND "
                              "ts < ? AND (ts, seq) > (?, ?) ORDER BY ts, seq LIMIT ?"
                            : "SELECT ts, seq, ingest, message FROM logs_events WHERE stream_id = ? AND ts >= ? AND "
                              "ts < ? AND (ts, seq) < (?, ?) ORDER BY ts DESC, seq DESC LIMIT ?";
  struct Row {
    Key key;
    int64_t ingest;
    std::string message;
  };
  std::vector<Row> rows;
  size_t bytes = 0;
  bool full = false;
  NUAGE_TRY(db_.exec(sql, {*s, start, end, from.ts, from.seq, static_cast<int64_t>(limit)},
                     [&](const storage::Row& r) {
                       // A response holds at most 1 MB of messages, as AWS's does. The
                       // page ends at the first event that does not fit: a smaller one
                       // after it would move the token past the one left out.
                       size_t size = r.text(3).size() + kEventOverhead;
                       if (full || (bytes + size > kMaxBatchBytes && !rows.empty())) {
                         full = true;
                         return;
                       }
                       bytes += size;
                       rows.push_back({{r.integer(0), r.integer(1)}, r.integer(2), r.text(3)});
                     }));
  if (!forward) std::reverse(rows.begin(), rows.end());
  Output out;
  out.value["events"] = Value::array();
  for (const auto& r : rows)
    out.value["events"].push_back({{"timestamp", r.key.ts}, {"message", r.message}, {"ingestionTime", r.ingest}});
  if (rows.empty()) {
    // Nothing further in that direction: the same position again.
    Key k = token ? token->second : Key{0, 0};
    out.value["nextForwardToken"] = make_token('f', k);
    out.value["nextBackwardToken"] = make_token('b', k);
  } else {
    out.value["nextForwardToken"] = make_token('f', rows.back().key);
    out.value["nextBackwardToken"] = make_token('b', rows.front().key);
  }
  return out;
}

Result<Output> Provider::filter_log_events(Context& ctx, const Value& in) {
  NUAGE_TRY(check_limit(in, 10000));
  auto name = group_name_of(in);
  if (!name) return name.take_error();
  if (in.contains("logStreamNames") && in.contains("logStreamNamePrefix"))
    return invalid_parameter("logStreamNames and logStreamNamePrefix are mutually exclusive");
  auto pattern = FilterPattern::parse(in.value("filterPattern", ""));
  if (!pattern) return pattern.take_error();
  size_t limit = static_cast<size_t>(limit_of(in, 10000));
  Key after{INT64_MIN, INT64_MIN};
  if (in.contains("nextToken")) {
    auto raw = text::base64_decode(in["nextToken"].get<std::string>());
    long long ts = 0, seq = 0;
    if (!raw || std::sscanf(raw->c_str(), "e:%lld:%lld", &ts, &seq) != 2)
      return invalid_parameter("The specified nextToken is invalid.");
    after = {ts, seq};
  }
  auto g = find_group(ctx.account_id, ctx.region, *name);
  if (!g) return g.take_error();

  std::map<int64_t, std::string> streams;
  NUAGE_TRY(db_.exec("SELECT id, name FROM logs_streams WHERE group_id = ?", {g->id},
                     [&](const storage::Row& r) { streams[r.integer(0)] = r.text(1); }));
  std::string stream_clause;
  if (in.contains("logStreamNames") || in.contains("logStreamNamePrefix")) {
    std::set<std::string> names;
    for (const auto& n : in.value("logStreamNames", Value::array())) names.insert(n.get<std::string>());
    std::string prefix = in.value("logStreamNamePrefix", "");
    std::string ids;
    for (const auto& [id, sname] : streams)
      if (in.contains("logStreamNames") ? names.count(sname) > 0 : text::starts_with(sname, prefix))
        ids += (ids.empty() ? "" : ",") + std::to_string(id);
    if (ids.empty()) {
      Output out;
      out.value["events"] = Value::array();
      out.value["searchedLogStreams"] = Value::array();
      return out;
    }
    stream_clause = " AND stream_id IN (" + ids + ")";
  }
  int64_t start = std::max(in.value("startTime", int64_t{0}), cutoff_ms(*g));
  int64_t end = in.value("endTime", INT64_MAX);
  Output out;
  out.value["events"] = Value::array();
  Value& events = out.value["events"];
  // Scan in chunks along the (group, ts, seq) index until the page is full.
  constexpr int64_t kChunk = 5000;
  const std::string scan = "SELECT ts, seq, ingest, message, stream_id FROM logs_events WHERE group_id = ? AND ts >= ? "
                           "AND ts <= ? AND (ts, seq) > (?, ?)" + stream_clause + " ORDER BY ts, seq LIMIT ?";
  Key cursor = after;
  for (;;) {
    int64_t seen = 0;
    bool full = false;
    NUAGE_TRY(db_.exec(scan, {g->id, start, end, cursor.ts, cursor.seq, kChunk}, [&](const storage::Row& r) {
      ++seen;
      if (full) return;
      cursor = {r.integer(0), r.integer(1)};
      std::string message = r.text(3);
      if (!pattern->matches(message)) return;
      events.push_back({{"logStreamName", streams[r.integer(4)]},
                        {"timestamp", cursor.ts},
                        {"message", std::move(message)},
                        {"ingestionTime", r.integer(2)},
                        {"eventId", event_id(cursor.seq)}});
      full = events.size() >= limit;
    }));
    if (full) {
      bool more = false;
      NUAGE_TRY(db_.exec(scan, {g->id, start, end, cursor.ts, cursor.seq, int64_t{1}},
                         [&](const storage::Row&) { more = true; }));
      if (more)
        out.value["nextToken"] =
            text::base64_encode("e:" + std::to_string(cursor.ts) + ":" + std::to_string(cursor.seq));
      break;
    }
    if (seen < kChunk) break;
  }
  out.value["searchedLogStreams"] = Value::array();
  return out;
}

// --- tags -------------------------------------------------------------------

namespace {
// The log group a tagging call names: its ARN
// (arn:aws:logs:region:account:log-group:NAME[:*]) or, for the older
// operations, its name.
Result<std::string> group_named(const std::string& ref) {
  if (!text::starts_with(ref, "arn:")) return ref;
  auto pos = ref.find(":log-group:");
  if (pos == std::string::npos) return invalid_parameter("Invalid resource ARN: " + ref);
  std::string name = ref.substr(pos + 11);
  if (text::ends_with(name, ":*")) name.resize(name.size() - 2);
  return name;
}
}  // namespace

Result<storage::Tags> Provider::tags(const Context& ctx, const std::string& ref) {
  auto name = group_named(ref);
  if (!name) return name.take_error();
  auto g = find_group(ctx.account_id, ctx.region, *name);
  if (!g) return g.take_error();
  return kit::tags_from(g->tags);
}

Status Provider::change_tags(const Context& ctx, const std::string& ref, const storage::Tags& add,
                             const std::vector<std::string>& remove) {
  auto name = group_named(ref);
  if (!name) return name.error();
  return db_.transaction([&]() -> Status {
    auto g = find_group(ctx.account_id, ctx.region, *name);
    if (!g) return g.error();
    Value tags = g->tags;
    for (const auto& [k, v] : add) tags[k] = v;
    for (const auto& k : remove) tags.erase(k);
    return db_.exec("UPDATE logs_groups SET tags = ? WHERE id = ?", {tags.dump(), g->id});
  });
}

// The log group or stream a call names.
static std::vector<std::string> log_resources(const kit::RequestContext& ctx, const Value& in) {
  auto group = in.find("logGroupName");
  if (group == in.end() || !group->is_string()) return {"*"};
  std::string arn = "arn:aws:logs:" + ctx.region + ":" + ctx.account_id + ":log-group:" + group->get<std::string>();
  auto stream = in.find("logStreamName");
  if (stream == in.end() || !stream->is_string()) return {arn + ":*"};
  return {arn + ":log-stream:" + stream->get<std::string>()};
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(log_resources);
  table.add("CreateLogGroup", this, &Provider::create_log_group);
  table.add("DeleteLogGroup", this, &Provider::delete_log_group);
  table.add("DescribeLogGroups", this, &Provider::describe_log_groups);
  table.add("PutRetentionPolicy", this, &Provider::put_retention_policy);
  table.add("DeleteRetentionPolicy", this, &Provider::delete_retention_policy);
  table.add("CreateLogStream", this, &Provider::create_log_stream);
  table.add("DeleteLogStream", this, &Provider::delete_log_stream);
  table.add("DescribeLogStreams", this, &Provider::describe_log_streams);
  table.add("PutLogEvents", this, &Provider::put_log_events);
  table.add("GetLogEvents", this, &Provider::get_log_events);
  table.add("FilterLogEvents", this, &Provider::filter_log_events);
  // Tags, by ARN (TagResource ...) and by group name (the older TagLogGroup ...).
  kit::TaggingSpec by_arn;
  by_arn.arn_member = "resourceArn";
  by_arn.tags_member = "tags";
  by_arn.tags_as_map = true;
  by_arn.keys_member = "tagKeys";
  by_arn.too_many_error = by_arn.reserved_error = "InvalidParameterException";
  by_arn.too_many_message = "A log group can have at most 50 tags.";
  kit::add_tagging(table, by_arn, errors, *this);
  kit::TaggingSpec by_name = by_arn;
  by_name.tag_operation = "TagLogGroup";
  by_name.untag_operation = "UntagLogGroup";
  by_name.list_operation = "ListTagsLogGroup";
  by_name.arn_member = "logGroupName";
  by_name.names_arn = false;
  by_name.keys_member = "tags";
  kit::add_tagging(table, by_name, errors, *this);
}

}  // namespace nuage::services::logs
