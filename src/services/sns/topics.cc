// Topics: CreateTopic (idempotent by name and attributes), DeleteTopic (its
// subscriptions too), ListTopics, Get/SetTopicAttributes, and the topic's
// Policy as the resource policy IAM evaluates for it.
#include <regex>

#include "common/crypto.h"
#include "common/text.h"
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


Scope scope_of(const kit::RequestContext& ctx) { return {ctx.account_id, ctx.region}; }


// The attributes a topic may be created or changed with.
const std::set<std::string>& settable() {
  static const std::set<std::string> kAll = {
      "DisplayName", "Policy", "DeliveryPolicy", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication",
      "SignatureVersion", "TracingConfig", "ArchivePolicy", "FifoThroughputScope", "DataProtectionPolicy",
      "HTTPSuccessFeedbackRoleArn", "HTTPFailureFeedbackRoleArn", "HTTPSuccessFeedbackSampleRate",
      "LambdaSuccessFeedbackRoleArn", "LambdaFailureFeedbackRoleArn", "LambdaSuccessFeedbackSampleRate",
      "SQSSuccessFeedbackRoleArn", "SQSFailureFeedbackRoleArn", "SQSSuccessFeedbackSampleRate",
      "FirehoseSuccessFeedbackRoleArn", "FirehoseFailureFeedbackRoleArn", "FirehoseSuccessFeedbackSampleRate",
      "ApplicationSuccessFeedbackRoleArn", "ApplicationFailureFeedbackRoleArn",
      "ApplicationSuccessFeedbackSampleRate"};
  return kAll;
}

std::string default_policy(const std::string& arn, const std::string& account) {
  Value policy = {
      {"Version", "2008-10-17"},
      {"Id", "__default_policy_ID"},
      {"Statement",
       {{{"Sid", "__default_statement_ID"},
         {"Effect", "Allow"},
         {"Principal", {{"AWS", "*"}}},
         {"Action",
          {"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
           "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"}},
         {"Resource", arn},
         {"Condition", {{"StringEquals", {{"AWS:SourceOwner", account}}}}}}}}};
  return policy.dump();
}

Status check_attribute(const std::string& name, const std::string& value, bool fifo) {
  if (!settable().count(name)) return invalid("AttributeName");
  if ((name == "FifoTopic" || name == "ContentBasedDeduplication") && value != "true" && value != "false")
    return invalid("Attributes Reason: " + name + ": Invalid value [" + value + "]. Must be true or false.");
  if (name == "ContentBasedDeduplication" && value == "true" && !fifo)
    return invalid("Attributes Reason: Content based deduplication can only be set for FIFO topics");
  if (name == "SignatureVersion" && value != "1" && value != "2")
    return invalid("Attributes Reason: SignatureVersion: Invalid value [" + value + "]. Must be 1 or 2.");
  if (name == "Policy") {
    Value p = Value::parse(value, nullptr, false);
    if (!p.is_object()) return invalid("Policy: Invalid policy document: not JSON");
  }
  if (name == "DisplayName" && value.size() > 100) return invalid("DisplayName");
  return Status::Ok();
}

}  // namespace

std::string Provider::topic_arn(const Context& ctx, const std::string& name) const {
  return "arn:aws:sns:" + ctx.region + ":" + ctx.account_id + ":" + name;
}

Result<const Value*> Provider::find_topic(const Context&, const std::string& arn) const {
  auto parts = text::split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sns") return invalid("TopicArn");
  const Value* topic = store_->get({parts[4], parts[3]}, kTopic, parts[5]);
  if (!topic) return errors("NotFoundException", "Topic does not exist");
  return topic;
}

Result<Output> Provider::create_topic(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  Value attributes = in.value("Attributes", Value::object());
  bool fifo = attributes.value("FifoTopic", "false") == "true";
  static const std::regex kName("[A-Za-z0-9_-]{1,256}");
  std::string base = name.ends_with(".fifo") ? name.substr(0, name.size() - 5) : name;
  if (!std::regex_match(base, kName) || name.size() > 256 || (name.ends_with(".fifo") != fifo))
    return invalid(fifo && !name.ends_with(".fifo") ? "Fifo Topic names must end with .fifo and must be made up of "
                                                      "only uppercase and lowercase ASCII letters, numbers, "
                                                      "underscores, and hyphens, and must be between 1 and 256 "
                                                      "characters long."
                                                    : "Topic Name");
  for (const auto& [k, v] : attributes.items()) NUAGE_TRY(check_attribute(k, v.get<std::string>(), fifo));
  Scope scope = scope_of(ctx);
  std::string arn = topic_arn(ctx, name);
  if (const Value* existing = store_->get(scope, kTopic, name)) {
    // Same name: the same topic, unless the attributes asked for differ.
    for (const auto& [k, v] : attributes.items())
      if ((*existing)["Attributes"].value(k, k == "FifoTopic" ? "false" : "") != v)
        return invalid("Attributes Reason: Topic already exists with different attributes");
    Output out;
    out.value["TopicArn"] = arn;
    return out;
  }
  size_t count = store_->all(scope, kTopic).size();
  if (count >= 100000) return errors("TopicLimitExceededException", "Topic limit exceeded");
  Value stored = Value::object();
  for (const auto& [k, v] : attributes.items()) stored[k] = v;
  if (!stored.contains("Policy")) stored["Policy"] = default_policy(arn, ctx.account_id);
  if (fifo) {
    stored["FifoTopic"] = "true";
    if (!stored.contains("ContentBasedDeduplication")) stored["ContentBasedDeduplication"] = "false";
  }
  Value doc = {{"Name", name}, {"TopicArn", arn}, {"Attributes", stored},
               {"Tags", in.value("Tags", Value::array())}};
  NUAGE_TRY(store_->put(scope, kTopic, name, std::move(doc)));
  Output out;
  out.value["TopicArn"] = arn;
  return out;
}

