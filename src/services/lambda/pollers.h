// The pollers of Lambda's event source mappings — SQS queues here, DynamoDB
// streams in stream_poller.cc (whose contract is below) — sharing one
// thread per poller, started, stopped and joined alike.
//
// SQS: each enabled mapping
// has one thread that long-polls its queue (SQS's ReceiveMessage with
// WaitTimeSeconds 20, called in-process through the environment's service
// calls with the function's execution role, so the role's policies and the
// queue's policy decide), gathers a batch (BatchSize within
// MaximumBatchingWindowInSeconds of nuage's clock), drops and deletes the
// messages FilterCriteria rejects, runs the function synchronously, and
// deletes the batch once it succeeded — all of it, or, with
// ReportBatchItemFailures, all but the batchItemFailures. A batch that fails
// stays in the queue: its messages become visible again after the queue's
// visibility timeout and the queue's redrive policy moves them to its
// dead-letter queue after maxReceiveCount receives, all in SQS.
//
// No polling loop: a poller sleeps inside SQS's long poll, which wakes when
// a message arrives or becomes visible (nuage's clock) or nuage stops. A
// poller that gets a full batch starts another (up to kMaxPollersPerMapping,
// ScalingConfig.MaximumConcurrency and the function's reserved
// concurrency); the extra ones end when they find the queue empty. FIFO
// order holds because SQS hands out no message of a group while another of
// the group is in flight.
//
// A mapping disabled or deleted stops its pollers; one waiting in a long
// poll ends when the poll returns, handing back (visibility 0) what it got.
// Pollers start when the provider opens (mappings persist), each waiting
// until nuage serves (every provider open), and are joined at close().
//
// DynamoDB streams: one poller per mapping reads the stream's shard through
// the DynamoDB Streams API (GetShardIterator, GetRecords, in-process with the
// function's execution role), from StartingPosition the first time and then
// from its checkpoint (the last sequence number done, kept in the table
// `lambda_stream_checkpoints`, so a restart resumes where it was). It waits
// on the event bus's wake-up for its stream (events/bus.h) — a write to the
// table wakes it, nothing polls — gathers BatchSize records within
// MaximumBatchingWindowInSeconds of nuage's clock, drops those FilterCriteria
// rejects, and runs the function synchronously, records in shard order. A
// batch that fails blocks the shard and is retried (after 0.5 s, 1 s, 2 s …
// of real time, at most 30 s), halved first with BisectBatchOnFunctionError,
// until it succeeds, MaximumRetryAttempts are spent or its oldest record is
// older than MaximumRecordAgeInSeconds (nuage's clock); then AWS's failure
// record (DDBStreamBatchInfo) goes to DestinationConfig.OnFailure (SQS or
// SNS, with the function's role) and the shard moves on. With
// ReportBatchItemFailures the batch is retried from the lowest sequence
// number reported.
//
// Thread-safety: all members are safe from any thread; never called with
// Shared::mutex held.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "services/lambda/invoke.h"
#include "services/lambda/resources.h"
#include "services/lambda/roles.h"
#include "services/lambda/sqs_event.h"

namespace nuage::services::lambda {

inline constexpr const char* kEventSourceMapping = "event-source-mapping";
inline constexpr int kMaxPollersPerMapping = 5;

// Whether an event source ARN is a DynamoDB stream's (else a queue's).
inline bool is_stream_source(const std::string& arn) {
  return arn.rfind("arn:aws:dynamodb:", 0) == 0 && arn.find("/stream/") != std::string::npos;
}

// A stream record of a batch: as the Streams API answers it, and as the
// function gets it.
struct StreamBatchRecord {
  Value api;
  sqs_event::Record lambda;
  std::string sequence;
  double created = 0;  // ApproximateCreationDateTime, epoch seconds
};

// How a stream mapping retries a failing batch (its members of the same names).
struct StreamRetries {
  int64_t max_retries = -1, max_age_seconds = -1;  // -1: without end
  bool bisect = false, report_failures = false;
  std::string on_failure;  // DestinationConfig.OnFailure.Destination ("": none)
};

// Where each stream mapping has got to: the sequence number done last, in
// `lambda_stream_checkpoints`. Thread-safety: the database's.
class StreamCheckpoints {
 public:
  explicit StreamCheckpoints(storage::Database& db) : db_(db) {}
  Status open();
  std::optional<std::string> load(const storage::Scope& scope, const std::string& uuid) const;
  Status save(const storage::Scope& scope, const std::string& uuid, const std::string& sequence);
  Status erase(const storage::Scope& scope, const std::string& uuid);
  void clear();

