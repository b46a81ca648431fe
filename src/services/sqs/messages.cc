// SendMessage(Batch), ReceiveMessage (with long polling and redrive),
// DeleteMessage(Batch), ChangeMessageVisibility(Batch).
#include <algorithm>
#include <cctype>
#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "services/sqs/message_attributes.h"
#include "services/sqs/message_digest.h"
#include "services/sqs/provider.h"
#include "services/sqs/queue_attributes.h"

namespace nuage::services::sqs {

using kit::Output;
using kit::Value;

namespace {

constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;
constexpr size_t kMaxBatchEntries = 10;

int64_t attribute_int(const kit::Value& attributes, const char* name, int64_t fallback) {
  std::string s = attributes.value(name, "");
  return s.empty() ? fallback : std::atoll(s.c_str());
}

bool is_fifo(const kit::Value& attributes) { return attributes.value("FifoQueue", "false") == "true"; }

// Receipt handles: base64 of "<queue ARN>\n<seq>\n<nonce>"; a new nonce per receive.
std::string make_receipt(const std::string& arn, int64_t seq, const std::string& nonce) {
  return text::base64_encode(arn + "\n" + std::to_string(seq) + "\n" + nonce);
}

struct Receipt {
  int64_t seq = 0;
  std::string nonce;
};

Result<Receipt> parse_receipt(const std::string& arn, const std::string& handle) {
  AwsError invalid = errors("ReceiptHandleIsInvalid",
                            "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
  auto decoded = text::base64_decode(handle);
  if (!decoded) return invalid;
  auto parts = text::split(*decoded, '\n');
  if (parts.size() != 3 || parts[0] != arn || parts[1].empty() || parts[1].size() > 18) return invalid;
  for (char c : parts[1])
    if (!std::isdigit(static_cast<unsigned char>(c))) return invalid;
  return Receipt{std::atoll(parts[1].c_str()), parts[2]};
}

std::string sequence_number(int64_t seq) {
  std::string digits = std::to_string(seq);
  return "1" + std::string(19 - std::min<size_t>(digits.size(), 19), '0') + digits;
}

std::optional<int64_t> optional_int(const kit::Value& in, const char* name) {
  auto it = in.find(name);
  if (it == in.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// The checks every batch gets before its entries run.
std::optional<AwsError> check_batch(const kit::Value& entries, const char* entry_shape) {
  if (!entries.is_array() || entries.empty())
    return errors("EmptyBatchRequest", std::string("There should be at least one ") + entry_shape + " in the request.");
  if (entries.size() > kMaxBatchEntries)
    return errors("TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent " +
                                                      std::to_string(entries.size()) + ".");
  std::set<std::string> ids;
  for (const auto& e : entries) {
    std::string id = e.value("Id", "");
    bool valid = !id.empty() && id.size() <= 80;
    for (char c : id) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!valid)
      return errors("InvalidBatchEntryId",
                    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be "
                    "at most 80 letters long.");
    if (!ids.insert(id).second) return errors("BatchEntryIdsNotDistinct", "Id " + id + " repeated.");
  }
  return std::nullopt;
}

kit::Value failed_entry(const std::string& id, const AwsError& e) {
  return {{"Id", id}, {"SenderFault", e.sender_fault()}, {"Code", e.code}, {"Message", e.message}};
}

}  // namespace

Status Provider::expire(const QueueRef& queue, const Value& attributes, int64_t now) {
  int64_t retention_ms = attribute_int(attributes, "MessageRetentionPeriod", 345600) * 1000;
  QueueMessages& q = messages_->queue(queue.arn);
  std::vector<int64_t> gone;
  // Arrival order is (nearly) sent order: stop at the first one still kept,
  // except for messages moved from a dead-letter source, which keep their
  // original sent time.
  for (const auto& [seq, m] : q.messages) {
    if (m.sent_ms + retention_ms > now) {
      if (m.dead_letter_source.empty()) break;
      continue;
    }
    gone.push_back(seq);
  }
  if (gone.empty()) return Status::Ok();
  return messages_->transaction([&]() -> Status {
    for (int64_t seq : gone) NUAGE_TRY(messages_->erase(queue.arn, seq));
    return Status::Ok();
  });
}

Provider::Counts Provider::counts(const QueueRef& queue, int64_t now) {
  Counts c;
  for (const auto& [seq, m] : messages_->queue(queue.arn).messages) {
    if (m.visible_ms <= now) ++c.visible;
    else if (m.receive_count > 0) ++c.in_flight;
    else ++c.delayed;
  }
  return c;
}

Result<Value> Provider::send_one(const Context& ctx, const QueueRef& queue, const Value& entry) {
  const Value& attrs = store_->get(queue.scope, kQueue, queue.name)->at("Attributes");
  bool fifo = is_fifo(attrs);
  std::string body = entry.value("MessageBody", "");
  if (body.empty()) return errors("MissingParameter", "The request must contain the parameter MessageBody.");
  if (!valid_message_text(body))
    return errors("InvalidMessageContents",
                  "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
                  "#xE000 to #xFFFD | #x10000 to #x10FFFF");
  auto user = user_attributes(entry.value("MessageAttributes", Value::object()));
  if (!user) return user.error();
  auto system = system_attributes(entry.value("MessageSystemAttributes", Value::object()));
  if (!system) return system.error();
  int64_t max_size = attribute_int(attrs, "MaximumMessageSize", kMaxMessageBytes);
  if (static_cast<int64_t>(body.size() + user->bytes) > max_size)
    return errors("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than " +
                                               std::to_string(max_size) + " bytes.");
  int64_t delay = attribute_int(attrs, "DelaySeconds", 0);
  if (auto given = optional_int(entry, "DelaySeconds")) {
    if (fifo)
      return invalid_parameter("DelaySeconds", std::to_string(*given),
                               "The request include parameter that is not valid for this queue type.");
    if (*given < 0 || *given > 900)
      return invalid_parameter("DelaySeconds", std::to_string(*given), "DelaySeconds must be >= 0 and <= 900");
    delay = *given;
  }
  std::string group = entry.value("MessageGroupId", "");
  std::string dedup = entry.value("MessageDeduplicationId", "");
  for (const auto& [member, value] : {std::pair{"MessageGroupId", &group}, std::pair{"MessageDeduplicationId", &dedup}})
    if (value->size() > 128) return invalid_parameter(member, *value, std::string(member) + " can only include alphanumeric and punctuation characters. 1 to 128 in length.");
  int64_t now = now_ms();
  std::string dedup_key;
  if (fifo) {
    if (group.empty()) return errors("MissingParameter", "The request must contain the parameter MessageGroupId.");
    if (dedup.empty()) {
      if (attrs.value("ContentBasedDeduplication", "false") != "true")
        return errors("InvalidParameterValue",
                      "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                      "provided explicitly");
      dedup = text::hex_encode(crypto::sha256(body));
    }
    dedup_key = attrs.value("DeduplicationScope", "queue") == "messageGroup" ? group + "\n" + dedup : dedup;
    QueueMessages& q = messages_->queue(queue.arn);
    if (now - q.dedup_swept_ms >= kDedupWindowMs) {
      NUAGE_TRY(messages_->expire_dedup(queue.arn, now));
      q.dedup_swept_ms = now;
    }
    if (auto it = q.dedup.find(dedup_key); it != q.dedup.end() && it->second.expires_ms > now) {
      // A duplicate: accepted, answered as the original was, not enqueued.
      Value out = {{"MessageId", it->second.message_id}, {"MD5OfMessageBody", md5_of_body(body)},
                   {"SequenceNumber", it->second.sequence_number}};
      if (std::string md5 = md5_of_attributes(user->attributes); !md5.empty()) out["MD5OfMessageAttributes"] = md5;
      if (std::string md5 = md5_of_attributes(system->attributes); !md5.empty())
        out["MD5OfMessageSystemAttributes"] = md5;
      return out;
    }
  } else if (!dedup.empty()) {
    return invalid_parameter("MessageDeduplicationId", dedup,
                             "The request include parameter that is not valid for this queue type.");
  }
  if (messages_->total_bytes() + body.size() + user->bytes > kMaxStoredBytes)
    return errors("OverLimit", "nuage holds at most " + std::to_string(kMaxStoredBytes >> 20) +
                                   " MiB of messages; delete some before sending more.");
  Message m;
  m.id = crypto::random_uuid();
  m.body = std::move(body);
  m.attributes = std::move(user->attributes);
  m.system_attributes = std::move(system->attributes);
  m.md5_body = md5_of_body(m.body);
  m.md5_attributes = md5_of_attributes(m.attributes);
  m.md5_system_attributes = md5_of_attributes(m.system_attributes);
  m.group_id = group;
  m.dedup_id = fifo ? dedup : "";
  m.sender_id = ctx.caller.user_id.empty() ? ctx.account_id : ctx.caller.user_id;
  m.sent_ms = now;
  m.visible_ms = now + delay * 1000;
  if (fifo) m.sequence_number = sequence_number(messages_->queue(queue.arn).next_seq);
  Result<const Message*> stored = internal_error("unset");
  NUAGE_TRY(messages_->transaction([&]() -> Status {
    stored = messages_->add(queue.arn, std::move(m));
    if (!stored) return stored.error();
    if (fifo)
      return messages_->remember(queue.arn, dedup_key,
                                 DedupEntry{now + kDedupWindowMs, (*stored)->id, (*stored)->sequence_number});
    return Status::Ok();
  }));
  const Message& sent = **stored;
  Value out = {{"MessageId", sent.id}, {"MD5OfMessageBody", sent.md5_body}};
  if (!sent.md5_attributes.empty()) out["MD5OfMessageAttributes"] = sent.md5_attributes;
  if (!sent.md5_system_attributes.empty()) out["MD5OfMessageSystemAttributes"] = sent.md5_system_attributes;
  if (fifo) out["SequenceNumber"] = sent.sequence_number;
  arrivals_.notify_all();
  return out;
}

Result<Output> Provider::send_message(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  auto sent = send_one(ctx, *queue, in);
  if (!sent) return sent.error();
  Output out;
  out.value = std::move(*sent);
  return out;
}

Result<Output> Provider::send_message_batch(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  const Value& entries = in.value("Entries", Value::array());
  // The whole batch's size, before any entry is sent.
  size_t total = 0;
  for (const auto& e : entries) {
    total += e.value("MessageBody", "").size();
    const Value attributes = e.value("MessageAttributes", Value::object());
    for (const auto& [name, v] : attributes.items())
      total += name.size() + v.value("DataType", "").size() + v.value("StringValue", "").size() +
               (v.contains("BinaryValue") ? kit::blob_bytes(v["BinaryValue"]).size() : 0);
  }
  if (total > static_cast<size_t>(kMaxMessageBytes))
    return errors("BatchRequestTooLong", "Batch requests cannot be longer than " + std::to_string(kMaxMessageBytes) +
                                             " bytes. You have sent " + std::to_string(total) + " bytes.");
  return run_batch(entries, "SendMessageBatchRequestEntry",
                   [&](const Value& entry) { return send_one(ctx, *queue, entry); });
}

Result<Output> Provider::run_batch(const Value& entries, const char* entry_shape,
                                   const std::function<Result<Value>(const Value& entry)>& one) {
  if (auto e = check_batch(entries, entry_shape)) return *e;
  Value successful = Value::array(), failed = Value::array();
  for (const auto& entry : entries) {
    auto done = one(entry);
    if (!done) {
      if (done.error().status >= 500) return done.error();
      failed.push_back(failed_entry(entry.value("Id", ""), done.error()));
      continue;
    }
    (*done)["Id"] = entry.value("Id", "");
    successful.push_back(std::move(*done));
  }
  Output out;
  out.value = {{"Successful", successful}, {"Failed", failed}};
  return out;
}

Result<Value> Provider::take_messages(const Context& ctx, const QueueRef& queue, const Value& in, int64_t now) {
  (void)ctx;
  const Value& attrs = store_->get(queue.scope, kQueue, queue.name)->at("Attributes");
  bool fifo = is_fifo(attrs);
  NUAGE_TRY(expire(queue, attrs, now));
  int64_t max = optional_int(in, "MaxNumberOfMessages").value_or(1);
  int64_t visibility = optional_int(in, "VisibilityTimeout").value_or(attribute_int(attrs, "VisibilityTimeout", 30));
  auto redrive = redrive_policy(attrs);
  const Value* dead_letter = nullptr;
  std::string dead_letter_name;
  if (redrive) {
    auto parts = text::split(redrive->dead_letter_arn, ':');
    if (parts.size() == 6) {
      dead_letter_name = parts[5];
      dead_letter = store_->get(queue.scope, kQueue, dead_letter_name);
    }
  }
  QueueMessages& q = messages_->queue(queue.arn);
  size_t in_flight = 0;
  for (const auto& [seq, m] : q.messages) in_flight += m.in_flight(now) ? 1 : 0;
  if (!fifo && in_flight >= kMaxInFlightStandard)
    return errors("OverLimit", "Too many messages in flight: the queue has " + std::to_string(in_flight) +
                                   " messages received and not deleted (the limit is 120,000).");
  std::set<std::string> blocked_groups;
  std::vector<int64_t> chosen, to_dead_letter;
  for (const auto& [seq, m] : q.messages) {
    if (static_cast<int64_t>(chosen.size()) >= max) break;
    if (fifo && blocked_groups.count(m.group_id)) continue;
    if (m.visible_ms > now) {
      // In flight or delayed: a FIFO group waits for it.
      if (fifo) blocked_groups.insert(m.group_id);
      continue;
    }
    if (redrive && dead_letter && m.receive_count >= redrive->max_receive_count) {
      to_dead_letter.push_back(seq);
      continue;
    }
    if (fifo && in_flight + chosen.size() >= kMaxInFlightFifo) break;
    chosen.push_back(seq);
  }
  if (!to_dead_letter.empty()) {
    std::string dead_letter_arn = queue_arn(queue.scope, dead_letter_name);
    NUAGE_TRY(messages_->transaction([&]() -> Status {
      for (int64_t seq : to_dead_letter) {
        Message moved = q.messages.at(seq);
        moved.dead_letter_source = queue.arn;
        moved.receive_count = 0;
        moved.first_receive_ms = 0;
        moved.receipt.clear();
        moved.visible_ms = now;
        if (is_fifo(dead_letter->at("Attributes")))
          moved.sequence_number = sequence_number(messages_->queue(dead_letter_arn).next_seq);
        auto added = messages_->add(dead_letter_arn, std::move(moved));
        if (!added) return added.error();
        NUAGE_TRY(messages_->erase(queue.arn, seq));
      }
      return Status::Ok();
    }));
    arrivals_.notify_all();
  }
  Value names = in.value("AttributeNames", Value::array());
  for (const auto& n : in.value("MessageSystemAttributeNames", Value::array())) names.push_back(n);
  std::set<std::string> system_names;
  for (const auto& n : names) system_names.insert(n.get<std::string>());
  bool all = system_names.count("All") > 0;
  auto want = [&](const char* name) { return all || system_names.count(name) > 0; };
  const Value attribute_names = in.value("MessageAttributeNames", Value::array());
  Value out = Value::array();
  NUAGE_TRY(messages_->transaction([&]() -> Status {
    for (int64_t seq : chosen) {
      Message& m = q.messages.at(seq);
      ++m.receive_count;
      if (!m.first_receive_ms) m.first_receive_ms = now;
      m.receipt = text::hex_encode(crypto::random_bytes(8));
      m.visible_ms = now + visibility * 1000;
      NUAGE_TRY(messages_->update_delivery(queue.arn, m));
      Value message = {{"MessageId", m.id},
                       {"ReceiptHandle", make_receipt(queue.arn, m.seq, m.receipt)},
                       {"MD5OfBody", m.md5_body},
                       {"Body", m.body}};
      Value system = Value::object();
      if (want("SenderId")) system["SenderId"] = m.sender_id;
      if (want("SentTimestamp")) system["SentTimestamp"] = std::to_string(m.sent_ms);
      if (want("ApproximateReceiveCount")) system["ApproximateReceiveCount"] = std::to_string(m.receive_count);
      if (want("ApproximateFirstReceiveTimestamp"))
        system["ApproximateFirstReceiveTimestamp"] = std::to_string(m.first_receive_ms);
      if (want("SqsManagedSseEnabled")) system["SqsManagedSseEnabled"] = attrs.value("SqsManagedSseEnabled", "true");
      if (want("AWSTraceHeader") && m.system_attributes.contains("AWSTraceHeader"))
        system["AWSTraceHeader"] = m.system_attributes["AWSTraceHeader"].value("StringValue", "");
      if (want("DeadLetterQueueSourceArn") && !m.dead_letter_source.empty())
        system["DeadLetterQueueSourceArn"] = m.dead_letter_source;
      if (want("MessageGroupId") && !m.group_id.empty()) system["MessageGroupId"] = m.group_id;
      if (fifo && want("MessageDeduplicationId")) system["MessageDeduplicationId"] = m.dedup_id;
      if (fifo && want("SequenceNumber")) system["SequenceNumber"] = m.sequence_number;
      if (!system.empty()) message["Attributes"] = std::move(system);
      Value selected = select_attributes(m.attributes, attribute_names);
      if (!selected.empty()) {
        message["MD5OfMessageAttributes"] = md5_of_attributes(selected);
        message["MessageAttributes"] = output_attributes(selected);
      }
      out.push_back(std::move(message));
    }
    return Status::Ok();
  }));
  return out;
}

Result<Output> Provider::receive_message(Context& ctx, const Value& in) {
  std::unique_lock lock(mutex_);
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  if (auto max = optional_int(in, "MaxNumberOfMessages"); max && (*max < 1 || *max > 10))
    return invalid_parameter("MaxNumberOfMessages", std::to_string(*max), "Must be between 1 and 10, if provided.");
  if (auto v = optional_int(in, "VisibilityTimeout"); v && (*v < 0 || *v > 43200))
    return invalid_parameter("VisibilityTimeout", std::to_string(*v), "Must be between 0 and 43200, if provided.");
  auto wait = optional_int(in, "WaitTimeSeconds");
  if (wait && (*wait < 0 || *wait > 20))
    return invalid_parameter("WaitTimeSeconds", std::to_string(*wait), "Must be >= 0 and <= 20, if provided.");
  if (!wait)
    wait = attribute_int(store_->get(queue->scope, kQueue, queue->name)->at("Attributes"),
                         "ReceiveMessageWaitTimeSeconds", 0);
  const int64_t deadline = now_ms() + *wait * 1000;
  bool waiting = false;
  Result<Value> taken = Value::array();
  while (true) {
    if (!store_->get(queue->scope, kQueue, queue->name)) {
      taken = queue_does_not_exist();
      break;
    }
    int64_t now = now_ms();
    taken = take_messages(ctx, *queue, in, now);
    if (!taken || !taken->empty() || now >= deadline || stopping_) break;
    // The limit keeps handler threads free; an internal caller (Lambda's
    // pollers) waits on a thread of its own.
    if (!waiting && !ctx.internal) {
      if (waiters_ >= kMaxWaiters) break;
      ++waiters_;
      waiting = true;
    }
    // Wake at the deadline, or when a message of this queue becomes visible.
    int64_t wake = deadline;
    for (const auto& [seq, m] : messages_->queue(queue->arn).messages)
      if (m.visible_ms > now) wake = std::min(wake, m.visible_ms);
    auto timer = env_.clock.schedule(Clock::TimePoint(std::chrono::milliseconds(wake)), [this](Clock::TimePoint) {
      { std::lock_guard l(mutex_); }
      arrivals_.notify_all();
    });
    arrivals_.wait(lock);
    env_.clock.cancel(timer);
  }
  if (waiting) --waiters_;
  if (!taken) return taken.error();
  Output out;
  if (!taken->empty()) out.value["Messages"] = std::move(*taken);
  return out;
}

Status Provider::delete_one(const QueueRef& queue, const std::string& handle) {
  auto receipt = parse_receipt(queue.arn, handle);
  if (!receipt) return receipt.error();
  QueueMessages& q = messages_->queue(queue.arn);
  auto it = q.messages.find(receipt->seq);
  // Deleted already, or received again since (the latest receipt deletes).
  if (it == q.messages.end() || it->second.receipt != receipt->nonce) return Status::Ok();
  return messages_->erase(queue.arn, receipt->seq);
}

Result<Output> Provider::delete_message(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  NUAGE_TRY(delete_one(*queue, in.at("ReceiptHandle")));
  return Output{};
}

Result<Output> Provider::delete_message_batch(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  return run_batch(in.value("Entries", Value::array()), "DeleteMessageBatchRequestEntry",
                   [&](const Value& entry) -> Result<Value> {
                     NUAGE_TRY(delete_one(*queue, entry.value("ReceiptHandle", "")));
                     return Value::object();
                   });
}

Status Provider::change_visibility_one(const QueueRef& queue, const std::string& handle, const Value& timeout,
                                       int64_t now) {
  auto receipt = parse_receipt(queue.arn, handle);
  if (!receipt) return receipt.error();
  int64_t seconds = timeout.is_number_integer() ? timeout.get<int64_t>() : -1;
  if (seconds < 0 || seconds > 43200)
    return invalid_parameter("VisibilityTimeout", timeout.dump(), "Must be between 0 and 43200, if provided.");
  QueueMessages& q = messages_->queue(queue.arn);
  auto it = q.messages.find(receipt->seq);
  if (it == q.messages.end() || !it->second.in_flight(now))
    return errors("MessageNotInflight", "Message does not exist or is not available for visibility timeout change.");
  if (it->second.receipt != receipt->nonce)
    return invalid_parameter("ReceiptHandle", handle, "The receipt handle has expired.");
  it->second.visible_ms = now + seconds * 1000;
  NUAGE_TRY(messages_->update_delivery(queue.arn, it->second));
  if (seconds == 0) arrivals_.notify_all();
  return Status::Ok();
}

Result<Output> Provider::change_message_visibility(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  NUAGE_TRY(change_visibility_one(*queue, in.at("ReceiptHandle"), in.at("VisibilityTimeout"), now_ms()));
  return Output{};
}

Result<Output> Provider::change_message_visibility_batch(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  int64_t now = now_ms();
  return run_batch(in.value("Entries", Value::array()), "ChangeMessageVisibilityBatchRequestEntry",
                   [&](const Value& entry) -> Result<Value> {
                     NUAGE_TRY(change_visibility_one(*queue, entry.value("ReceiptHandle", ""),
                                                     entry.value("VisibilityTimeout", Value(0)), now));
                     return Value::object();
                   });
}

}  // namespace nuage::services::sqs
