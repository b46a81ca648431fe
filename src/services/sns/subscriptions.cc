// Subscriptions: Subscribe (idempotent per protocol and endpoint; lambda and
// sqs confirmed at once, http/https sent a SubscriptionConfirmation, email
// recorded pending), ConfirmSubscription by token, Unsubscribe, the two
// listings, Get/SetSubscriptionAttributes with their checks.
#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/text.h"
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




const std::set<std::string>& subscription_attributes() {
  static const std::set<std::string> kAll = {"DeliveryPolicy", "FilterPolicy", "FilterPolicyScope",
                                             "RawMessageDelivery", "RedrivePolicy", "SubscriptionRoleArn",
                                             "ReplayPolicy"};
  return kAll;
}

Status check_subscription_attribute(const std::string& protocol, const std::string& name, const std::string& value,
                                    const Value& others) {
  if (!subscription_attributes().count(name)) return invalid("Attributes Reason: Unknown attribute " + name);
  if (name == "RawMessageDelivery") {
    if (value != "true" && value != "false") return invalid("Attributes Reason: RawMessageDelivery: Invalid value [" + value + "]. Must be true or false.");
    if (value == "true" && protocol != "sqs" && protocol != "http" && protocol != "https" && protocol != "firehose")
      return invalid("Attributes Reason: Delivery protocol [" + protocol + "] does not support raw message delivery.");
  }
  if (name == "FilterPolicyScope" && value != "MessageAttributes" && value != "MessageBody")
    return invalid("Attributes Reason: FilterPolicyScope: Invalid value [" + value +
                   "]. Please use either MessageBody or MessageAttributes");
  if (name == "FilterPolicy")
    NUAGE_TRY(validate_filter_policy(value, others.value("FilterPolicyScope", "MessageAttributes")));
  if (name == "RedrivePolicy" && !value.empty()) {
    Value p = Value::parse(value, nullptr, false);
    if (!p.is_object() || !p.value("deadLetterTargetArn", "").starts_with("arn:aws:sqs:"))
      return invalid("RedrivePolicy: deadLetterTargetArn is an invalid arn");
  }
  return Status::Ok();
}

}  // namespace

Result<Output> Provider::subscribe(Context& ctx, const Value& in) {
  std::string topic_arn = in.at("TopicArn"), protocol = in.at("Protocol");
  std::string endpoint = in.value("Endpoint", "");
  auto topic = find_topic(ctx, topic_arn);
  if (!topic) return topic.error();
  static const std::set<std::string> kProtocols = {"http", "https", "email", "email-json", "sms", "sqs",
                                                   "application", "lambda", "firehose"};
  if (!kProtocols.count(protocol)) return invalid("Amazon SNS does not support this protocol string: " + protocol);
  if (protocol == "sms" || protocol == "application" || protocol == "firehose")
    return errors("NotImplemented", "Subscribe with protocol " + protocol + " is not implemented in nuage");
  if (protocol == "sqs" && !endpoint.starts_with("arn:aws:sqs:")) return invalid("SQS endpoint ARN");
  if (protocol == "lambda" && !endpoint.starts_with("arn:aws:lambda:")) return invalid("Lambda endpoint ARN");
  if ((protocol == "http" && !endpoint.starts_with("http://")) ||
      (protocol == "https" && !endpoint.starts_with("https://")))
    return invalid("Endpoint must match the specified protocol");
  if ((protocol == "email" || protocol == "email-json") && endpoint.find('@') == std::string::npos)
    return invalid("Email address");
  bool fifo = (**topic)["Attributes"].value("FifoTopic", "false") == "true";
  if (fifo && protocol != "sqs") return invalid("Invalid protocol type: " + protocol);
  Value attributes = in.value("Attributes", Value::object());
  for (const auto& [k, v] : attributes.items())
    NUAGE_TRY(check_subscription_attribute(protocol, k, v.get<std::string>(), attributes));

  Scope scope = scope_of_arn(topic_arn);
  std::string name = (**topic)["Name"];
  std::string prefix = name + "/";
  auto all = store_->all(scope, kSubscription);
  size_t count = 0;
  for (auto it = all.from(prefix); it != all.end(); ++it) {
    auto [id, doc] = *it;
    if (!id.starts_with(prefix)) break;
    ++count;
    if (doc["Protocol"] == protocol && doc["Endpoint"] == endpoint) {
      for (const auto& [k, v] : attributes.items())
        if (doc["Attributes"].value(k, "") != v)
          return invalid("Attributes Reason: Subscription already exists with different attributes");
      Output out;
      bool confirmed = doc.value("Confirmed", false);
      out.value["SubscriptionArn"] =
          confirmed || in.value("ReturnSubscriptionArn", false) ? doc["SubscriptionArn"] : Value("pending confirmation");
      return out;
    }
  }
  if (count >= 12'500'000) return errors("SubscriptionLimitExceededException", "Subscription limit exceeded");
  std::string uuid = crypto::random_uuid();
  std::string arn = topic_arn + ":" + uuid;
  bool confirmed = protocol == "sqs" || protocol == "lambda";
  Value doc = {{"SubscriptionArn", arn},
               {"TopicArn", topic_arn},
               {"Protocol", protocol},
               {"Endpoint", endpoint},
               {"Owner", ctx.account_id},
               {"Attributes", attributes},
               {"Confirmed", confirmed},
               {"Token", text::hex_encode(crypto::random_bytes(32))}};
  NUAGE_TRY(store_->put(scope, kSubscription, prefix + uuid, doc));
  if (protocol == "http" || protocol == "https") {
    Value copy = doc;
    // Sent outside the mutex, on the delivery thread.
    http_queue_.push([this, copy] { send_confirmation(copy); });
  } else if (!confirmed) {
    spdlog::info("sns: {} subscription to {} recorded, pending confirmation (nuage sends no email)", protocol,
                 endpoint);
  }
  Output out;
  out.value["SubscriptionArn"] = confirmed || in.value("ReturnSubscriptionArn", false) ? Value(arn)
                                                                                        : Value("pending confirmation");
  return out;
}

