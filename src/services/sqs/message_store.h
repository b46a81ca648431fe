// The messages of every SQS queue: in memory, indexed by queue and arrival
// order, and written through to two tables of the shared database in the
// call that changes them, so an acknowledged SendMessage (and a delete, a
// receive's new visibility) survives kill -9:
//   sqs_messages (queue ARN, seq) -> what never changes (body, attributes,
//                 digests, ids, sent time) as JSON, and the delivery state
//                 (visible-from time, receive count, first receive, receipt)
//                 as columns, so a receive rewrites four integers, not the body;
//   sqs_dedup    (queue ARN, key) -> a FIFO deduplication entry until it expires.
// open() loads both back. Times are milliseconds since the epoch on nuage's
// clock.
//
// The store keeps data, not rules: which message a receive takes, when a
// message moves to a dead-letter queue, what counts as expired are the
// provider's (services/sqs/messages.cc).
//
// Thread-safety: none; the provider calls it under its mutex.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/error.h"
#include "kit/value.h"
#include "storage/database.h"

namespace nuage::services::sqs {

struct Message {
  int64_t seq = 0;  // arrival order within its queue
  std::string id;
  std::string body;
  kit::Value attributes = kit::Value::object();         // name -> {DataType, StringValue | BinaryValue(base64)}
  kit::Value system_attributes = kit::Value::object();  // AWSTraceHeader, same form
  std::string md5_body, md5_attributes, md5_system_attributes;
  std::string group_id, dedup_id, sequence_number, sender_id;
  std::string dead_letter_source;  // the queue it was moved from (DeadLetterQueueSourceArn)
  int64_t sent_ms = 0;
  // Delivery state.
  int64_t visible_ms = 0;  // deliverable from this time (delay, then visibility timeout)
  int64_t first_receive_ms = 0;
  int receive_count = 0;
  std::string receipt;  // the nonce of the latest receive; "" before the first
  // Bytes this message holds in memory, for the store's budget.
  size_t bytes() const;
  bool in_flight(int64_t now_ms) const { return receive_count > 0 && visible_ms > now_ms; }
};

struct DedupEntry {
  int64_t expires_ms = 0;
  std::string message_id, sequence_number;
};

struct QueueMessages {
  std::map<int64_t, Message> messages;  // by seq
  std::map<std::string, DedupEntry> dedup;
  int64_t next_seq = 1;
  int64_t dedup_swept_ms = 0;  // when expired entries were last forgotten (provider's use)
};

class MessageStore {
 public:
  explicit MessageStore(storage::Database& db) : db_(db) {}
  Status open();

  // The messages of a queue (created empty on first use).
  QueueMessages& queue(const std::string& arn) { return queues_[arn]; }
  // Stores a new message at the end of `arn` (seq assigned here).
  Result<const Message*> add(const std::string& arn, Message message);
  // Writes a message's delivery state after a receive or a visibility change.
  Status update_delivery(const std::string& arn, const Message& message);
  Status erase(const std::string& arn, int64_t seq);
  // Forgets every message of a queue sent before `before_ms` (PurgeQueue),
  // or all of them and its deduplication entries (DeleteQueue: before_ms < 0).
  Status drop(const std::string& arn, int64_t before_ms = -1);
  Status remember(const std::string& arn, const std::string& key, const DedupEntry& entry);
  // Forgets a queue's deduplication entries expired at `now_ms`.
  Status expire_dedup(const std::string& arn, int64_t now_ms);
  // Runs `body` in one transaction (a move to a dead-letter queue).
  Status transaction(const std::function<Status()>& body) { return db_.transaction(body); }

  size_t total_bytes() const { return bytes_; }
  size_t total_messages() const { return count_; }
  void clear();

 private:
  storage::Database& db_;
  std::map<std::string, QueueMessages> queues_;
  size_t bytes_ = 0, count_ = 0;
};

}  // namespace nuage::services::sqs
