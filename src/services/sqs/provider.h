// Amazon SQS (json 1.0, and query for clients older than SQS's move to json):
// standard and FIFO queues, their attributes, policies and tags, and the
// messages they hold — send, receive with visibility timeouts and long
// polling, delete, redrive to a dead-letter queue — all timed by nuage's clock.
//
// State: queues are documents of the resource store (service "sqs", kind
// "queue", id = queue name, tags as a map in "Tags"), holding "Attributes"
// as AWS answers them; messages live in the message store
// (services/sqs/message_store.h), written through to SQLite in the call.
//
// Queue URLs are http://localhost:<port>/<account>/<name>: the form the
// SDKs accept and, since every request is signed for "sqs", one that routes
// back to nuage whichever URL a client posts to. A request names its queue
// by the URL's path; the account in it is the queue's owner (another
// account's queue is reached through its Policy, judged by the authorizer).
//
// Long polling: a ReceiveMessage that finds nothing waits (its handler thread
// blocked, the provider's mutex released) until a message arrives, one
// becomes visible, WaitTimeSeconds pass on nuage's clock or nuage stops; at most
// kMaxWaiters clients' receives wait at once, so waiting receives never take
// every handler thread — the others answer at once (internal callers, such as
// Lambda's event source mapping pollers, wait on threads of their own).
//
// Thread-safety: handlers run under mutex_; a waiting receive sleeps on
// arrivals_ with it released.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kit/environment.h"
#include "kit/errors.h"
#include "kit/provider.h"
#include "kit/stoppable.h"
#include "policy/resource_access.h"
#include "services/sqs/message_store.h"
#include "storage/resource_store.h"

namespace nuage::services::sqs {

// Limits on what a client can make nuage hold.
inline constexpr long kMaxMessageBytes = 1048576;           // AWS's MaximumMessageSize ceiling (1 MiB)
inline constexpr size_t kMaxQueuesPerScope = 10000;          // per account and region
inline constexpr size_t kMaxInFlightStandard = 120000;       // AWS's in-flight quotas
inline constexpr size_t kMaxInFlightFifo = 20000;
inline constexpr size_t kMaxStoredBytes = size_t{1} << 30;   // message bytes held, all queues
inline constexpr size_t kMaxTagsPerQueue = 50;
inline constexpr int kMaxWaiters = 8;

// A queue named by a request: its owner's scope, name and ARN.
struct QueueRef {
  storage::Scope scope;
  std::string name;
  std::string arn;
};

class Provider : public kit::Provider, public kit::Stoppable {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  std::string_view service() const override { return "sqs"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void stopping() override;
  void reset() override;

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

  // queues.cc
  Result<Output> create_queue(Context& ctx, const Value& in);
  Result<Output> get_queue_url(Context& ctx, const Value& in);
  Result<Output> list_queues(Context& ctx, const Value& in);
  Result<Output> delete_queue(Context& ctx, const Value& in);
  Result<Output> purge_queue(Context& ctx, const Value& in);
  Result<Output> get_queue_attributes(Context& ctx, const Value& in);
  Result<Output> set_queue_attributes(Context& ctx, const Value& in);
  Result<Output> list_dead_letter_source_queues(Context& ctx, const Value& in);
  Result<Output> add_permission(Context& ctx, const Value& in);
  Result<Output> remove_permission(Context& ctx, const Value& in);
  // The stored queue a QueueUrl names, or QueueDoesNotExist.
  Result<QueueRef> queue_of(const Context& ctx, const Value& in) const;
  // Checks attributes that need the other queues or the policy engine
  // (RedrivePolicy's target, Policy's grammar).
  std::optional<AwsError> check_references(const QueueRef& queue, const Value& attributes, bool fifo);
  std::string queue_url(const QueueRef& queue) const;
  // Applies checked attributes (an empty policy removes it) and stores the queue.
  Status update_attributes(const QueueRef& queue, const Value& given);

  // messages.cc
  Result<Output> send_message(Context& ctx, const Value& in);
  Result<Output> send_message_batch(Context& ctx, const Value& in);
  Result<Output> receive_message(Context& ctx, const Value& in);
  Result<Output> delete_message(Context& ctx, const Value& in);
  Result<Output> delete_message_batch(Context& ctx, const Value& in);
  Result<Output> change_message_visibility(Context& ctx, const Value& in);
  Result<Output> change_message_visibility_batch(Context& ctx, const Value& in);
  // One message sent to `queue` (an entry of SendMessage or its batch):
  // the output members of SendMessage.
  Result<Value> send_one(const Context& ctx, const QueueRef& queue, const Value& entry);
  // The messages a receive takes now (receive count, receipt and visibility
  // updated), moving those past maxReceiveCount to the dead-letter queue.
  // The entries of a batch, each run by `one` (its answer without the Id, or
  // the error that fails it): Successful and Failed as AWS answers them.
  Result<Output> run_batch(const Value& entries, const char* entry_shape,
                           const std::function<Result<Value>(const Value& entry)>& one);
  Result<Value> take_messages(const Context& ctx, const QueueRef& queue, const Value& in, int64_t now_ms);
  Status delete_one(const QueueRef& queue, const std::string& receipt);
  Status change_visibility_one(const QueueRef& queue, const std::string& receipt, const Value& timeout,
                               int64_t now_ms);
  // Forgets messages past the queue's retention period.
  Status expire(const QueueRef& queue, const Value& attributes, int64_t now_ms);
  // Counts for ApproximateNumberOfMessages*.
  struct Counts {
    size_t visible = 0, in_flight = 0, delayed = 0;
  };
  Counts counts(const QueueRef& queue, int64_t now_ms);

  // Resource policies (the Policy attribute), for the authorizer.
  std::optional<policy::ResourcePolicy> resource_policy(const Context& ctx, const kit::ActionTarget& target);

  int64_t now_ms() const;

  kit::Environment& env_;
  std::mutex mutex_;
  std::condition_variable arrivals_;  // a message arrived or became visible, or nuage stops
  int waiters_ = 0;
  bool stopping_ = false;  // nuage stops: waiting receives answer now
  std::unique_ptr<storage::ResourceStore> store_;
  std::unique_ptr<MessageStore> messages_;
  policy::PolicyCache policies_{policy::PolicyKind::kResource};
  // Queues deleted within the last 60 seconds (QueueDeletedRecently): ARN -> when.
  std::map<std::string, int64_t> deleted_ms_;
  // The last PurgeQueue of a queue (PurgeQueueInProgress): ARN -> when.
  std::map<std::string, int64_t> purged_ms_;
};

// Shared by the feature files.
extern const kit::Errors errors;
inline constexpr const char* kQueue = "queue";
std::string queue_arn(const storage::Scope& scope, const std::string& name);
// AWS's InvalidParameterValue with its "Value x for parameter y is invalid.
// Reason: ..." wording.
AwsError invalid_parameter(const std::string& name, const std::string& value, const std::string& reason);
AwsError queue_does_not_exist();

}  // namespace nuage::services::sqs
