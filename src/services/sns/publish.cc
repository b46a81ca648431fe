// Publish and PublishBatch: the message checked as SNS checks it (size,
// subject, structure, attributes, FIFO group and deduplication), matched
// against each confirmed subscription's filter policy, and delivered in the
// shape each protocol receives.
#include <spdlog/spdlog.h>

#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "http/client.h"
#include "services/sns/errors.h"
#include "services/sns/filter_policy.h"
#include "services/sns/internal.h"
#include "services/sns/provider.h"

namespace nuage::services::sns {

using kit::Output;
using kit::Value;

using storage::Scope;
using namespace detail;

namespace {

constexpr size_t kMaxMessage = 262144;
constexpr double kDedupWindow = 300;


Status check_attributes(const Value& attributes, size_t& size) {
  if (attributes.size() > 10) return invalid("MessageAttributes: Number of message attributes [" +
                                             std::to_string(attributes.size()) + "] exceeds the allowed maximum [10].");
  for (const auto& [name, a] : attributes.items()) {
    std::string type = a.value("DataType", "");
    size += name.size() + type.size();
    bool binary = type.starts_with("Binary");
    if (!(type.starts_with("String") || type.starts_with("Number") || binary))
      return invalid("MessageAttributes: The message attribute '" + name + "' has an invalid message attribute type, "
                     "the set of supported type prefixes is Binary, Number, and String.");
    if (binary ? !a.contains("BinaryValue") : a.value("StringValue", "").empty())
      return invalid("MessageAttributes: The message attribute '" + name +
                     "' must contain non-empty message attribute value for message attribute type '" + type + "'.");
    if (type.starts_with("Number")) {
      Value n = Value::parse(a.value("StringValue", ""), nullptr, false);
      if (!n.is_number())
        return invalid("MessageAttributes: The message attribute '" + name + "' with type 'Number' must be a valid "
                       "number.");
    }
    if (type.starts_with("String.Array")) {
      Value arr = Value::parse(a.value("StringValue", ""), nullptr, false);
      if (!arr.is_array())
        return invalid("MessageAttributes: The message attribute '" + name + "' with type 'String.Array' must be a "
                       "valid JSON array.");
    }
    size += binary ? kit::blob_bytes(a["BinaryValue"]).size() : a.value("StringValue", "").size();
  }
  return Status::Ok();
}

// Publish's attributes as SNS shows them in notifications: {name: {Type, Value}}.
Value shown_attributes(const Value& attributes) {
  Value out = Value::object();
  for (const auto& [name, a] : attributes.items()) {
    std::string type = a.value("DataType", "");
    out[name] = {{"Type", type},
                 {"Value", a.contains("BinaryValue") ? text::base64_encode(kit::blob_bytes(a["BinaryValue"]))
                                                     : a.value("StringValue", "")}};
  }
  return out;
}

}  // namespace

std::string Provider::timestamp_now() const { return timefmt::iso8601(env_.clock.now(), true); }

void Provider::sign_into(Value& message, const std::string& version) {
  message["SignatureVersion"] = version;
  auto signature = signer_.sign(message, version);
  message["Signature"] = signature ? *signature : "";
  message["SigningCertURL"] = base_url() + "/_nuage/sns/SimpleNotificationService-nuage.pem";
}

Result<Provider::Message> Provider::accept(const Context& ctx, const Value& topic, const Value& entry,
                                           std::vector<Send>& sends) {
  Message m;
  m.topic_arn = topic["TopicArn"];
  m.body = entry.value("Message", "");
  if (m.body.empty()) return invalid("Empty message");
  m.subject = entry.value("Subject", "");
  if (entry.contains("Subject")) {
    if (m.subject.empty() || m.subject.size() > 100) return invalid("Subject");
    for (unsigned char c : m.subject)
      if (c < 0x20 || c > 0x7e) return invalid("Subject");
  }
  m.structure = entry.value("MessageStructure", "");
  if (!m.structure.empty()) {
    if (m.structure != "json") return invalid("MessageStructure");
    Value parsed = Value::parse(m.body, nullptr, false);
    if (!parsed.is_object()) return invalid("Message Structure - JSON message body failed to parse");
    if (!parsed.contains("default") || !parsed["default"].is_string())
      return invalid("Message Structure - No default entry in JSON message body");
  }
  m.attributes = entry.value("MessageAttributes", Value::object());
  size_t size = m.body.size();
  NUAGE_TRY(check_attributes(m.attributes, size));
  if (size > kMaxMessage) return invalid("Message too long");
  const Value& attributes = topic["Attributes"];
  bool fifo = attributes.value("FifoTopic", "false") == "true";
  m.group_id = entry.value("MessageGroupId", "");
  m.dedup_id = entry.value("MessageDeduplicationId", "");
  m.id = crypto::random_uuid();
  m.timestamp = timestamp_now();
  if (fifo) {
    if (m.group_id.empty()) return invalid("The MessageGroupId parameter is required for FIFO topics");
    if (m.dedup_id.empty()) {
      if (attributes.value("ContentBasedDeduplication", "false") != "true")
        return invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                       "provided explicitly");
      m.dedup_id = text::hex_encode(crypto::sha256(m.body));
    }
    double now = timefmt::epoch_seconds(env_.clock.now());
    while (!dedup_order_.empty() && dedup_order_.front().first < now) {
      auto& [expiry, old] = dedup_order_.front();
      if (auto it = dedup_.find(old); it != dedup_.end() && it->second == expiry) dedup_.erase(it);
      dedup_order_.pop_front();
    }
    std::string key = m.topic_arn + "\n" + m.dedup_id;
    int64_t seq = ++sequence_[m.topic_arn];
    char buf[24];
    std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(seq));
    m.sequence = buf;
    if (auto it = dedup_.find(key); it != dedup_.end() && it->second >= now) return m;  // accepted, not delivered again
    if (dedup_.size() < 1'000'000) {
      dedup_[key] = now + kDedupWindow;
      dedup_order_.emplace_back(now + kDedupWindow, key);
    }
  } else if (!m.group_id.empty() || !m.dedup_id.empty()) {
    if (!m.dedup_id.empty())
      return invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is "
                     "not valid for this topic type");
  }
  m.signature_version = attributes.value("SignatureVersion", "1");
  auto shared = std::make_shared<const Message>(m);
  Scope scope{text::split(m.topic_arn, ':')[4], text::split(m.topic_arn, ':')[3]};
  std::string prefix = topic["Name"].get<std::string>() + "/";
  auto all = store_->all(scope, kSubscription);
  for (auto it = all.from(prefix); it != all.end(); ++it) {
    auto [id, sub] = *it;
    if (!id.starts_with(prefix)) break;
    if (!sub.value("Confirmed", false)) continue;
    const Value& sa = sub["Attributes"];
    std::string filter = sa.value("FilterPolicy", "");
    if (!filter.empty()) {
      Value policy = Value::parse(filter, nullptr, false);
      std::string body = m.body;
      if (!m.structure.empty()) {
        Value parsed = Value::parse(m.body, nullptr, false);
        body = parsed.value(sub.value("Protocol", ""), parsed.value("default", ""));
      }
      if (!filter_matches(policy, sa.value("FilterPolicyScope", "MessageAttributes"), m.attributes, body)) continue;
    }
    sends.push_back({sub, shared});
  }
  (void)ctx;
  return m;
}

