// The DynamoDB stream pollers of Lambda's event source mappings (the
// contract is in pollers.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "events/targets.h"
#include "services/lambda/pollers.h"
#include "services/lambda/sqs_event.h"

namespace nuage::services::lambda {

namespace {

constexpr int64_t kMaxRecordsPerRead = 1000;
constexpr auto kIdleWait = std::chrono::seconds(30);  // a safety net: wake-ups end the wait

// What a stream poller needs of its mapping and function, read at each batch.
struct StreamMapping {
  bool found = false, enabled = false;
  Ref ref;
  std::string role, stream_arn, starting_position = "LATEST", on_failure;
  int64_t batch_size = 100, window_seconds = 0, max_retries = -1, max_age_seconds = -1;
  Value filters = Value::array();
  bool report_failures = false, bisect = false;
};


// Blobs (binary Values) become base64 text, as the JSON event carries them.
nlohmann::ordered_json event_json(const Value& v) {
  if (v.is_binary()) return text::base64_encode(kit::blob_bytes(v));
  if (v.is_object()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [k, item] : v.items()) out[k] = event_json(item);
    return out;
  }
  if (v.is_array()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& item : v) out.push_back(event_json(item));
    return out;
  }
  return nlohmann::ordered_json::parse(v.dump());
}

// AWS's record of a DynamoDB stream event, its members in AWS's order.
sqs_event::Record stream_event_record(const Value& api, const std::string& stream_arn) {
  sqs_event::Record r = sqs_event::Record::object();
  for (const char* member : {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion"})
    r[member] = api.value(member, "");
  const Value change = api.value("dynamodb", Value::object());
  sqs_event::Record dynamodb = sqs_event::Record::object();
  for (const char* member : {"ApproximateCreationDateTime", "Keys", "NewImage", "OldImage", "SequenceNumber",
                             "SizeBytes", "StreamViewType"})
    if (change.contains(member)) dynamodb[member] = event_json(change[member]);
  r["dynamodb"] = std::move(dynamodb);
  if (api.contains("userIdentity"))
    r["userIdentity"] = {{"type", api["userIdentity"].value("Type", "")},
                         {"principalId", api["userIdentity"].value("PrincipalId", "")}};
  r["eventSourceARN"] = stream_arn;
  return r;
}

std::string batch_payload(const std::vector<StreamBatchRecord>& batch, size_t from, size_t to) {
  std::vector<sqs_event::Record> records;
  for (size_t i = from; i < to; ++i) records.push_back(batch[i].lambda);
  return sqs_event::event_payload(records);
}

std::string iso_of(double epoch_seconds) { return timefmt::iso8601_millis(epoch_seconds); }

}  // namespace

uint64_t Pollers::appends(const std::string& arn) {
  std::lock_guard lock(mu_);
  return appends_[arn];  // counted from now on
}

void Pollers::on_wake(const std::string& arn) {
  std::lock_guard lock(mu_);
  auto it = appends_.find(arn);
  if (it == appends_.end()) return;  // no poller reads that stream
  ++it->second;
  cv_.notify_all();
}

uint64_t Pollers::await_records(const Poller& p, const std::string& arn, uint64_t seen,
                                std::optional<Clock::TimePoint> until, std::chrono::milliseconds delay) {
  Clock& clock = shared_.env.clock;
  // The clock's instant wakes the wait too (a batching window's end).
  std::optional<Clock::TimerId> timer;
  if (until)
    timer = clock.schedule(*until, [this](Clock::TimePoint) {
      std::lock_guard lock(mu_);
      cv_.notify_all();
    });
  uint64_t now_seen = 0;
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, delay, [&] {
      return ending(p) || appends_[arn] != seen || (until && clock.now() >= *until);
    });
    now_seen = appends_[arn];
  }
  if (timer) clock.cancel(*timer);
  return now_seen;
}