Result<std::string> Provider::confirm(const Scope& scope, const std::string& topic_arn, const std::string& token) {
  auto parts = text::split(topic_arn, ':');
  if (parts.size() != 6) return invalid("TopicArn");
  if (!store_->get(scope, kTopic, parts[5])) return errors("NotFoundException", "Topic does not exist");
  std::string prefix = parts[5] + "/";
  auto all = store_->all(scope, kSubscription);
  for (auto it = all.from(prefix); it != all.end(); ++it) {
    auto [id, doc] = *it;
    if (!id.starts_with(prefix)) break;
    if (doc.value("Token", "") != token) continue;
    if (!doc.value("Confirmed", false)) {
      Value changed = doc;
      changed["Confirmed"] = true;
      std::string key = id;
      NUAGE_TRY(store_->put(scope, kSubscription, key, std::move(changed)));
      return store_->get(scope, kSubscription, key)->value("SubscriptionArn", "");
    }
    return doc.value("SubscriptionArn", "");
  }
  return invalid("Token");
}

Result<Output> Provider::confirm_subscription(Context& ctx, const Value& in) {
  std::string topic_arn = in.at("TopicArn");
  auto arn = confirm(scope_of_arn(topic_arn), topic_arn, in.at("Token"));
  if (!arn) return arn.error();
  Output out;
  out.value["SubscriptionArn"] = *arn;
  (void)ctx;
  return out;
}

Result<std::string> Provider::find_subscription(const Context&, const std::string& arn) const {
  auto parts = text::split(arn, ':');
  if (parts.size() != 7 || parts[0] != "arn" || parts[2] != "sns") return invalid("SubscriptionArn");
  std::string id = parts[5] + "/" + parts[6];
  if (!store_->get({parts[4], parts[3]}, kSubscription, id))
    return errors("NotFoundException", "Subscription does not exist");
  return id;
}

Result<Output> Provider::unsubscribe(Context& ctx, const Value& in) {
  std::string arn = in.at("SubscriptionArn");
  auto id = find_subscription(ctx, arn);
  if (!id) return id.error();
  NUAGE_TRY(store_->erase(scope_of_arn(arn), kSubscription, *id));
  return Output{};
}

namespace {

Value listed(const Value& doc) {
  return {{"SubscriptionArn", doc.value("Confirmed", false) ? doc["SubscriptionArn"] : Value("PendingConfirmation")},
          {"Owner", doc["Owner"]},
          {"Protocol", doc["Protocol"]},
          {"Endpoint", doc["Endpoint"]},
          {"TopicArn", doc["TopicArn"]}};
}

// One page of subscriptions from `it` (those whose ids start with `prefix`),
// 100 at most, with the NextToken of the rest.
template <typename View, typename Iterator>
Output page_of(const View& all, Iterator it, const std::string& prefix) {
  Output out;
  Value list = Value::array();
  std::string last;
  for (int n = 0; it != all.end(); ++it, ++n) {
    auto [id, doc] = *it;
    if (!id.starts_with(prefix)) break;
    if (n == 100) {
      out.value["NextToken"] = storage::ResourceStore::page_token(last);
      break;
    }
    list.push_back(listed(doc));
    last = id;
  }
  out.value["Subscriptions"] = list;
  return out;
}

}  // namespace