Result<Output> Provider::delete_topic(Context& ctx, const Value& in) {
  std::string arn = in.at("TopicArn");
  auto topic = find_topic(ctx, arn);
  if (!topic) {
    // Deleting a topic that does not exist succeeds, as on AWS.
    if (topic.error().code == "NotFound") return Output{};
    return topic.error();
  }
  std::string name = (**topic)["Name"];
  Scope scope{text::split(arn, ':')[4], text::split(arn, ':')[3]};
  std::vector<std::string> subscriptions;
  auto all = store_->all(scope, kSubscription);
  for (auto it = all.from(name + "/"); it != all.end(); ++it) {
    auto [id, doc] = *it;
    if (!id.starts_with(name + "/")) break;
    subscriptions.push_back(id);
  }
  NUAGE_TRY(store_->transaction([&]() -> Status {
    for (const auto& id : subscriptions) NUAGE_TRY(store_->erase(scope, kSubscription, id));
    return store_->erase(scope, kTopic, name);
  }));
  return Output{};
}

Result<Output> Provider::list_topics(Context& ctx, const Value& in) {
  auto all = store_->all(scope_of(ctx), kTopic);
  auto it = all.begin();
  if (auto token = in.find("NextToken"); token != in.end()) {
    auto after = storage::ResourceStore::from_page_token(*token);
    if (!after) return invalid("NextToken");
    it = all.after(*after);
  }
  Value topics = Value::array();
  Output out;
  for (int n = 0; it != all.end(); ++it, ++n) {
    auto [id, doc] = *it;
    if (n == 100) {
      out.value["NextToken"] = storage::ResourceStore::page_token(topics.back()["_id"]);
      break;
    }
    topics.push_back({{"TopicArn", doc["TopicArn"]}, {"_id", id}});
  }
  for (auto& t : topics) t.erase("_id");
  out.value["Topics"] = topics;
  return out;
}

Result<Output> Provider::get_topic_attributes(Context& ctx, const Value& in) {
  auto topic = find_topic(ctx, in.at("TopicArn"));
  if (!topic) return topic.error();
  const Value& t = **topic;
  Value attributes = t["Attributes"];
  std::string arn = t["TopicArn"];
  auto parts = text::split(arn, ':');
  int confirmed = 0, pending = 0;
  auto all = store_->all({parts[4], parts[3]}, kSubscription);
  std::string prefix = t["Name"].get<std::string>() + "/";
  for (auto it = all.from(prefix); it != all.end(); ++it) {
    auto [id, doc] = *it;
    if (!id.starts_with(prefix)) break;
    (doc.value("Confirmed", false) ? confirmed : pending)++;
  }
  attributes["TopicArn"] = arn;
  attributes["Owner"] = parts[4];
  attributes["SubscriptionsConfirmed"] = std::to_string(confirmed);
  attributes["SubscriptionsPending"] = std::to_string(pending);
  attributes["SubscriptionsDeleted"] = "0";
  if (!attributes.contains("DisplayName")) attributes["DisplayName"] = "";
  if (!attributes.contains("EffectiveDeliveryPolicy"))
    attributes["EffectiveDeliveryPolicy"] =
        R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}})";
  Output out;
  out.value["Attributes"] = attributes;
  return out;
}

Result<Output> Provider::set_topic_attributes(Context& ctx, const Value& in) {
  std::string arn = in.at("TopicArn"), name = in.at("AttributeName");
  std::string value = in.value("AttributeValue", "");
  auto topic = find_topic(ctx, arn);
  if (!topic) return topic.error();
  bool fifo = (**topic)["Attributes"].value("FifoTopic", "false") == "true";
  if (name == "FifoTopic") return invalid("AttributeName");  // fixed at creation
  NUAGE_TRY(check_attribute(name, value, fifo));
  Value doc = **topic;
  if (value.empty() && name != "DisplayName") doc["Attributes"].erase(name);
  else doc["Attributes"][name] = value;
  if (name == "Policy" && value.empty()) doc["Attributes"]["Policy"] = default_policy(arn, text::split(arn, ':')[4]);
  auto parts = text::split(arn, ':');
  std::string topic_name = doc["Name"];
  NUAGE_TRY(store_->put({parts[4], parts[3]}, kTopic, topic_name, std::move(doc)));
  return Output{};
}

std::optional<policy::ResourcePolicy> Provider::topic_policy(const Context&, const kit::ActionTarget& target) {
  auto parts = text::split(target.resource, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sns") return std::nullopt;
  std::lock_guard lock(mutex_);
  if (!store_) return std::nullopt;
  const Value* topic = store_->get({parts[4], parts[3]}, kTopic, parts[5]);
  if (!topic) return std::nullopt;
  policy::ResourcePolicy out{parts[4], target.resource, nullptr, false};
  std::string document = (*topic)["Attributes"].value("Policy", "");
  if (!document.empty())
    if (auto compiled = policies_.compile(document)) out.policy = *compiled;
  return out;
}

}  // namespace nuage::services::sns