void Pollers::poll_stream(const PollerPtr& self) {
  Poller& p = *self;
  const kit::Environment& env = shared_.env;
  await_serving(p);
  Backoff backoff;
  auto trouble = [&](const std::string& what, const AwsError& e) { this->trouble(p, backoff, what, e); };
  StreamCheckpoints checkpoints(shared_.env.db);
  std::string position;  // the sequence number done last ("": none yet)
  {
    auto saved = checkpoints.load(p.scope, p.uuid);
    if (saved) position = *saved;
  }
  std::optional<std::string> iterator;
  std::string shard;
  while (!ending(p)) {
    StreamMapping m;
    {
      std::lock_guard lock(shared_.mutex);
      const Value* doc = shared_.store->get(p.scope, kEventSourceMapping, p.uuid);
      if (doc) {
        m.found = true;
        m.enabled = doc->value("State", "") == "Enabled";
        m.stream_arn = doc->value("EventSourceArn", "");
        m.starting_position = doc->value("StartingPosition", "LATEST");
        m.batch_size = doc->value("BatchSize", int64_t{100});
        m.window_seconds = doc->value("MaximumBatchingWindowInSeconds", int64_t{0});
        m.max_retries = doc->value("MaximumRetryAttempts", int64_t{-1});
        m.max_age_seconds = doc->value("MaximumRecordAgeInSeconds", int64_t{-1});
        m.bisect = doc->value("BisectBatchOnFunctionError", false);
        m.on_failure = doc->value("DestinationConfig", Value::object())
                           .value("OnFailure", Value::object())
                           .value("Destination", "");
        if (doc->contains("FilterCriteria")) m.filters = (*doc)["FilterCriteria"].value("Filters", Value::array());
        for (const auto& t : doc->value("FunctionResponseTypes", Value::array()))
          m.report_failures = m.report_failures || t == "ReportBatchItemFailures";
        MappedFunction fn = mapped_function(p.scope, *doc);
        m.ref = fn.ref;
        m.role = fn.role;
      }
    }
    if (!m.found) {
      (void)checkpoints.erase(p.scope, p.uuid);
      break;
    }
    if (!m.enabled) break;
    if (m.role.empty()) {
      trouble("function", AwsError{"ResourceNotFoundException", "the function does not exist", 404});
      continue;
    }
    auto creds = roles_.credentials(m.ref.account, m.ref.region, m.role, m.ref.name);
    if (!creds) {
      trouble("execution role", creds.error());
      continue;
    }
    std::string region = text::split(m.stream_arn, ':')[3];
    auto streams = [&](const char* operation, Value in) {
      return env.call("dynamodbstreams", operation, in, *creds, region);
    };

    // The shard iterator: from the checkpoint, or the starting position.
    if (!iterator) {
      if (shard.empty()) {
        auto described = streams("DescribeStream", {{"StreamArn", m.stream_arn}});
        if (!described) {
          trouble("DescribeStream", described.error());
          continue;
        }
        const Value shards = described->value["StreamDescription"].value("Shards", Value::array());
        if (shards.empty()) {
          trouble("DescribeStream", AwsError{"ResourceNotFoundException", "the stream has no shard", 400});
          continue;
        }
        shard = shards[0].value("ShardId", "");
      }
      Value in = {{"StreamArn", m.stream_arn}, {"ShardId", shard}};
      if (position.empty()) {
        in["ShardIteratorType"] = m.starting_position;
      } else {
        in["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER";
        in["SequenceNumber"] = position;
      }
      auto got = streams("GetShardIterator", in);
      if (!got && got.error().code == "TrimmedDataAccessException") {
        // The checkpoint was trimmed away (24 hours): on from the oldest kept.
        in = {{"StreamArn", m.stream_arn}, {"ShardId", shard}, {"ShardIteratorType", "TRIM_HORIZON"}};
        got = streams("GetShardIterator", in);
      }
      if (!got) {
        trouble("GetShardIterator", got.error());
        continue;
      }
      iterator = got->value.value("ShardIterator", "");
    }

    // Gather a batch: wait for the first record (a wake-up), then within
    // the batching window for more.
    std::vector<StreamBatchRecord> batch;
    std::optional<Clock::TimePoint> window_end;
    bool restart = false, closed = false;
    while (!ending(p)) {
      uint64_t seen = appends(m.stream_arn);
      int64_t want = std::min<int64_t>(kMaxRecordsPerRead, m.batch_size - static_cast<int64_t>(batch.size()));
      auto r = streams("GetRecords", {{"ShardIterator", *iterator}, {"Limit", want}});
      if (!r) {
        const std::string& code = r.error().code;
        if (code == "ExpiredIteratorException" || code == "TrimmedDataAccessException") {
          iterator.reset();  // a new one from the checkpoint
          restart = true;
          break;
        }
        trouble("GetRecords", r.error());
        restart = true;
        break;
      }
      if (r->value.contains("NextShardIterator")) iterator = r->value["NextShardIterator"].get<std::string>();
      else closed = true;
      for (const auto& record : r->value.value("Records", Value::array())) {
        StreamBatchRecord d;
        d.api = record;
        d.lambda = stream_event_record(record, m.stream_arn);
        d.sequence = record["dynamodb"].value("SequenceNumber", "");
        d.created = record["dynamodb"].value("ApproximateCreationDateTime", 0.0);
        batch.push_back(std::move(d));
      }
      if (static_cast<int64_t>(batch.size()) >= m.batch_size || closed) break;
      if (!batch.empty()) {
        if (m.window_seconds == 0) break;
        if (!window_end) window_end = env.clock.now() + std::chrono::seconds(m.window_seconds);
        if (env.clock.now() >= *window_end) break;
      }
      // Nothing more yet: sleep until the stream is written (or the window ends).
      if (r->value.value("Records", Value::array()).empty()) await_records(p, m.stream_arn, seen, window_end, kIdleWait);
    }
    if (restart || ending(p)) continue;
    backoff.reset();
    if (batch.empty()) {
      if (closed) idle(p, kIdleWait);  // the stream was disabled: nothing will come
      continue;
    }
    // Filter: records no filter matches are done without an invocation.
    std::string last = batch.back().sequence;  // before the records move into `kept`
    std::vector<StreamBatchRecord> kept;
    for (auto& d : batch)
      if (sqs_event::passes_filters(m.filters, Value::parse(d.lambda.dump()))) kept.push_back(std::move(d));
    auto checkpoint = [&](const std::string& sequence) {
      position = sequence;
      Status saved = checkpoints.save(p.scope, p.uuid, position);
      if (!saved.ok()) spdlog::warn("lambda: event source mapping {}: checkpoint: {}", p.uuid, saved.error().message);
    };
    StreamRetries rules{m.max_retries, m.max_age_seconds, m.bisect, m.report_failures, m.on_failure};
    // Stopped midway: what is left runs again from the checkpoint.
    if (deliver_stream_batch(p, m.ref, m.stream_arn, shard, m.role, kept, rules, checkpoint))
      checkpoint(last);  // the records filtered out after the last kept are done too
  }
}

bool Pollers::deliver_stream_batch(const Poller& p, const Ref& ref, const std::string& stream_arn,
                                   const std::string& shard, const std::string& role,
                                   const std::vector<StreamBatchRecord>& batch, const StreamRetries& rules,
                                   const std::function<void(const std::string&)>& done) {
  // The chunks still to deliver, in order: [from, to) of the batch.
  std::deque<std::pair<size_t, size_t>> chunks;
  if (!batch.empty()) chunks.emplace_back(0, batch.size());
  int failures = 0;
  std::optional<Invoker::RunResult> last;  // the chunk's last run
  Backoff backoff;
  const kit::Environment& env = shared_.env;
  while (!chunks.empty()) {
    if (ending(p)) return false;
    auto [from, to] = chunks.front();
    double now = timefmt::epoch_seconds(env.clock.now());
    bool too_old = rules.max_age_seconds >= 0 && now - batch[from].created > static_cast<double>(rules.max_age_seconds);
    const char* give_up = too_old ? "RecordAgeExceeded" : nullptr;
    if (!give_up) {
      auto result = invoker_.run_for_source(ref, batch_payload(batch, from, to), [&] { return ending(p); });
      bool ok = result && result->function_error.empty();
      if (result) last = *result;
      size_t failed_from = to;  // the first record to retry (to: none)
      if (!ok) failed_from = from;
      if (ok && rules.report_failures) {
        std::set<std::string> ids;
        for (size_t i = from; i < to; ++i) ids.insert(batch[i].sequence);
        auto reported = sqs_event::failed_items(result->payload, ids);
        if (!reported) {
          failed_from = from;  // a malformed answer fails the whole batch
        } else if (!reported->empty()) {
          for (size_t i = from; i < to; ++i)
            if (reported->count(batch[i].sequence)) {
              failed_from = i;
              break;
            }
        }
      }
      if (failed_from == to) {
        done(batch[to - 1].sequence);  // even when the poller now ends: the run happened
        chunks.pop_front();
        failures = 0;
        last.reset();
        backoff.reset();
        continue;
      }
      if (failed_from > from) done(batch[failed_from - 1].sequence);
      if (ending(p)) return false;
      chunks.front().first = failed_from;
      from = failed_from;
      // Halving a failing batch does not count as a retry, as on AWS.
      if (rules.bisect && to - from > 1 && !(ok && rules.report_failures)) {
        size_t middle = from + (to - from) / 2;
        chunks.pop_front();
        chunks.emplace_front(middle, to);
        chunks.emplace_front(from, middle);
        continue;
      }
      ++failures;
      if (rules.max_retries >= 0 && failures > rules.max_retries) give_up = "RetryAttemptsExhausted";
    }
    if (give_up) {
      send_stream_failure(ref, stream_arn, shard, role, batch, from, to, give_up, failures,
                          last ? &*last : nullptr, rules.on_failure);
      done(batch[to - 1].sequence);
      chunks.pop_front();
      failures = 0;
      last.reset();
      continue;
    }
    pause(p, backoff);
  }
  return true;
}

void Pollers::send_stream_failure(const Ref& ref, const std::string& stream_arn, const std::string& shard,
                                  const std::string& role, const std::vector<StreamBatchRecord>& batch, size_t from, size_t to,
                                  const char* condition, int invoke_count, const Invoker::RunResult* last,
                                  const std::string& destination) {
  spdlog::info("lambda: stream batch of {} records from {} dropped: {}", to - from, stream_arn, condition);
  if (destination.empty()) return;
  const kit::Environment& env = shared_.env;
  nlohmann::ordered_json record = nlohmann::ordered_json::object();
  record["requestContext"] = {{"requestId", crypto::random_uuid()},
                              {"functionArn", function_arn(ref.region, ref.account, ref.name)},
                              {"condition", condition},
                              {"approximateInvokeCount", invoke_count}};
  if (last)
    record["responseContext"] = {{"statusCode", 200},
                                 {"executedVersion", last->executed_version.empty() ? "$LATEST" : last->executed_version},
                                 {"functionError", last->function_error}};
  record["version"] = "1.0";
  record["timestamp"] = timefmt::iso8601(env.clock.now(), true);
  record["DDBStreamBatchInfo"] = {{"shardId", shard},
                                  {"startSequenceNumber", batch[from].sequence},
                                  {"endSequenceNumber", batch[to - 1].sequence},
                                  {"approximateArrivalOfFirstRecord", iso_of(batch[from].created)},
                                  {"approximateArrivalOfLastRecord", iso_of(batch[to - 1].created)},
                                  {"batchSize", to - from},
                                  {"streamArn", stream_arn}};
  auto creds = roles_.credentials(ref.account, ref.region, role, ref.name);
  if (!creds) {
    spdlog::warn("lambda: failure record for {} not sent to {}: {}", stream_arn, destination, creds.error().message);
    return;
  }
  events::Delivery d;
  d.target_arn = destination;
  d.account = ref.account;
  d.region = ref.region;
  d.payload = record.dump();
  d.caller = *creds;
  Status sent = events::Targets(env).deliver(d);
  if (!sent.ok())
    spdlog::warn("lambda: failure record for {} not sent to {}: {} {}", stream_arn, destination, sent.error().code,
                 sent.error().message);
}

Status StreamCheckpoints::open() {
  return db_.migrate("lambda_stream_checkpoints", {
      "CREATE TABLE lambda_stream_checkpoints (account TEXT NOT NULL, region TEXT NOT NULL, uuid TEXT NOT NULL,"
      " sequence TEXT NOT NULL, PRIMARY KEY (account, region, uuid))",
  });
}

std::optional<std::string> StreamCheckpoints::load(const storage::Scope& scope, const std::string& uuid) const {
  std::optional<std::string> found;
  (void)db_.exec("SELECT sequence FROM lambda_stream_checkpoints WHERE account = ? AND region = ? AND uuid = ?",
                 {scope.account, scope.region, uuid}, [&](const storage::Row& row) { found = row.text(0); });
  return found;
}

Status StreamCheckpoints::save(const storage::Scope& scope, const std::string& uuid, const std::string& sequence) {
  return db_.exec("INSERT OR REPLACE INTO lambda_stream_checkpoints (account, region, uuid, sequence) VALUES (?, ?, ?, ?)",
                  {scope.account, scope.region, uuid, sequence});
}

Status StreamCheckpoints::erase(const storage::Scope& scope, const std::string& uuid) {
  return db_.exec("DELETE FROM lambda_stream_checkpoints WHERE account = ? AND region = ? AND uuid = ?",
                  {scope.account, scope.region, uuid});
}

void StreamCheckpoints::clear() { (void)db_.exec("DELETE FROM lambda_stream_checkpoints"); }

}  // namespace nuage::services::lambda
