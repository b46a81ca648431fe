#include "services/sqs/message_store.h"

#include <vector>

#include "common/documents.h"

namespace nuage::services::sqs {

namespace {

kit::Value fixed_part(const Message& m) {
  kit::Value v = {{"id", m.id}, {"body", m.body}, {"sent", m.sent_ms}, {"md5", m.md5_body}};
  if (!m.attributes.empty()) v["attributes"] = m.attributes;
  if (!m.system_attributes.empty()) v["system"] = m.system_attributes;
  if (!m.md5_attributes.empty()) v["md5_attributes"] = m.md5_attributes;
  if (!m.md5_system_attributes.empty()) v["md5_system"] = m.md5_system_attributes;
  if (!m.group_id.empty()) v["group"] = m.group_id;
  if (!m.dedup_id.empty()) v["dedup"] = m.dedup_id;
  if (!m.sequence_number.empty()) v["sequence"] = m.sequence_number;
  if (!m.sender_id.empty()) v["sender"] = m.sender_id;
  if (!m.dead_letter_source.empty()) v["dlq_source"] = m.dead_letter_source;
  return v;
}

Message from_fixed(const kit::Value& v) {
  Message m;
  m.id = v.value("id", "");
  m.body = v.value("body", "");
  m.sent_ms = v.value("sent", int64_t{0});
  m.md5_body = v.value("md5", "");
  m.attributes = v.value("attributes", kit::Value::object());
  m.system_attributes = v.value("system", kit::Value::object());
  m.md5_attributes = v.value("md5_attributes", "");
  m.md5_system_attributes = v.value("md5_system", "");
  m.group_id = v.value("group", "");
  m.dedup_id = v.value("dedup", "");
  m.sequence_number = v.value("sequence", "");
  m.sender_id = v.value("sender", "");
  m.dead_letter_source = v.value("dlq_source", "");
  return m;
}

}  // namespace

size_t Message::bytes() const {
  return sizeof(Message) + body.size() + attributes.dump().size() + id.size() + group_id.size() + dedup_id.size();
}

Status MessageStore::open() {
  NUAGE_TRY(db_.migrate("sqs_messages", {
      "CREATE TABLE sqs_messages (queue TEXT NOT NULL, seq INTEGER NOT NULL, message TEXT NOT NULL,"
      " visible INTEGER NOT NULL, receives INTEGER NOT NULL, first_receive INTEGER NOT NULL,"
      " receipt TEXT NOT NULL, PRIMARY KEY (queue, seq)) WITHOUT ROWID",
      "CREATE TABLE sqs_dedup (queue TEXT NOT NULL, key TEXT NOT NULL, expires INTEGER NOT NULL,"
      " message_id TEXT NOT NULL, sequence TEXT NOT NULL, PRIMARY KEY (queue, key)) WITHOUT ROWID",
  }));
  queues_.clear();
  bytes_ = count_ = 0;
  Status bad = Status::Ok();
  NUAGE_TRY(db_.exec("SELECT queue, seq, message, visible, receives, first_receive, receipt FROM sqs_messages", {},
                     [&](const storage::Row& row) {
                       auto fixed = documents::parse_json(row.text(2));
                       if (!fixed.ok()) {
                         bad = internal_error("sqs: unreadable message row");
                         return;
                       }
                       Message m = from_fixed(fixed.value);
                       m.seq = row.integer(1);
                       m.visible_ms = row.integer(3);
                       m.receive_count = static_cast<int>(row.integer(4));
                       m.first_receive_ms = row.integer(5);
                       m.receipt = row.text(6);
                       QueueMessages& q = queues_[row.text(0)];
                       q.next_seq = std::max(q.next_seq, m.seq + 1);
                       bytes_ += m.bytes();
                       ++count_;
                       q.messages.emplace(m.seq, std::move(m));
                     }));
  NUAGE_TRY(bad);
  return db_.exec("SELECT queue, key, expires, message_id, sequence FROM sqs_dedup", {}, [&](const storage::Row& row) {
    queues_[row.text(0)].dedup[row.text(1)] = DedupEntry{row.integer(2), row.text(3), row.text(4)};
  });
}

Result<const Message*> MessageStore::add(const std::string& arn, Message message) {
  QueueMessages& q = queues_[arn];
  message.seq = q.next_seq;
  NUAGE_TRY(db_.exec("INSERT INTO sqs_messages (queue, seq, message, visible, receives, first_receive, receipt)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     {arn, message.seq, fixed_part(message).dump(), message.visible_ms,
                      int64_t{message.receive_count}, message.first_receive_ms, message.receipt}));
  ++q.next_seq;
  bytes_ += message.bytes();
  ++count_;
  auto [it, inserted] = q.messages.emplace(message.seq, std::move(message));
  (void)inserted;
  return &it->second;
}

