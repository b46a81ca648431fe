#include "services/sns/provider.h"

#include "common/crypto.h"
#include "common/text.h"
#include "model/model.h"
#include "protocol/protocol.h"
#include "services/sns/errors.h"
#include "services/sns/internal.h"

namespace nuage::services::sns {

using namespace detail;

namespace {

// The topic a call names (TopicArn, or the topic of a SubscriptionArn).
std::vector<std::string> named_topic(const kit::RequestContext&, const kit::Value& in) {
  for (const char* member : {"TopicArn", "TargetArn", "ResourceArn"})
    if (auto it = in.find(member); it != in.end() && it->is_string()) return {it->get<std::string>()};
  if (auto it = in.find("SubscriptionArn"); it != in.end() && it->is_string()) {
    std::string arn = *it;
    return {arn.substr(0, arn.rfind(':'))};
  }
  return {"*"};
}

}  // namespace

Provider::Provider(kit::Environment& env)
    : env_(env), targets_(env), signer_(env.work_dir.empty() ? std::filesystem::path() : env.work_dir / "sns") {}

Provider::~Provider() {
  std::lock_guard lock(mutex_);
  for (auto id : retries_) env_.clock.cancel(id);
}

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "sns";
  options.kinds[kTopic] = {"Tags", false};
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  std::lock_guard lock(mutex_);
  store_ = std::move(*store);
  return Status::Ok();
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  store_->clear();
  dedup_.clear();
  dedup_order_.clear();
  sequence_.clear();
}

std::string Provider::base_url() const { return "http://127.0.0.1:" + std::to_string(env_.port()); }

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(named_topic);
  table.set_resource_policies(
      [this](const Context& ctx, const kit::ActionTarget& target) { return topic_policy(ctx, target); });
  table.add_locked("CreateTopic", this, mutex_, &Provider::create_topic)
      .iam_resources([this](const Context& ctx, const Value& in) {
        return std::vector<std::string>{topic_arn(ctx, in.value("Name", ""))};
      });
  table.add_locked("DeleteTopic", this, mutex_, &Provider::delete_topic);
  table.add_locked("ListTopics", this, mutex_, &Provider::list_topics);
  table.add_locked("GetTopicAttributes", this, mutex_, &Provider::get_topic_attributes);
  table.add_locked("SetTopicAttributes", this, mutex_, &Provider::set_topic_attributes);
  table.add_locked("Subscribe", this, mutex_, &Provider::subscribe);
  table.add_locked("ConfirmSubscription", this, mutex_, &Provider::confirm_subscription);
  table.add_locked("Unsubscribe", this, mutex_, &Provider::unsubscribe);
  table.add_locked("ListSubscriptions", this, mutex_, &Provider::list_subscriptions);
  table.add_locked("ListSubscriptionsByTopic", this, mutex_, &Provider::list_subscriptions_by_topic);
  table.add_locked("GetSubscriptionAttributes", this, mutex_, &Provider::get_subscription_attributes);
  table.add_locked("SetSubscriptionAttributes", this, mutex_, &Provider::set_subscription_attributes);
  // Publishing delivers outside the mutex.
  table.add("Publish", this, &Provider::publish);
  table.add("PublishBatch", this, &Provider::publish_batch).iam_action("Publish");
  kit::TaggingSpec tagging;
  tagging.arn_member = "ResourceArn";
  tagging.too_many_error = "TagLimitExceededException";
  tagging.too_many_message = "Could not complete request: tag quota of per resource exceeded";
  tagging.reserved_error = "InvalidParameterException";
  tagging.reserved_message = "Invalid parameter: Tags Reason: aws: prefixed tag key names are not allowed";
  kit::add_tagging(table, tagging, errors, store_, mutex_,
                   [this](const Context& ctx, const std::string& arn) -> Result<kit::TaggedResource> {
                     auto parts = text::split(arn, ':');
                     if (parts.size() != 6 || parts[2] != "sns")
                       return errors("InvalidParameterException", "Invalid parameter: ResourceArn");
                     if (!store_->get({parts[4], parts[3]}, kTopic, parts[5]))
                       return errors("ResourceNotFoundException", "Resource does not exist");
                     (void)ctx;
                     return kit::TaggedResource{{parts[4], parts[3]}, kTopic, parts[5]};
                   });
}

void Provider::register_routes(kit::Routes& routes) {
  routes.emplace_back("/_nuage/sns/", [this](http::Request& request) { return serve(request); });
}

http::Response Provider::serve(http::Request& request) {
  http::Response res;
  std::string path(request.path());
  auto query = text::parse_query(std::string(request.query()), true);
  auto param = [&](const std::string& name) {
    if (query)
      for (const auto& [k, v] : *query)
        if (k == name) return v;
    return std::string();
  };
  res.headers.set("Content-Type", "text/xml");
  if (path.ends_with(".pem")) {
    auto cert = signer_.certificate();
    if (!cert) {
      res.status = 500;
      return res;
    }
    res.headers.set("Content-Type", "application/x-x509-ca-cert");
    res.body = *cert;
    return res;
  }
  // The links in a message (SubscribeURL, UnsubscribeURL) are what AWS
  // hands out as GETs of the ConfirmSubscription and Unsubscribe actions:
  // they answer those actions' responses, rendered by the query protocol.
  const model::Service& service = *model::find_service("sns");
  const protocol::Protocol& query_protocol = *protocol::find_protocol("query");
  auto answer = [&](const char* operation, Result<Value> output) {
    if (!output) return query_protocol.serialize_error(service, output.error(), crypto::random_uuid());
    kit::Output out;
    out.value = std::move(*output);
    return query_protocol.serialize(service, *service.find_operation(operation), out, crypto::random_uuid());
  };
  if (path == "/_nuage/sns/confirm") {
    std::string topic = param("TopicArn");
    auto parts = text::split(topic, ':');
    Result<std::string> arn = invalid("TopicArn");
    if (parts.size() == 6) {
      std::lock_guard lock(mutex_);
      arn = confirm({parts[4], parts[3]}, topic, param("Token"));
    }
    if (!arn) return answer("ConfirmSubscription", arn.error());
    return answer("ConfirmSubscription", Value{{"SubscriptionArn", *arn}});
  }
  if (path == "/_nuage/sns/unsubscribe") {
    std::string arn = param("SubscriptionArn");
    auto parts = text::split(arn, ':');
    bool removed = false;
    if (parts.size() == 7) {
      std::lock_guard lock(mutex_);
      std::string id = parts[5] + "/" + parts[6];
      if (store_->get({parts[4], parts[3]}, kSubscription, id))
        removed = store_->erase({parts[4], parts[3]}, kSubscription, id).ok();
    }
    if (!removed) return answer("Unsubscribe", errors("NotFoundException", "Subscription does not exist"));
    return answer("Unsubscribe", Value::object());
  }
  res.status = 404;
  return res;
}

}  // namespace nuage::services::sns
