// Amazon SNS (query protocol): standard and FIFO topics with their
// attributes and policies, subscriptions (lambda, sqs, http/https on
// loopback, email and email-json recorded), filter policies on attributes or
// on the body, Publish / PublishBatch with message attributes, message
// structure per protocol, FIFO groups and deduplication, signed messages.
//
// Delivery: after a publish is stored nothing is (an SNS message is not
// kept), each matching confirmed subscription gets the message through
// events::Targets as sns.amazonaws.com acting for the topic (aws:SourceArn),
// so a function's resource policy or a queue's policy decides, as on AWS:
//   lambda  Invoke (Event) with {"Records": [{"EventSource": "aws:sns", "Sns": {...}}]}
//   sqs     SendMessage of the notification JSON (RawMessageDelivery: the
//           message itself, attributes as SQS message attributes)
//   http(s) a POST of the notification JSON with SNS's x-amz-sns-* headers,
//           on a thread of its own, retried on the clock (loopback endpoints
//           only: nuage never sends traffic off the machine)
// Subscriptions to http/https endpoints are confirmed as AWS does: a signed
// SubscriptionConfirmation whose SubscribeURL (served by nuage under
// /_nuage/sns/) or ConfirmSubscription with its token confirms it. Messages
// are signed (SignatureVersion 1 SHA1withRSA or 2 SHA256withRSA) with a key
// whose certificate is at SigningCertURL (/_nuage/sns/...pem).
//
// State: topics (kind "topic", id the name) and subscriptions (kind
// "subscription", id "<topic>/<uuid>", so a topic's are one range) in a
// storage::ResourceStore; FIFO deduplication ids in memory (5 minutes on the
// clock).
//
// Thread-safety: mutex_ guards the store and the deduplication window;
// deliveries run outside it.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "events/targets.h"
#include "kit/environment.h"
#include "kit/provider.h"
#include "kit/tagging.h"
#include "policy/resource_access.h"
#include "services/sns/http_queue.h"
#include "services/sns/signing.h"
#include "storage/resource_store.h"

namespace nuage::services::sns {

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env);
  ~Provider() override;
  std::string_view service() const override { return "sns"; }
  void register_operations(kit::OperationTable& table) override;
  void register_routes(kit::Routes& routes) override;
  Status open() override;
  void reset() override;

  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

 private:
  // One message on its way to the subscriptions (Publish or one batch entry).
  struct Message {
    std::string id, topic_arn, subject, body, structure, group_id, dedup_id, sequence;
    Value attributes = Value::object();
    std::string timestamp;
    std::string signature_version = "1";  // the topic's SignatureVersion when published
  };
  // A delivery to make once the mutex is released; the subscriptions of one
  // publish share its message.
  struct Send {
    Value subscription;
    std::shared_ptr<const Message> message;
  };
  // The signed notifications of one publish, by the body they carry: the
  // signature covers the message, not the subscription, so a message is
  // signed once per body however many subscriptions take it.
  using SignedNotifications = std::map<std::string, Value>;

  // topics.cc
  Result<Output> create_topic(Context& ctx, const Value& in);
  Result<Output> delete_topic(Context& ctx, const Value& in);
  Result<Output> list_topics(Context& ctx, const Value& in);
  Result<Output> get_topic_attributes(Context& ctx, const Value& in);
  Result<Output> set_topic_attributes(Context& ctx, const Value& in);
  // The stored topic an ARN names; NotFound as SNS words it.
  Result<const Value*> find_topic(const Context& ctx, const std::string& arn) const;
  std::optional<policy::ResourcePolicy> topic_policy(const Context& ctx, const kit::ActionTarget& target);

  // subscriptions.cc
  Result<Output> subscribe(Context& ctx, const Value& in);
  Result<Output> confirm_subscription(Context& ctx, const Value& in);
  Result<Output> unsubscribe(Context& ctx, const Value& in);
  Result<Output> list_subscriptions(Context& ctx, const Value& in);
  Result<Output> list_subscriptions_by_topic(Context& ctx, const Value& in);
  Result<Output> get_subscription_attributes(Context& ctx, const Value& in);
  Result<Output> set_subscription_attributes(Context& ctx, const Value& in);
  // The store id of the subscription an ARN names.
  Result<std::string> find_subscription(const Context& ctx, const std::string& arn) const;
  // Confirms by token (ConfirmSubscription, the SubscribeURL); the subscription's ARN.
  Result<std::string> confirm(const storage::Scope& scope, const std::string& topic_arn, const std::string& token);
  // Sends an http(s) endpoint its SubscriptionConfirmation.
  void send_confirmation(const Value& subscription);

  // publish.cc
  Result<Output> publish(Context& ctx, const Value& in);
  Result<Output> publish_batch(Context& ctx, const Value& in);
  // Checks one message (Publish or a batch entry) against its topic and, when
  // it is to be sent, adds the deliveries; caller holds mutex_.
  Result<Message> accept(const Context& ctx, const Value& topic, const Value& entry, std::vector<Send>& sends);
  // Delivers a publish's sends once the mutex is released.
  void deliver_all(const std::vector<Send>& sends);
  void deliver(const Send& send, SignedNotifications& signed_notifications);
  // The signed notification JSON (SQS, HTTP, email-json, Lambda's Sns) of a
  // message carrying `body`, without the subscription's UnsubscribeURL.
  const Value& notification(const Message& m, const std::string& body, SignedNotifications& signed_notifications);
  void post_http(const std::string& endpoint, const Value& document, const std::string& type,
                 const std::string& subscription_arn, int attempt);

  std::string topic_arn(const Context& ctx, const std::string& name) const;
  std::string base_url() const;  // http://127.0.0.1:<port>
  std::string timestamp_now() const;  // ISO 8601 with milliseconds, on the clock
  // Adds SignatureVersion, Signature and SigningCertURL to a message.
  void sign_into(Value& message, const std::string& version);
  // GET /_nuage/sns/...: the certificate, SubscribeURL and UnsubscribeURL.
  http::Response serve(http::Request& request);

  kit::Environment& env_;
  events::Targets targets_;
  Signer signer_;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  // FIFO topics: "topic ARN\ndeduplication id" → when it stops counting
  // (clock seconds), and the same entries in the order they were made, which
  // is the order they expire in while the clock goes forward: forgetting
  // expired entries looks at the oldest only. A key whose time has passed
  // counts for nothing wherever the clock was moved.
  std::map<std::string, double> dedup_;
  std::deque<std::pair<double, std::string>> dedup_order_;
  std::map<std::string, int64_t> sequence_;  // per FIFO topic ARN
  std::set<Clock::TimerId> retries_;         // HTTP retries armed on the clock
  policy::PolicyCache policies_{policy::PolicyKind::kResource};
  HttpQueue http_queue_;  // last: its thread stops before the rest goes
};

}  // namespace nuage::services::sns