Status MessageStore::update_delivery(const std::string& arn, const Message& m) {
  return db_.exec("UPDATE sqs_messages SET visible = ?, receives = ?, first_receive = ?, receipt = ?"
                  " WHERE queue = ? AND seq = ?",
                  {m.visible_ms, int64_t{m.receive_count}, m.first_receive_ms, m.receipt, arn, m.seq});
}

Status MessageStore::erase(const std::string& arn, int64_t seq) {
  NUAGE_TRY(db_.exec("DELETE FROM sqs_messages WHERE queue = ? AND seq = ?", {arn, seq}));
  auto q = queues_.find(arn);
  if (q == queues_.end()) return Status::Ok();
  auto it = q->second.messages.find(seq);
  if (it == q->second.messages.end()) return Status::Ok();
  bytes_ -= it->second.bytes();
  --count_;
  q->second.messages.erase(it);
  return Status::Ok();
}

Status MessageStore::drop(const std::string& arn, int64_t before_ms) {
  auto q = queues_.find(arn);
  if (before_ms < 0) {
    NUAGE_TRY(db_.transaction([&]() -> Status {
      NUAGE_TRY(db_.exec("DELETE FROM sqs_messages WHERE queue = ?", {arn}));
      return db_.exec("DELETE FROM sqs_dedup WHERE queue = ?", {arn});
    }));
    if (q == queues_.end()) return Status::Ok();
    for (const auto& [seq, m] : q->second.messages) {
      bytes_ -= m.bytes();
      --count_;
    }
    queues_.erase(q);
    return Status::Ok();
  }
  if (q == queues_.end()) return Status::Ok();
  std::vector<int64_t> gone;
  for (const auto& [seq, m] : q->second.messages)
    if (m.sent_ms < before_ms) gone.push_back(seq);
  return db_.transaction([&]() -> Status {
    for (int64_t seq : gone) NUAGE_TRY(erase(arn, seq));
    return Status::Ok();
  });
}

Status MessageStore::remember(const std::string& arn, const std::string& key, const DedupEntry& entry) {
  NUAGE_TRY(db_.exec("INSERT OR REPLACE INTO sqs_dedup (queue, key, expires, message_id, sequence) VALUES (?, ?, ?, ?, ?)",
                     {arn, key, entry.expires_ms, entry.message_id, entry.sequence_number}));
  queues_[arn].dedup[key] = entry;
  return Status::Ok();
}

Status MessageStore::expire_dedup(const std::string& arn, int64_t now_ms) {
  auto q = queues_.find(arn);
  if (q == queues_.end()) return Status::Ok();
  auto& dedup = q->second.dedup;
  bool any = false;
  for (auto it = dedup.begin(); it != dedup.end();) {
    if (it->second.expires_ms <= now_ms) {
      it = dedup.erase(it);
      any = true;
    } else {
      ++it;
    }
  }
  if (!any) return Status::Ok();
  return db_.exec("DELETE FROM sqs_dedup WHERE queue = ? AND expires <= ?", {arn, now_ms});
}

void MessageStore::clear() {
  (void)db_.exec("DELETE FROM sqs_messages");
  (void)db_.exec("DELETE FROM sqs_dedup");
  queues_.clear();
  bytes_ = count_ = 0;
}

}  // namespace nuage::services::sqs
