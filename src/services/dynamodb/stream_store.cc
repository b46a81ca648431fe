#include "services/dynamodb/stream_store.h"

#include <cstdint>
#include <cstdio>

namespace nuage::services::dynamodb {

namespace {

constexpr const char* kStreamColumns =
    "arn, account, region, table_name, label, view_type, shard_id, key_schema, created, disabled, first_seq, "
    "last_seq, trimmed_through";

StreamInfo stream_of(const storage::Row& row) {
  StreamInfo s;
  s.arn = row.text(0);
  s.account = row.text(1);
  s.region = row.text(2);
  s.table_name = row.text(3);
  s.label = row.text(4);
  s.view_type = row.text(5);
  s.shard_id = row.text(6);
  s.key_schema = kit::Value::parse(row.text(7));
  s.created = row.real(8);
  if (!row.is_null(9)) s.disabled = row.real(9);
  s.first_sequence = row.integer(10);
  s.last_sequence = row.integer(11);
  s.trimmed_through = row.integer(12);
  return s;
}

}  // namespace

std::string format_sequence(int64_t sequence) {
  char text[32];
  std::snprintf(text, sizeof text, "1%020lld", static_cast<long long>(sequence));
  return text;
}

std::optional<int64_t> parse_sequence(const std::string& text) {
  if (text.size() != 21 || text[0] != '1') return std::nullopt;
  int64_t n = 0;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    if (n > (INT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  return n;
}

Status StreamStore::open() {
  return db_.migrate("dynamodb_streams", {
      "CREATE TABLE dynamodb_streams (arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
      " table_name TEXT NOT NULL, label TEXT NOT NULL, view_type TEXT NOT NULL, shard_id TEXT NOT NULL,"
      " key_schema TEXT NOT NULL, created REAL NOT NULL, disabled REAL, first_seq INTEGER NOT NULL,"
      " last_seq INTEGER NOT NULL, trimmed_through INTEGER NOT NULL)",
      "CREATE TABLE dynamodb_stream_records (stream TEXT NOT NULL, seq INTEGER NOT NULL, created REAL NOT NULL,"
      " record TEXT NOT NULL, PRIMARY KEY (stream, seq)) WITHOUT ROWID",
      "CREATE INDEX dynamodb_stream_records_by_age ON dynamodb_stream_records (created)",
      "CREATE TABLE dynamodb_stream_sequence (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)",
      "INSERT INTO dynamodb_stream_sequence (id, last) VALUES (1, 0)",
  });
}

Result<StreamInfo> StreamStore::create(StreamInfo info) {
  NUAGE_TRY(db_.transaction([&]() -> Status {
    NUAGE_TRY(db_.exec("SELECT last FROM dynamodb_stream_sequence WHERE id = 1", {},
                       [&](const storage::Row& row) { info.first_sequence = row.integer(0) + 1; }));
    info.last_sequence = info.first_sequence - 1;
    return db_.exec(std::string("INSERT INTO dynamodb_streams (") + kStreamColumns +
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 0)",
                    {info.arn, info.account, info.region, info.table_name, info.label, info.view_type, info.shard_id,
                     info.key_schema.dump(), info.created, info.first_sequence, info.last_sequence});
  }));
  return info;
}

Status StreamStore::disable(const std::string& arn, double at) {
  return db_.exec("UPDATE dynamodb_streams SET disabled = ? WHERE arn = ? AND disabled IS NULL", {at, arn});
}

Result<std::optional<StreamInfo>> StreamStore::find(const std::string& arn) const {
  std::optional<StreamInfo> found;
  NUAGE_TRY(db_.exec(std::string("SELECT ") + kStreamColumns + " FROM dynamodb_streams WHERE arn = ?", {arn},
                     [&](const storage::Row& row) { found = stream_of(row); }));
  return found;
}

Result<std::vector<StreamInfo>> StreamStore::list(const std::string& account, const std::string& region,
                                                  const std::string& table_name) const {
  std::vector<StreamInfo> out;
  auto on_row = [&](const storage::Row& row) { out.push_back(stream_of(row)); };
  std::string sql = std::string("SELECT ") + kStreamColumns + " FROM dynamodb_streams WHERE account = ? AND region = ?";
  if (table_name.empty())
    NUAGE_TRY(db_.exec(sql + " ORDER BY arn", {account, region}, on_row));
  else
    NUAGE_TRY(db_.exec(sql + " AND table_name = ? ORDER BY arn", {account, region, table_name}, on_row));
  return out;
}

Result<int64_t> StreamStore::append(const std::string& arn, double created, kit::Value record) {
  int64_t sequence = 0;
  NUAGE_TRY(db_.transaction([&]() -> Status {
    NUAGE_TRY(db_.exec("UPDATE dynamodb_stream_sequence SET last = last + 1 WHERE id = 1 RETURNING last", {},
                       [&](const storage::Row& row) { sequence = row.integer(0); }));
    NUAGE_TRY(db_.exec("UPDATE dynamodb_streams SET last_seq = ? WHERE arn = ?", {sequence, arn}));
    record["dynamodb"]["SequenceNumber"] = format_sequence(sequence);
    return db_.exec("INSERT INTO dynamodb_stream_records (stream, seq, created, record) VALUES (?, ?, ?, ?)",
                    {arn, sequence, created, record.dump()});
  }));
  return sequence;
}

Result<std::vector<StreamRecordRow>> StreamStore::read(const std::string& arn, int64_t after, size_t limit,
                                                       size_t max_bytes) const {
  std::vector<StreamRecordRow> out;
  size_t bytes = 0;
  NUAGE_TRY(db_.exec("SELECT seq, record FROM dynamodb_stream_records WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?",
                     {arn, after, static_cast<int64_t>(limit)}, [&](const storage::Row& row) {
                       if (!out.empty() && bytes >= max_bytes) return;
                       StreamRecordRow r{row.integer(0), row.text(1)};
                       bytes += r.record.size();
                       out.push_back(std::move(r));
                     }));
  return out;
}

Status StreamStore::trim(double now) {
  double horizon = now - kStreamRetentionSeconds;
  return db_.transaction([&]() -> Status {
    NUAGE_TRY(db_.exec("UPDATE dynamodb_streams SET trimmed_through = max(trimmed_through, (SELECT max(seq) FROM "
                       "dynamodb_stream_records WHERE stream = arn AND created < ?1)) WHERE EXISTS (SELECT 1 FROM "
                       "dynamodb_stream_records WHERE stream = arn AND created < ?1)",
                       {horizon}));
    NUAGE_TRY(db_.exec("DELETE FROM dynamodb_stream_records WHERE created < ?", {horizon}));
    NUAGE_TRY(db_.exec("DELETE FROM dynamodb_stream_records WHERE stream IN (SELECT arn FROM dynamodb_streams WHERE "
                       "disabled < ?)",
                       {horizon}));
    return db_.exec("DELETE FROM dynamodb_streams WHERE disabled < ?", {horizon});
  });
}

void StreamStore::clear() {
  (void)db_.exec("DELETE FROM dynamodb_stream_records");
  (void)db_.exec("DELETE FROM dynamodb_streams");
}

}  // namespace nuage::services::dynamodb
