#include "services/sqs/provider.h"

#include "common/text.h"
#include "kit/tagging.h"

namespace nuage::services::sqs {

// Errors AWS returns that the model does not declare.
const kit::Errors errors("sqs", {{"InvalidParameterValue", 400},
                                 {"MissingParameter", 400},
                                 {"AccessDenied", 403}});

std::string queue_arn(const storage::Scope& scope, const std::string& name) {
  return "arn:aws:sqs:" + scope.region + ":" + scope.account + ":" + name;
}

AwsError invalid_parameter(const std::string& name, const std::string& value, const std::string& reason) {
  return errors("InvalidParameterValue", "Value " + value + " for parameter " + name + " is invalid. Reason: " + reason);
}

AwsError queue_does_not_exist() { return errors("QueueDoesNotExist", "The specified queue does not exist."); }

namespace {

// (account, name) of a queue URL: the last two segments of its path.
std::optional<std::pair<std::string, std::string>> parse_queue_url(const std::string& url) {
  std::string_view rest = url;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest = rest.substr(scheme + 3);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    rest = rest.substr(slash);
  }
  auto parts = text::split(rest, '/');
  std::vector<std::string> segments;
  for (auto& p : parts)
    if (!p.empty()) segments.push_back(p);
  if (segments.size() != 2 || segments[0].size() != 12) return std::nullopt;
  for (char c : segments[0])
    if (c < '0' || c > '9') return std::nullopt;
  return std::make_pair(segments[0], segments[1]);
}

// The queue ARN a call acts on, for IAM ("*" when it names none).
std::vector<std::string> resource_arn(const kit::RequestContext& ctx, const kit::Value& in) {
  if (auto url = in.find("QueueUrl"); url != in.end() && url->is_string()) {
    if (auto parsed = parse_queue_url(*url)) return {queue_arn({parsed->first, ctx.region}, parsed->second)};
    return {"*"};
  }
  if (auto name = in.find("QueueName"); name != in.end() && name->is_string()) {
    std::string owner = in.value("QueueOwnerAWSAccountId", ctx.account_id);
    return {queue_arn({owner, ctx.region}, *name)};
  }
  return {"*"};
}

}  // namespace

int64_t Provider::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(env_.clock.now().time_since_epoch()).count();
}

std::string Provider::queue_url(const QueueRef& queue) const {
  return "http://localhost:" + std::to_string(env_.port()) + "/" + queue.scope.account + "/" + queue.name;
}

Result<QueueRef> Provider::queue_of(const Context& ctx, const Value& in) const {
  std::string url = in.value("QueueUrl", "");
  auto parsed = parse_queue_url(url);
  if (!parsed) return queue_does_not_exist();
  QueueRef q{{parsed->first, ctx.region}, parsed->second, ""};
  q.arn = queue_arn(q.scope, q.name);
  if (!store_->get(q.scope, kQueue, q.name)) return queue_does_not_exist();
  return q;
}

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "sqs";
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  options.guard = &mutex_;
  options.kinds[kQueue] = storage::ResourceStore::KindSpec{"Tags", true};
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  store_ = std::move(*store);
  messages_ = std::make_unique<MessageStore>(env_.db);
  return messages_->open();
}

void Provider::stopping() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  arrivals_.notify_all();
}

void Provider::reset() {
  {
    std::lock_guard lock(mutex_);
    store_->clear();
    messages_->clear();
    deleted_ms_.clear();
    purged_ms_.clear();
  }
  arrivals_.notify_all();
}

std::optional<policy::ResourcePolicy> Provider::resource_policy(const Context& ctx, const kit::ActionTarget& target) {
  // arn:aws:sqs:<region>:<account>:<name>
  auto parts = text::split(target.resource, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sqs") return std::nullopt;
  storage::Scope scope{parts[4], parts[3]};
  std::string document;
  {
    std::lock_guard lock(mutex_);
    const Value* doc = store_->get(scope, kQueue, parts[5]);
    // Another account's queue that does not exist is that account's
    // business all the same: nobody else may create or change it.
    if (!doc) {
      if (scope.account == ctx.account_id) return std::nullopt;
      return policy::ResourcePolicy{scope.account, target.resource, nullptr, false};
    }
    document = doc->at("Attributes").value("Policy", "");
  }
  policy::ResourcePolicy out{scope.account, target.resource, nullptr, false};
  if (document.empty()) return out;
  auto compiled = policies_.compile(document);
  if (compiled) out.policy = *compiled;
  return out;
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(resource_arn);
  table.set_resource_policies(
      [this](const Context& ctx, const kit::ActionTarget& target) { return resource_policy(ctx, target); });
  table.add_locked("CreateQueue", this, mutex_, &Provider::create_queue);
  table.add_locked("GetQueueUrl", this, mutex_, &Provider::get_queue_url);
  table.add_locked("ListQueues", this, mutex_, &Provider::list_queues).iam_resources([](const Context&, const Value&) {
    return std::vector<std::string>{"*"};
  });
  table.add_locked("DeleteQueue", this, mutex_, &Provider::delete_queue);
  table.add_locked("PurgeQueue", this, mutex_, &Provider::purge_queue);
  table.add_locked("GetQueueAttributes", this, mutex_, &Provider::get_queue_attributes);
  table.add_locked("SetQueueAttributes", this, mutex_, &Provider::set_queue_attributes);
  table.add_locked("ListDeadLetterSourceQueues", this, mutex_, &Provider::list_dead_letter_source_queues);
  kit::TaggingSpec tagging;
  tagging.tag_operation = "TagQueue";
  tagging.untag_operation = "UntagQueue";
  tagging.list_operation = "ListQueueTags";
  tagging.arn_member = "QueueUrl";
  tagging.names_arn = false;
  tagging.tags_as_map = true;
  tagging.max_tags = kMaxTagsPerQueue;
  tagging.too_many_error = "InvalidParameterValue";
  tagging.too_many_message = "Too many tags added for queue. A queue can have at most 50 tags.";
  tagging.reserved_error = "InvalidParameterValue";
  tagging.reserved_message = "Tag keys cannot start with aws: (reserved for AWS's own tags).";
  kit::add_tagging(table, tagging, errors, store_, mutex_,
                   [this](const Context& ctx, const std::string& url) -> Result<kit::TaggedResource> {
                     auto queue = queue_of(ctx, Value{{"QueueUrl", url}});
                     if (!queue) return queue.error();
                     return kit::TaggedResource{queue->scope, kQueue, queue->name};
                   });
  table.add_locked("AddPermission", this, mutex_, &Provider::add_permission);
  table.add_locked("RemovePermission", this, mutex_, &Provider::remove_permission);
  table.add_locked("SendMessage", this, mutex_, &Provider::send_message);
  table.add_locked("SendMessageBatch", this, mutex_, &Provider::send_message_batch).iam_action("SendMessage");
  // Takes the mutex itself: a long poll waits with it released.
  table.add("ReceiveMessage", this, &Provider::receive_message);
  table.add_locked("DeleteMessage", this, mutex_, &Provider::delete_message);
  table.add_locked("DeleteMessageBatch", this, mutex_, &Provider::delete_message_batch).iam_action("DeleteMessage");
  table.add_locked("ChangeMessageVisibility", this, mutex_, &Provider::change_message_visibility);
  table.add_locked("ChangeMessageVisibilityBatch", this, mutex_, &Provider::change_message_visibility_batch)
      .iam_action("ChangeMessageVisibility");
}

}  // namespace nuage::services::sqs
