// The streams of DynamoDB tables and their records, in SQLite: the one
// interface through which the DynamoDB provider appends (in the same
// transaction as the item change it records, so an acknowledged write's
// record survives kill -9) and the DynamoDB Streams provider reads
// (services/dynamodb/streams.h).
//
//   dynamodb_streams         one row per stream (ARN, table, view type, key
//                            schema, shard id, created / disabled on nuage's
//                            clock, the last sequence number given, the
//                            highest one trimmed)
//   dynamodb_stream_records  (stream, sequence) → the record's JSON, WITHOUT
//                            ROWID, so a shard read is one range of the key
//
// One shard per stream: AWS splits and rolls shards over every few hours, a
// detail no client can rely on; a single shard keeps every record of a table
// in one order. Sequence numbers come from one counter for all streams (a
// record's number is unique and increasing), shown as AWS's 21-digit decimal
// strings (format_sequence). Records older than 24 hours of nuage's clock are
// trimmed, and streams disabled 24 hours ago are forgotten (trim()).
//
// Thread-safety: the database's (every member is one statement or one
// transaction).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "kit/value.h"
#include "storage/database.h"

namespace nuage::services::dynamodb {

inline constexpr double kStreamRetentionSeconds = 24 * 3600;

struct StreamInfo {
  std::string arn, account, region, table_name, label, view_type, shard_id;
  kit::Value key_schema = kit::Value::array();
  double created = 0;                 // epoch seconds, nuage clock
  std::optional<double> disabled;     // when the stream was disabled (or its table deleted)
  int64_t first_sequence = 0;         // the counter when it was created (+1: its first record)
  int64_t last_sequence = 0;          // the last record appended (first_sequence - 1: none)
  int64_t trimmed_through = 0;        // the highest sequence trimmed (0: none)
};

struct StreamRecordRow {
  int64_t sequence = 0;
  std::string record;  // the Record as JSON, its SequenceNumber included
};

// AWS's form of a sequence number: 21 decimal digits ("1" then 20 digits).
std::string format_sequence(int64_t sequence);
// The counter value of a sequence number in that form, or nullopt.
std::optional<int64_t> parse_sequence(const std::string& text);

class StreamStore {
 public:
  explicit StreamStore(storage::Database& db) : db_(db) {}
  Status open();

  // A new stream (its first sequence number taken from the counter).
  Result<StreamInfo> create(StreamInfo info);
  Status disable(const std::string& arn, double at);
  Result<std::optional<StreamInfo>> find(const std::string& arn) const;
  // The streams of a scope (of one table when `table_name` is given), by ARN.
  Result<std::vector<StreamInfo>> list(const std::string& account, const std::string& region,
                                       const std::string& table_name) const;
  // Appends a record (its SequenceNumber set here) at `created`; answers
  // the sequence given. Call inside the item change's transaction.
  Result<int64_t> append(const std::string& arn, double created, kit::Value record);
  // Up to `limit` records after sequence `after`, in order, within `max_bytes`
  // (at least one).
  Result<std::vector<StreamRecordRow>> read(const std::string& arn, int64_t after, size_t limit,
                                            size_t max_bytes) const;
  // Removes the records older than the retention at `now` and the streams
  // disabled longer ago than it.
  Status trim(double now);
  void clear();

 private:
  storage::Database& db_;
};

}  // namespace nuage::services::dynamodb
