// Streams on tables: StreamSpecification on CreateTable / UpdateTable, and
// the record every item change appends (see provider.h, Streams).
//
// A stream's ARN is the table's followed by "/stream/" and its label, the
// creation instant on nuage's clock in ISO 8601 with milliseconds and no
// zone, as AWS forms it (a second stream opened within the same millisecond
// gets the next one, so labels stay distinct). Its one shard is named as
// AWS names shards: "shardId-" + 20 digits (the creation time in
// milliseconds) + "-" + 8 hex digits.
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/provider.h"

namespace nuage::services::dynamodb {

using kit::Value;

namespace {

constexpr double kTrimIntervalSeconds = 60;

bool valid_view_type(const std::string& type) {
  return type == "KEYS_ONLY" || type == "NEW_IMAGE" || type == "OLD_IMAGE" || type == "NEW_AND_OLD_IMAGES";
}

// An attribute map in the form records are stored in (blobs in base64).
Value storable(const Value& attributes) { return Value::parse(stored_form(attributes)); }

std::string stream_shard_id(const std::string& arn, Clock::TimePoint created) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(timefmt::epoch_micros(created) / 1000));
  return "shardId-" + std::string(digits) + "-" + text::hex_encode(crypto::sha256(arn)).substr(0, 8);
}

}  // namespace

bool stream_enabled(const Value& doc) {
  auto it = doc.find("StreamSpecification");
  return it != doc.end() && it->value("StreamEnabled", false);
}

Status Provider::apply_stream_specification(const Context& ctx, Value& doc, const Value& spec, bool creating) {
  bool enable = spec.value("StreamEnabled", false);
  bool enabled = stream_enabled(doc);
  if (!enable && spec.contains("StreamViewType"))
    return validation(std::string(kInvalid) + "StreamViewType cannot be specified when StreamEnabled is false");
  if (creating && !enable) return Status::Ok();
  if (enable && enabled)
    return validation("Table already has an enabled stream: " + doc["LatestStreamArn"].get<std::string>());
  if (!enable && !enabled) return validation("Table already has no enabled stream: " + doc["TableName"].get<std::string>());
  auto now = ctx.clock->now();
  if (!enable) {
    NUAGE_TRY(streams_->disable(doc["LatestStreamArn"], timefmt::epoch_seconds(now)));
    doc.erase("StreamSpecification");
    return Status::Ok();
  }
  std::string view_type = spec.value("StreamViewType", "");
  if (view_type.empty())
    return validation(std::string(kInvalid) + "StreamViewType is required when StreamEnabled is true");
  if (!valid_view_type(view_type))
    return validation("1 validation error detected: Value '" + view_type +
                      "' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum "
                      "value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]");
  std::string label = timefmt::iso8601(now, true);
  label.pop_back();  // AWS's labels have no zone designator
  if (doc.value("LatestStreamLabel", "") >= label) {
    // Within the same millisecond as the previous stream: the next one.
    now = timefmt::from_epoch_seconds(timefmt::epoch_seconds(now) + 0.001);
    label = timefmt::iso8601(now, true);
    label.pop_back();
  }
  StreamInfo info;
  info.arn = doc["TableArn"].get<std::string>() + "/stream/" + label;
  info.account = ctx.account_id;
  info.region = ctx.region;
  info.table_name = doc["TableName"];
  info.label = label;
  info.view_type = view_type;
  info.shard_id = stream_shard_id(info.arn, now);
  info.key_schema = doc["KeySchema"];
  info.created = timefmt::epoch_seconds(now);
  auto created = streams_->create(std::move(info));
  if (!created) return created.error();
  doc["StreamSpecification"] = {{"StreamEnabled", true}, {"StreamViewType", view_type}};
  doc["LatestStreamLabel"] = label;
  doc["LatestStreamArn"] = created->arn;
  return Status::Ok();
}

Status Provider::close_stream(const Value& doc) {
  if (!stream_enabled(doc)) return Status::Ok();
  return streams_->disable(doc["LatestStreamArn"], timefmt::epoch_seconds(env_.clock.now()));
}

Status Provider::write_item(const Value& doc, const ItemKey& key, const std::optional<Value>& old,
                            const std::optional<Value>& item, bool by_ttl) {
  return env_.db.transaction([&]() -> Status {
    if (item) NUAGE_TRY(store_item(doc, key, *item));
    else if (old) NUAGE_TRY(items_->erase(doc.at("TableId"), key.hash, key.range));
    return append_record(doc, key.attributes, old, item, by_ttl);
  });
}

Status Provider::append_record(const Value& doc, const Value& keys, const std::optional<Value>& old,
                               const std::optional<Value>& item, bool by_ttl) {
  if (!stream_enabled(doc)) return Status::Ok();
  // A write that changes nothing leaves no record, as on AWS.
  if (!old && !item) return Status::Ok();
  if (old && item && values_equal(Value{{"M", *old}}, Value{{"M", *item}})) return Status::Ok();
  trim_streams();
  std::string view_type = doc["StreamSpecification"].value("StreamViewType", "KEYS_ONLY");
  auto now = env_.clock.now();
  Value change = {{"ApproximateCreationDateTime", std::floor(timefmt::epoch_seconds(now))},
                  {"Keys", storable(keys)},
                  {"StreamViewType", view_type}};
  int64_t size = item_size(keys);
  if (item && (view_type == "NEW_IMAGE" || view_type == "NEW_AND_OLD_IMAGES")) {
    change["NewImage"] = storable(*item);
    size += item_size(*item);
  }
  if (old && (view_type == "OLD_IMAGE" || view_type == "NEW_AND_OLD_IMAGES")) {
    change["OldImage"] = storable(*old);
    size += item_size(*old);
  }
  change["SizeBytes"] = size;
  std::string arn = doc["LatestStreamArn"];
  Value record = {{"eventID", text::hex_encode(crypto::random_bytes(16))},
                  {"eventName", !old ? "INSERT" : !item ? "REMOVE" : "MODIFY"},
                  {"eventVersion", "1.1"},
                  {"eventSource", "aws:dynamodb"},
                  {"awsRegion", text::split(arn, ':')[3]},
                  {"dynamodb", std::move(change)}};
  if (by_ttl) record["userIdentity"] = {{"PrincipalId", "dynamodb.amazonaws.com"}, {"Type", "Service"}};
  auto appended = streams_->append(arn, timefmt::epoch_seconds(now), std::move(record));
  if (!appended) return appended.error();
  // Readers re-read once the transaction commits (they wait on the database).
  env_.bus.wake(arn);
  return Status::Ok();
}

void Provider::trim_streams() {
  double now = timefmt::epoch_seconds(env_.clock.now());
  if (now >= trimmed_at_ && now - trimmed_at_ < kTrimIntervalSeconds) return;
  trimmed_at_ = now;
  Status s = streams_->trim(now);
  if (!s.ok()) spdlog::warn("dynamodb: cannot trim the streams: {}", s.error().message);
}

}  // namespace nuage::services::dynamodb