Result<Output> Provider::publish(Context& ctx, const Value& in) {
  if (in.contains("PhoneNumber")) return errors("NotImplemented", "Publish to a phone number is not implemented in nuage");
  std::string arn = in.value("TopicArn", in.value("TargetArn", ""));
  if (arn.empty()) return invalid("TopicArn or TargetArn Reason: no value for required parameter");
  std::vector<Send> sends;
  Message m;
  {
    std::lock_guard lock(mutex_);
    auto topic = find_topic(ctx, arn);
    if (!topic) return topic.error();
    auto accepted = accept(ctx, **topic, in, sends);
    if (!accepted) return accepted.error();
    m = *accepted;
  }
  deliver_all(sends);
  Output out;
  out.value["MessageId"] = m.id;
  if (!m.sequence.empty()) out.value["SequenceNumber"] = m.sequence;
  return out;
}

Result<Output> Provider::publish_batch(Context& ctx, const Value& in) {
  std::string arn = in.at("TopicArn");
  const Value entries = in.value("PublishBatchRequestEntries", Value::array());
  if (entries.empty()) return errors("EmptyBatchRequestException", "The batch request doesn't contain any entries");
  if (entries.size() > 10)
    return errors("TooManyEntriesInBatchRequestException", "The batch request contains more entries than permissible");
  std::set<std::string> ids;
  size_t total = 0;
  for (const auto& e : entries) {
    std::string id = e.value("Id", "");
    static const std::string kAllowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    if (id.empty() || id.size() > 80 || id.find_first_not_of(kAllowed) != std::string::npos)
      return errors("InvalidBatchEntryIdException", "The batch entry id '" + id + "' is not valid");
    if (!ids.insert(id).second)
      return errors("BatchEntryIdsNotDistinctException", "Two or more batch entries in the request have the same Id");
    total += e.value("Message", "").size();
  }
  if (total > kMaxMessage)
    return errors("BatchRequestTooLongException", "The length of all the messages put together is more than the limit");
  std::vector<Send> sends;
  Value successful = Value::array(), failed = Value::array();
  {
    std::lock_guard lock(mutex_);
    auto topic = find_topic(ctx, arn);
    if (!topic) return topic.error();
    for (const auto& e : entries) {
      auto m = accept(ctx, **topic, e, sends);
      if (!m) {
        failed.push_back({{"Id", e["Id"]}, {"Code", m.error().code}, {"Message", m.error().message},
                          {"SenderFault", true}});
        continue;
      }
      Value ok = {{"Id", e["Id"]}, {"MessageId", m->id}};
      if (!m->sequence.empty()) ok["SequenceNumber"] = m->sequence;
      successful.push_back(std::move(ok));
    }
  }
  deliver_all(sends);
  Output out;
  out.value["Successful"] = successful;
  out.value["Failed"] = failed;
  return out;
}

