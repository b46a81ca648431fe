#include "services/dynamodb/streams_provider.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "common/text.h"
#include "common/time.h"
#include "kit/errors.h"
#include "services/dynamodb/attribute_value.h"

namespace nuage::services::dynamodb {

namespace {

const kit::Errors stream_errors("dynamodbstreams", {{"ValidationException", 400}});
constexpr int64_t kIteratorLifetimeMicros = 15 * 60 * 1000000LL;
constexpr size_t kDefaultStreamsListed = 100;

AwsError stream_validation(const std::string& message) { return stream_errors("ValidationException", message); }

AwsError no_stream(const std::string& arn) {
  return stream_errors("ResourceNotFoundException", "Requested resource not found: Stream: " + arn + " not found");
}

AwsError trimmed() {
  return stream_errors("TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in "
                                                     "a shard, which has been trimmed.");
}

// What a shard iterator names.
struct Position {
  std::string arn, shard;
  int64_t after = 0;   // the sequence read last: the next record is after it
  int64_t issued = 0;  // epoch microseconds, nuage clock
};

std::string iterator_token(const Position& p) {
  return text::base64_encode("1|" + std::to_string(p.after) + "|" + std::to_string(p.issued) + "|" + p.shard + "|" +
                             p.arn);
}

std::optional<Position> parse_iterator(const std::string& token) {
  auto decoded = text::base64_decode(token);
  if (!decoded) return std::nullopt;
  auto parts = text::split(*decoded, '|');
  if (parts.size() != 5 || parts[0] != "1") return std::nullopt;
  Position p;
  char* end = nullptr;
  p.after = std::strtoll(parts[1].c_str(), &end, 10);
  if (parts[1].empty() || *end) return std::nullopt;
  p.issued = std::strtoll(parts[2].c_str(), &end, 10);
  if (parts[2].empty() || *end) return std::nullopt;
  p.shard = parts[3];
  p.arn = parts[4];
  return p;
}

// The stored form of a record as the API answers it (images decoded).
kit::Value answered_record(const std::string& stored) {
  kit::Value record = kit::Value::parse(stored);
  kit::Value& change = record["dynamodb"];
  for (const char* image : {"Keys", "NewImage", "OldImage"})
    if (change.contains(image)) change[image] = from_stored_form(change[image].dump());
  return record;
}

kit::Value stream_summary(const StreamInfo& s) {
  return {{"StreamArn", s.arn}, {"TableName", s.table_name}, {"StreamLabel", s.label}};
}

}  // namespace

Status StreamsProvider::open() {
  store_ = std::make_unique<StreamStore>(env_.db);
  return store_->open();
}

Result<StreamInfo> StreamsProvider::stream(const Context& ctx, const std::string& arn) {
  auto parts = text::split(arn, ':');
  if (parts.size() < 6 || parts[3] != ctx.region || parts[4] != ctx.account_id) return no_stream(arn);
  NUAGE_TRY(store_->trim(timefmt::epoch_seconds(ctx.clock->now())));
  auto found = store_->find(arn);
  if (!found) return found.take_error();
  if (!*found) return no_stream(arn);
  return std::move(**found);
}

Result<kit::Output> StreamsProvider::list_streams(Context& ctx, const Value& in) {
  int64_t limit = in.value("Limit", static_cast<int64_t>(kDefaultStreamsListed));
  if (limit > static_cast<int64_t>(kDefaultStreamsListed))
    return stream_validation("1 validation error detected: Value '" + std::to_string(limit) +
                             "' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100");
  NUAGE_TRY(store_->trim(timefmt::epoch_seconds(ctx.clock->now())));
  auto streams = store_->list(ctx.account_id, ctx.region, in.value("TableName", ""));
  if (!streams) return streams.take_error();
  std::string after = in.value("ExclusiveStartStreamArn", "");
  Output out;
  out.value["Streams"] = Value::array();
  for (const auto& s : *streams) {
    if (!after.empty() && s.arn <= after) continue;
    if (static_cast<int64_t>(out.value["Streams"].size()) == limit) {
      out.value["LastEvaluatedStreamArn"] = out.value["Streams"].back()["StreamArn"];
      break;
    }
    out.value["Streams"].push_back(stream_summary(s));
  }
  return out;
}

Result<kit::Output> StreamsProvider::describe_stream(Context& ctx, const Value& in) {
  auto s = stream(ctx, in.at("StreamArn"));
  if (!s) return s.take_error();
  Value range = {{"StartingSequenceNumber", format_sequence(s->first_sequence)}};
  if (s->disabled) range["EndingSequenceNumber"] = format_sequence(std::max(s->last_sequence, s->first_sequence));
  Value shards = Value::array();
  // One shard: a page that starts after it is empty.
  if (in.value("ExclusiveStartShardId", "") != s->shard_id)
    shards.push_back({{"ShardId", s->shard_id}, {"SequenceNumberRange", range}});
  Value description = stream_summary(*s);
  description["StreamStatus"] = s->disabled ? "DISABLED" : "ENABLED";
  description["StreamViewType"] = s->view_type;
  description["CreationRequestDateTime"] = s->created;
  description["KeySchema"] = s->key_schema;
  description["Shards"] = std::move(shards);
  Output out;
  out.value["StreamDescription"] = std::move(description);
  return out;
}

Result<kit::Output> StreamsProvider::get_shard_iterator(Context& ctx, const Value& in) {
  auto s = stream(ctx, in.at("StreamArn"));
  if (!s) return s.take_error();
  if (in.at("ShardId") != s->shard_id)
    return stream_errors("ResourceNotFoundException", "Requested resource not found: Shard does not exist");
  std::string type = in.at("ShardIteratorType");
  bool at_sequence = type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER";
  if (at_sequence != in.contains("SequenceNumber"))
    return stream_validation(at_sequence ? "SequenceNumber is required for ShardIteratorType " + type
                                         : "SequenceNumber cannot be provided for ShardIteratorType " + type);
  Position p;
  p.arn = s->arn;
  p.shard = s->shard_id;
  p.issued = timefmt::epoch_micros(ctx.clock->now());
  if (type == "TRIM_HORIZON") {
    p.after = std::max(s->trimmed_through, s->first_sequence - 1);
  } else if (type == "LATEST") {
    p.after = s->last_sequence;
  } else {
    std::string given = in["SequenceNumber"];
    auto n = parse_sequence(given);
    if (!n || *n < s->first_sequence || *n > s->last_sequence)
      return stream_validation("Invalid SequenceNumber: " + given + " is not in the shard's sequence number range");
    p.after = type == "AT_SEQUENCE_NUMBER" ? *n - 1 : *n;
    if (p.after < s->trimmed_through) return trimmed();
  }
  Output out;
  out.value["ShardIterator"] = iterator_token(p);
  return out;
}

Result<kit::Output> StreamsProvider::get_records(Context& ctx, const Value& in) {
  int64_t limit = in.value("Limit", static_cast<int64_t>(kMaxStreamRecordsRead));
  if (limit > static_cast<int64_t>(kMaxStreamRecordsRead))
    return stream_validation("1 validation error detected: Value '" + std::to_string(limit) +
                             "' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000");
  auto p = parse_iterator(in.at("ShardIterator"));
  if (!p) return stream_validation("Invalid ShardIterator");
  auto s = stream(ctx, p->arn);
  if (!s) return s.take_error();
  if (p->shard != s->shard_id)
    return stream_errors("ResourceNotFoundException", "Invalid ShardId in ShardIterator");
  int64_t now = timefmt::epoch_micros(ctx.clock->now());
  if (now - p->issued > kIteratorLifetimeMicros)
    return stream_errors("ExpiredIteratorException", "The provided iterator exceeds the maximum age allowed.");
  if (p->after < s->trimmed_through) return trimmed();
  auto rows = store_->read(s->arn, p->after, static_cast<size_t>(limit), kMaxStreamBytesRead);
  if (!rows) return rows.take_error();
  Output out;
  out.value["Records"] = Value::array();
  for (const auto& row : *rows) {
    out.value["Records"].push_back(answered_record(row.record));
    p->after = row.sequence;
  }
  // A closed shard read to its end has no next iterator.
  if (!(s->disabled && p->after >= s->last_sequence)) {
    p->issued = now;
    out.value["NextShardIterator"] = iterator_token(*p);
  }
  return out;
}

void StreamsProvider::register_operations(kit::OperationTable& table) {
  table.set_iam_prefix("dynamodb");
  auto named = [](const Context&, const Value& in) {
    return std::vector<std::string>{in.value("StreamArn", "*")};
  };
  auto by_iterator = [](const Context&, const Value& in) {
    auto p = in.contains("ShardIterator") && in["ShardIterator"].is_string() ? parse_iterator(in["ShardIterator"])
                                                                            : std::nullopt;
    return std::vector<std::string>{p ? p->arn : "*"};
  };
  table.add("ListStreams", this, &StreamsProvider::list_streams);
  table.add("DescribeStream", this, &StreamsProvider::describe_stream).iam_resources(named);
  table.add("GetShardIterator", this, &StreamsProvider::get_shard_iterator).iam_resources(named);
  table.add("GetRecords", this, &StreamsProvider::get_records).iam_resources(by_iterator);
}

}  // namespace nuage::services::dynamodb
