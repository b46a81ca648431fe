#include "services/lambda/pollers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "events/targets.h"
#include "services/lambda/sqs_event.h"

namespace nuage::services::lambda {

namespace {

constexpr int64_t kLongPollSeconds = 20;
constexpr size_t kMaxReceive = 10;  // messages per ReceiveMessage
// A batch's payload stays within the synchronous invocation limit (6 MB).
constexpr size_t kMaxBatchBytes = 6291456 - 65536;

std::string key_of(const storage::Scope& scope, const std::string& uuid) {
  return scope.account + "/" + scope.region + "/" + uuid;
}

// What a poller needs of its mapping and function, read at each batch.
struct Snapshot {
  bool found = false, enabled = false;
  Ref ref;
  std::string role, queue_arn;
  int64_t batch_size = 10, window_seconds = 0;
  Value filters = Value::array();
  bool report_failures = false;
  int limit = kMaxPollersPerMapping;  // concurrent batches
};

// The receipt handles of `messages`, deleted (or given back) ten at a time.
Status for_each_ten(const std::vector<Value>& messages,
                    const std::function<Status(const Value& entries)>& call) {
  for (size_t i = 0; i < messages.size(); i += kMaxReceive) {
    Value entries = Value::array();
    for (size_t j = i; j < std::min(messages.size(), i + kMaxReceive); ++j)
      entries.push_back({{"Id", std::to_string(j)}, {"ReceiptHandle", messages[j]["ReceiptHandle"]}});
    NUAGE_TRY(call(entries));
  }
  return Status::Ok();
}

}  // namespace

void Pollers::start_all() {
  {
    Status s = StreamCheckpoints(shared_.env.db).open();
    if (!s.ok()) spdlog::warn("lambda: stream checkpoints: {}", s.error().message);
  }
  // Subscribed outside mu_: a wake-up holds the bus's lock, then takes mu_.
  auto subscription = shared_.env.bus.subscribe_wakeups([this](const std::string& arn) { on_wake(arn); });
  {
    std::lock_guard lock(mu_);
    wake_subscription_ = subscription;
  }
  std::vector<std::pair<storage::Scope, std::string>> enabled;
  {
    std::lock_guard lock(shared_.mutex);
    shared_.store->for_each(kEventSourceMapping, [&](const storage::Scope& scope, const std::string& id,
                                                     const Value& doc) {
      if (doc.value("State", "") == "Enabled") enabled.emplace_back(scope, id);
    });
  }
  for (const auto& [scope, id] : enabled) refresh(scope, id);
}

void Pollers::refresh(const storage::Scope& scope, const std::string& uuid) {
  bool enabled = false, stream = false;
  {
    std::lock_guard lock(shared_.mutex);
    const Value* doc = shared_.store->get(scope, kEventSourceMapping, uuid);
    enabled = doc && doc->value("State", "") == "Enabled";
    stream = doc && is_stream_source(doc->value("EventSourceArn", ""));
  }
  std::lock_guard lock(mu_);
  join_ended(retired_);
  if (stopping_) return;
  std::string key = key_of(scope, uuid);
  auto& pollers = active_[key];
  if (enabled) {
    if (pollers.empty()) spawn(scope, uuid, true, stream);
    return;
  }
  for (auto& p : pollers) {
    p->stop = true;
    retired_.push_back(p);
  }
  active_.erase(key);
  cv_.notify_all();
}

void Pollers::spawn(const storage::Scope& scope, const std::string& uuid, bool primary, bool stream) {
  auto p = std::make_shared<Poller>();
  p->scope = scope;
  p->uuid = uuid;
  p->primary = primary;
  p->stream = stream;
  active_[key_of(scope, uuid)].push_back(p);
  p->thread = std::thread([this, p] {
    if (p->stream) poll_stream(p);
    else poll(p);
    p->done = true;
  });
}

void Pollers::join_ended(std::vector<PollerPtr>& pollers) {
  for (auto it = pollers.begin(); it != pollers.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = pollers.erase(it);
    } else {
      ++it;
    }
  }
}

void Pollers::stopping() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

void Pollers::clear() {
  StreamCheckpoints(shared_.env.db).clear();
  std::lock_guard lock(mu_);
  for (auto& [key, pollers] : active_)
    for (auto& p : pollers) {
      p->stop = true;
      retired_.push_back(p);
    }
  active_.clear();
  join_ended(retired_);
  cv_.notify_all();
}