const Value& Provider::notification(const Message& m, const std::string& body,
                                    SignedNotifications& signed_notifications) {
  auto [it, fresh] = signed_notifications.try_emplace(body);
  if (!fresh) return it->second;
  Value& n = it->second;
  n = {{"Type", "Notification"}, {"MessageId", m.id}, {"TopicArn", m.topic_arn}};
  if (!m.subject.empty()) n["Subject"] = m.subject;
  n["Message"] = body;
  n["Timestamp"] = m.timestamp;
  if (!m.sequence.empty()) n["SequenceNumber"] = m.sequence;
  sign_into(n, m.signature_version);
  if (!m.attributes.empty()) n["MessageAttributes"] = shown_attributes(m.attributes);
  return n;
}

void Provider::deliver_all(const std::vector<Send>& sends) {
  SignedNotifications signed_notifications;
  for (const auto& s : sends) deliver(s, signed_notifications);
}

void Provider::deliver(const Send& send, SignedNotifications& signed_notifications) {
  const Value& sub = send.subscription;
  const Message& m = *send.message;
  std::string protocol = sub.value("Protocol", ""), endpoint = sub.value("Endpoint", "");
  std::string body = m.body;
  if (!m.structure.empty()) {
    Value parsed = Value::parse(m.body, nullptr, false);
    body = parsed.value(protocol, parsed.value("default", ""));
  }
  auto parts = text::split(m.topic_arn, ':');
  events::Delivery d;
  d.target_arn = endpoint;
  d.account = parts[4];
  d.region = parts[3];
  d.caller = kit::Environment::service_principal("sns.amazonaws.com", parts[4], m.topic_arn);
  std::string unsubscribe_url =
      base_url() + "/_nuage/sns/unsubscribe?SubscriptionArn=" + text::uri_encode(sub.value("SubscriptionArn", ""));
  auto with_unsubscribe = [&] {
    Value n = notification(m, body, signed_notifications);
    n["UnsubscribeURL"] = unsubscribe_url;
    return n;
  };
  bool raw = sub["Attributes"].value("RawMessageDelivery", "false") == "true";
  Status s = Status::Ok();
  if (protocol == "lambda") {
    const Value& n = notification(m, body, signed_notifications);
    Value sns = {{"Type", "Notification"}, {"MessageId", m.id}, {"TopicArn", m.topic_arn},
                 {"Subject", m.subject.empty() ? Value() : Value(m.subject)}, {"Message", body},
                 {"Timestamp", m.timestamp}, {"SignatureVersion", n["SignatureVersion"]},
                 {"Signature", n["Signature"]}, {"SigningCertUrl", n["SigningCertURL"]},
                 {"UnsubscribeUrl", unsubscribe_url},
                 {"MessageAttributes", shown_attributes(m.attributes)}};
    Value event = {{"Records",
                    {{{"EventSource", "aws:sns"}, {"EventVersion", "1.0"},
                      {"EventSubscriptionArn", sub["SubscriptionArn"]}, {"Sns", sns}}}}};
    d.payload = event.dump();
    s = targets_.deliver(d);
  } else if (protocol == "sqs") {
    d.payload = raw ? body : with_unsubscribe().dump();
    if (raw) d.message_attributes = m.attributes;
    d.message_group_id = m.group_id;
    if (!m.group_id.empty()) d.deduplication_id = m.dedup_id;
    s = targets_.deliver(d);
  } else if (protocol == "http" || protocol == "https") {
    std::string arn = sub["SubscriptionArn"];
    if (raw) {
      http_queue_.push([this, endpoint, body, arn] { post_http(endpoint, Value(body), "Notification", arn, 1); });
    } else {
      http_queue_.push(
          [this, endpoint, n = with_unsubscribe(), arn] { post_http(endpoint, n, "Notification", arn, 1); });
    }
  } else {
    spdlog::info("sns: message {} for {} {} recorded (nuage sends no email)", m.id, protocol, endpoint);
  }
  if (!s.ok())
    spdlog::warn("sns: cannot deliver message {} to {} {}: {} {}", m.id, protocol, endpoint, s.error().code,
                 s.error().message);
}