Result<Output> Provider::list_subscriptions(Context& ctx, const Value& in) {
  auto all = store_->all({ctx.account_id, ctx.region}, kSubscription);
  auto it = all.begin();
  if (auto token = in.find("NextToken"); token != in.end()) {
    auto after = storage::ResourceStore::from_page_token(*token);
    if (!after) return invalid("NextToken");
    it = all.after(*after);
  }
  return page_of(all, it, "");
}

Result<Output> Provider::list_subscriptions_by_topic(Context& ctx, const Value& in) {
  std::string topic_arn = in.at("TopicArn");
  auto topic = find_topic(ctx, topic_arn);
  if (!topic) return topic.error();
  std::string prefix = (**topic)["Name"].get<std::string>() + "/";
  auto all = store_->all(scope_of_arn(topic_arn), kSubscription);
  auto it = all.from(prefix);
  if (auto token = in.find("NextToken"); token != in.end()) {
    auto after = storage::ResourceStore::from_page_token(*token);
    if (!after || !after->starts_with(prefix)) return invalid("NextToken");
    it = all.after(*after);
  }
  return page_of(all, it, prefix);
}

Result<Output> Provider::get_subscription_attributes(Context& ctx, const Value& in) {
  std::string arn = in.at("SubscriptionArn");
  auto id = find_subscription(ctx, arn);
  if (!id) return id.error();
  const Value& doc = *store_->get(scope_of_arn(arn), kSubscription, *id);
  Value attributes = doc["Attributes"];
  attributes["SubscriptionArn"] = arn;
  attributes["TopicArn"] = doc["TopicArn"];
  attributes["Owner"] = doc["Owner"];
  attributes["Protocol"] = doc["Protocol"];
  attributes["Endpoint"] = doc["Endpoint"];
  attributes["PendingConfirmation"] = doc.value("Confirmed", false) ? "false" : "true";
  attributes["ConfirmationWasAuthenticated"] = doc.value("Confirmed", false) ? "true" : "false";
  if (!attributes.contains("RawMessageDelivery")) attributes["RawMessageDelivery"] = "false";
  if (attributes.contains("FilterPolicy") && !attributes.contains("FilterPolicyScope"))
    attributes["FilterPolicyScope"] = "MessageAttributes";
  Output out;
  out.value["Attributes"] = attributes;
  return out;
}

Result<Output> Provider::set_subscription_attributes(Context& ctx, const Value& in) {
  std::string arn = in.at("SubscriptionArn"), name = in.at("AttributeName");
  std::string value = in.value("AttributeValue", "");
  auto id = find_subscription(ctx, arn);
  if (!id) return id.error();
  Scope scope = scope_of_arn(arn);
  Value doc = *store_->get(scope, kSubscription, *id);
  NUAGE_TRY(check_subscription_attribute(doc["Protocol"], name, value, doc["Attributes"]));
  if (value.empty()) doc["Attributes"].erase(name);
  else doc["Attributes"][name] = value;
  NUAGE_TRY(store_->put(scope, kSubscription, *id, std::move(doc)));
  return Output{};
}

void Provider::send_confirmation(const Value& subscription) {
  std::string endpoint = subscription["Endpoint"];
  if (!http::is_loopback_url(endpoint) || !endpoint.starts_with("http://")) {
    spdlog::warn("sns: subscription to {} recorded, pending confirmation: nuage posts only to http:// endpoints on "
                 "this machine",
                 endpoint);
    return;
  }
  std::string topic = subscription["TopicArn"], token = subscription["Token"];
  Value message = {{"Type", "SubscriptionConfirmation"},
                   {"MessageId", crypto::random_uuid()},
                   {"Token", token},
                   {"TopicArn", topic},
                   {"Message", "You have chosen to subscribe to the topic " + topic +
                                   ".\nTo confirm the subscription, visit the SubscribeURL included in this message."},
                   {"SubscribeURL", base_url() + "/_nuage/sns/confirm?TopicArn=" + text::uri_encode(topic) +
                                        "&Token=" + token},
                   {"Timestamp", timestamp_now()}};
  sign_into(message, "1");
  post_http(endpoint, message, "SubscriptionConfirmation", subscription["SubscriptionArn"], 1);
}

}  // namespace nuage::services::sns