 private:
  storage::Database& db_;
};

class Pollers {
 public:
  Pollers(Shared& shared, Roles& roles, Invoker& invoker) : shared_(shared), roles_(roles), invoker_(invoker) {}
  ~Pollers() { close(); }
  // Subscribes to the stream wake-ups, then starts the pollers of every
  // enabled mapping in the store.
  void start_all();
  // After a mapping of `scope` was created, changed or deleted: starts or
  // stops its pollers to match.
  void refresh(const storage::Scope& scope, const std::string& uuid);
  // nuage stops (kit::Stoppable): pollers end as soon as they can.
  void stopping();
  // Every poller stops (POST /_nuage/reset), without waiting for them.
  void clear();
  // Stops and joins every poller.
  void close();

 private:
  struct Poller {
    storage::Scope scope;
    std::string uuid;
    bool primary = false;
    bool stream = false;  // a DynamoDB stream's (else an SQS queue's)
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    std::thread thread;
  };
  using PollerPtr = std::shared_ptr<Poller>;

  void spawn(const storage::Scope& scope, const std::string& uuid, bool primary, bool stream);  // under mu_
  void poll(const PollerPtr& p);
  void poll_stream(const PollerPtr& p);  // stream_poller.cc

  // What both kinds share. A trouble is logged, then the poller waits
  // (0.5 s, doubling to 30 s; `reset` after a success).
  struct Backoff {
    std::chrono::milliseconds delay{500};
    void reset() { delay = std::chrono::milliseconds(500); }
  };
  void trouble(const Poller& p, Backoff& backoff, const std::string& what, const AwsError& e);
  void pause(const Poller& p, Backoff& backoff);  // waits the delay, then doubles it
  // Waits until nuage serves (every provider open) or the poller must end.
  void await_serving(const Poller& p);
  // The function a mapping's document runs, its execution role ("": no
  // such function) and reserved concurrency (null: none). Under Shared::mutex.
  struct MappedFunction {
    Ref ref;
    std::string role;
    Value concurrency;
  };
  MappedFunction mapped_function(const storage::Scope& scope, const Value& mapping) const;
  // Waits (real time, at most `delay`) until the stream `arn` was appended
  // to after `seen` (the count wake() had reached), the clock passes
  // `until` (when given), or the poller must end; answers the count now.
  uint64_t await_records(const Poller& p, const std::string& arn, uint64_t seen,
                         std::optional<Clock::TimePoint> until, std::chrono::milliseconds delay);
  // The wake-ups heard for `arn` (counted once a poller asked).
  uint64_t appends(const std::string& arn);
  void on_wake(const std::string& arn);
  // Runs a stream batch (in order, retried as the contract says), calling
  // `done` with the last sequence number of each part finished (run or
  // given up); false when the poller must end before all of it is.
  bool deliver_stream_batch(const Poller& p, const Ref& ref, const std::string& stream_arn, const std::string& shard,
                            const std::string& role, const std::vector<StreamBatchRecord>& batch,
                            const StreamRetries& rules, const std::function<void(const std::string&)>& done);
  void send_stream_failure(const Ref& ref, const std::string& stream_arn, const std::string& shard,
                           const std::string& role, const std::vector<StreamBatchRecord>& batch, size_t from,
                           size_t to, const char* condition, int invoke_count, const Invoker::RunResult* last,
                           const std::string& destination);
  // Whether the poller must end (its mapping, or nuage, stops).
  bool ending(const Poller& p) const { return p.stop || stopping_; }
  // Sleeps up to `delay` of real time, or until the poller must end.
  void idle(const Poller& p, std::chrono::milliseconds delay);
  // Another poller for the mapping, when it holds fewer than `limit`.
  void scale_up(const Poller& p, int limit);
  static void join_ended(std::vector<PollerPtr>& pollers);  // under mu_: joins and drops those that ended

  Shared& shared_;
  Roles& roles_;
  Invoker& invoker_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<PollerPtr>> active_;  // by account/region/uuid
  std::map<std::string, uint64_t> appends_;  // wake-ups heard, by stream ARN (streams with a poller)
  std::optional<events::Bus::SubscriptionId> wake_subscription_;
  std::vector<PollerPtr> retired_;
  std::atomic<bool> stopping_{false};
};

}  // namespace nuage::services::lambda