void Provider::post_http(const std::string& endpoint, const Value& document, const std::string& type,
                         const std::string& subscription_arn, int attempt) {
  if (!endpoint.starts_with("http://") || !http::is_loopback_url(endpoint)) {
    spdlog::warn("sns: {} to {} not sent: nuage posts only to http:// endpoints on this machine", type, endpoint);
    return;
  }
  http::Headers headers;
  headers.set("Content-Type", "text/plain; charset=UTF-8");
  headers.set("x-amz-sns-message-type", type);
  if (document.is_object()) {
    headers.set("x-amz-sns-message-id", document.value("MessageId", ""));
    headers.set("x-amz-sns-topic-arn", document.value("TopicArn", ""));
  }
  if (type == "Notification") headers.set("x-amz-sns-subscription-arn", subscription_arn);
  headers.set("User-Agent", "Amazon Simple Notification Service Agent");
  std::string body = document.is_string() ? document.get<std::string>() : document.dump(2);
  auto res = http::fetch("POST", endpoint, body, headers, 15);
  if (res && res->status >= 200 && res->status < 300) return;
  // AWS's default HTTP policy: 3 retries 20 seconds apart.
  if (attempt > 3) {
    spdlog::warn("sns: {} to {} failed after {} attempts", type, endpoint, attempt);
    return;
  }
  std::lock_guard lock(mutex_);
  auto id = std::make_shared<Clock::TimerId>(0);
  *id = env_.clock.schedule(env_.clock.now() + std::chrono::seconds(20),
                            [this, id, endpoint, document, type, subscription_arn, attempt](Clock::TimePoint) {
                              {
                                std::lock_guard lock(mutex_);
                                retries_.erase(*id);
                              }
                              http_queue_.push([=, this] {
                                post_http(endpoint, document, type, subscription_arn, attempt + 1);
                              });
                            });
  retries_.insert(*id);
}

}  // namespace nuage::services::sns