void Pollers::close() {
  std::vector<PollerPtr> all;
  std::optional<events::Bus::SubscriptionId> subscription;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    subscription = wake_subscription_;
    wake_subscription_.reset();
    for (auto& [key, pollers] : active_)
      for (auto& p : pollers) all.push_back(p);
    active_.clear();
    for (auto& p : retired_) all.push_back(p);
    retired_.clear();
  }
  cv_.notify_all();
  if (subscription) shared_.env.bus.unsubscribe_wakeups(*subscription);
  for (auto& p : all) {
    p->stop = true;
    if (p->thread.joinable()) p->thread.join();
  }
}

void Pollers::idle(const Poller& p, std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, delay, [&] { return ending(p); });
}

void Pollers::scale_up(const Poller& p, int limit) {
  std::lock_guard lock(mu_);
  if (ending(p)) return;
  auto it = active_.find(key_of(p.scope, p.uuid));
  if (it == active_.end()) return;
  // Extra pollers that found the queue empty have ended: join them.
  auto& pollers = it->second;
  join_ended(pollers);
  if (static_cast<int>(pollers.size()) < limit) spawn(p.scope, p.uuid, false, false);
}

void Pollers::trouble(const Poller& p, Backoff& backoff, const std::string& what, const AwsError& e) {
  spdlog::warn("lambda: event source mapping {}: {}: {} {}", p.uuid, what, e.code, e.message);
  pause(p, backoff);
}

void Pollers::pause(const Poller& p, Backoff& backoff) {
  idle(p, backoff.delay);
  backoff.delay = std::min(backoff.delay * 2, std::chrono::milliseconds(30000));
}

void Pollers::await_serving(const Poller& p) {
  // Every provider must be open (SQS opens after Lambda): nuage serves then.
  while (shared_.env.port() == 0 && !ending(p)) idle(p, std::chrono::milliseconds(20));
}

Pollers::MappedFunction Pollers::mapped_function(const storage::Scope& scope, const Value& mapping) const {
  MappedFunction out;
  Context ctx;
  ctx.account_id = scope.account;
  ctx.region = scope.region;
  auto ref = parse_ref(ctx, mapping.value("FunctionArn", ""), Value::object());
  if (!ref) return out;
  out.ref = *ref;
  auto fn = shared_.function(*ref);
  if (!fn) return out;
  auto entry = resolve_entry(*ref, **fn, ref->qualifier);
  if (entry) out.role = (*entry)["config"].value("Role", "");
  out.concurrency = (**fn)["concurrency"];
  return out;
}

void Pollers::poll(const PollerPtr& self) {
  Poller& p = *self;
  const kit::Environment& env = shared_.env;
  await_serving(p);
  Backoff backoff;
  auto trouble = [&](const std::string& what, const AwsError& e) { this->trouble(p, backoff, what, e); };
  while (!ending(p)) {
    Snapshot s;
    {
      std::lock_guard lock(shared_.mutex);
      const Value* doc = shared_.store->get(p.scope, kEventSourceMapping, p.uuid);
      if (doc) {
        s.found = true;
        s.enabled = doc->value("State", "") == "Enabled";
        s.queue_arn = doc->value("EventSourceArn", "");
        s.batch_size = doc->value("BatchSize", int64_t{10});
        s.window_seconds = doc->value("MaximumBatchingWindowInSeconds", int64_t{0});
        if (doc->contains("FilterCriteria")) s.filters = (*doc)["FilterCriteria"].value("Filters", Value::array());
        for (const auto& t : doc->value("FunctionResponseTypes", Value::array()))
          s.report_failures = s.report_failures || t == "ReportBatchItemFailures";
        if (doc->contains("ScalingConfig") && (*doc)["ScalingConfig"].contains("MaximumConcurrency"))
          s.limit = std::min<int>(s.limit, (*doc)["ScalingConfig"]["MaximumConcurrency"].get<int>());
        MappedFunction fn = mapped_function(p.scope, *doc);
        s.ref = fn.ref;
        s.role = fn.role;
        if (fn.concurrency.is_number()) s.limit = std::min(s.limit, fn.concurrency.get<int>());
      }
    }
    if (!s.found || !s.enabled) break;
    if (s.role.empty()) {
      trouble("function", AwsError{"ResourceNotFoundException", "the function does not exist", 404});
      continue;
    }
    if (s.limit <= 0) {  // reserved concurrency 0: the function is throttled
      idle(p, std::chrono::milliseconds(1000));
      continue;
    }
    auto creds = roles_.credentials(s.ref.account, s.ref.region, s.role, s.ref.name);
    if (!creds) {
      trouble("execution role", creds.error());
      continue;
    }
    std::string url = events::queue_url(env, s.queue_arn);
    std::string region = text::split(s.queue_arn, ':')[3];
    auto sqs = [&](const char* operation, Value in) { return env.call("sqs", operation, in, *creds, region); };

    // Gather a batch: the first receive waits for a message; the batching
    // window (from the first message) waits for more.
    std::vector<Value> messages;
    size_t bytes = 0;
    std::optional<Clock::TimePoint> window_end;
    bool failed = false;
    while (!ending(p)) {
      int64_t wait = kLongPollSeconds;
      if (window_end) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*window_end - env.clock.now()).count();
        if (left <= 0) break;
        wait = std::min<int64_t>(kLongPollSeconds, (left + 999) / 1000);
      }
      size_t want = std::min<size_t>(kMaxReceive, static_cast<size_t>(s.batch_size) - messages.size());
      auto r = sqs("ReceiveMessage", {{"QueueUrl", url},
                                      {"MaxNumberOfMessages", want},
                                      {"WaitTimeSeconds", wait},
                                      {"AttributeNames", {"All"}},
                                      {"MessageAttributeNames", {"All"}}});
      if (!r) {
        trouble("ReceiveMessage", r.error());
        failed = true;
        break;
      }
      for (auto& m : r->value.value("Messages", Value::array())) {
        bytes += m.value("Body", "").size();
        messages.push_back(std::move(m));
      }
      if (messages.empty()) break;  // read the mapping again, then wait again
      if (messages.size() >= static_cast<size_t>(s.batch_size) || bytes >= kMaxBatchBytes || s.window_seconds == 0)
        break;
      if (!window_end) window_end = env.clock.now() + std::chrono::seconds(s.window_seconds);
    }
    if (failed) continue;
    if (messages.empty()) {
      if (!p.primary) break;  // an extra poller ends when the queue is empty
      continue;
    }
    backoff.reset();
    if (ending(p)) {
      // Disabled or deleted while it waited: what it got goes back.
      (void)for_each_ten(messages, [&](const Value& entries) -> Status {
        Value given = entries;
        for (auto& e : given) e["VisibilityTimeout"] = 0;
        auto out = sqs("ChangeMessageVisibilityBatch", {{"QueueUrl", url}, {"Entries", given}});
        return out ? Status::Ok() : Status(out.error());
      });
      break;
    }
    if (messages.size() >= std::min<size_t>(kMaxReceive, static_cast<size_t>(s.batch_size))) scale_up(p, s.limit);

    // Filter: messages no filter matches are deleted without an invocation.
    std::vector<sqs_event::Record> records;
    std::vector<Value> kept, dropped;
    std::set<std::string> ids;
    for (auto& m : messages) {
      sqs_event::Record record = sqs_event::record(m, s.queue_arn, region);
      if (sqs_event::passes(s.filters, record)) {
        ids.insert(m.value("MessageId", ""));
        records.push_back(std::move(record));
        kept.push_back(std::move(m));
      } else {
        dropped.push_back(std::move(m));
      }
    }
    auto delete_all = [&](const std::vector<Value>& gone) {
      Status st = for_each_ten(gone, [&](const Value& entries) -> Status {
        auto out = sqs("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
        if (!out) return out.error();
        return Status::Ok();
      });
      if (!st.ok()) trouble("DeleteMessageBatch", st.error());
    };
    if (!dropped.empty()) delete_all(dropped);
    if (kept.empty()) continue;

    auto result = invoker_.run_for_source(s.ref, sqs_event::event_payload(records), [&] { return ending(p); });
    if (!result) {
      spdlog::info("lambda: event source mapping {}: {} {}", p.uuid, result.error().code, result.error().message);
      continue;  // the batch returns to the queue after its visibility timeout
    }
    if (!result->function_error.empty()) continue;
    std::set<std::string> failures;
    if (s.report_failures) {
      auto reported = sqs_event::failed_items(result->payload, ids);
      if (!reported) {
        spdlog::info("lambda: event source mapping {}: the function's batchItemFailures are invalid: the whole "
                     "batch failed", p.uuid);
        continue;
      }
      failures = std::move(*reported);
    }
    std::vector<Value> done;
    for (auto& m : kept)
      if (!failures.count(m.value("MessageId", ""))) done.push_back(std::move(m));
    if (!done.empty()) delete_all(done);
  }
}

}  // namespace nuage::services::lambda
