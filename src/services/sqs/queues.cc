// CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue, queue
// attributes, dead-letter sources, permissions and tags.
#include <cctype>

#include "common/documents.h"
#include "common/text.h"
#include "kit/tagging.h"
#include "services/sqs/provider.h"
#include "services/sqs/queue_attributes.h"

namespace nuage::services::sqs {

using kit::Output;
using kit::Value;

namespace {

constexpr int64_t kRecentMs = 60 * 1000;  // DeleteQueue's and PurgeQueue's 60 seconds

bool valid_base_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

std::optional<AwsError> check_queue_name(const std::string& name, bool fifo) {
  if (fifo) {
    if (name.size() > 80 || !text::ends_with(name, ".fifo") ||
        !valid_base_name(std::string_view(name).substr(0, name.size() - 5)))
      return errors("InvalidParameterValue",
                    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                    "must end with .fifo suffix and be 1 to 80 in length.");
    return std::nullopt;
  }
  if (name.size() > 80 || !valid_base_name(name))
    return errors("InvalidParameterValue",
                  "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  return std::nullopt;
}

// Attributes as stored: strings, empty policies removed.
kit::Value as_strings(const kit::Value& given) {
  kit::Value out = kit::Value::object();
  for (const auto& [k, v] : given.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

void merge_attributes(kit::Value& stored, const kit::Value& given) {
  for (const auto& [k, v] : given.items()) {
    if (v.get<std::string>().empty() && (k == "Policy" || k == "RedrivePolicy" || k == "RedriveAllowPolicy"))
      stored.erase(k);
    else
      stored[k] = v;
  }
}

std::optional<AwsError> check_tags(const kit::Value& tags) {
  if (tags.size() > kMaxTagsPerQueue)
    return errors("InvalidParameterValue", "Too many tags added for queue. A queue can have at most 50 tags.");
  for (const auto& [k, v] : tags.items()) {
    if (k.empty() || k.size() > 128)
      return errors("InvalidParameterValue", "Tag keys must be between 1 and 128 characters in length.");
    if (!v.is_string() || v.get<std::string>().size() > 256)
      return errors("InvalidParameterValue", "Tag values must be between 0 and 256 characters in length.");
    if (text::starts_with(text::lower(k), "aws:"))
      return errors("InvalidParameterValue", "Tag keys cannot start with aws: (reserved for AWS's own tags).");
  }
  return std::nullopt;
}

std::string seconds_text(int64_t ms) { return std::to_string(ms / 1000); }

}  // namespace

std::optional<AwsError> Provider::check_references(const QueueRef& queue, const Value& attributes, bool fifo) {
  if (auto policy = attributes.find("Policy"); policy != attributes.end() && !policy->get<std::string>().empty()) {
    auto parsed = documents::parse_json(policy->get<std::string>());
    if (!parsed.ok() || !parsed.value.is_object() || !policies_.compile(policy->get<std::string>()))
      return errors("InvalidAttributeValue", "Invalid value for the parameter Policy.");
  }
  if (auto text = attributes.find("RedrivePolicy"); text != attributes.end() && !text->get<std::string>().empty()) {
    auto redrive = redrive_policy(attributes);
    const std::string value = text->get<std::string>();
    if (!redrive) return invalid_parameter("RedrivePolicy", value, "Redrive policy is not a valid JSON map.");
    auto parts = text::split(redrive->dead_letter_arn, ':');
    const Value* target = nullptr;
    if (parts.size() == 6 && parts[0] == "arn" && parts[2] == "sqs" && parts[3] == queue.scope.region &&
        parts[4] == queue.scope.account)
      target = store_->get(queue.scope, kQueue, parts[5]);
    if (!target) return invalid_parameter("RedrivePolicy", value, "Dead letter target does not exist.");
    bool target_fifo = target->at("Attributes").value("FifoQueue", "false") == "true";
    if (target_fifo != fifo)
      return invalid_parameter("RedrivePolicy", value, "Dead-letter queue must be same type of queue as the source.");
    std::string allow = target->at("Attributes").value("RedriveAllowPolicy", "");
    if (!allow.empty()) {
      Value doc = documents::parse_json_or_discarded(allow);
      std::string permission = doc.is_object() ? doc.value("redrivePermission", "allowAll") : "allowAll";
      bool allowed = permission == "allowAll";
      if (permission == "byQueue")
        for (const auto& arn : doc.value("sourceQueueArns", Value::array()))
          allowed = allowed || arn == queue.arn;
      if (!allowed)
        return invalid_parameter("RedrivePolicy", value,
                                 "Queue " + queue.arn + " is not allowed to use " + redrive->dead_letter_arn +
                                     " as a dead-letter queue (its RedriveAllowPolicy).");
    }
  }
  return std::nullopt;
}

Result<Output> Provider::create_queue(Context& ctx, const Value& in) {
  const std::string name = in.at("QueueName");
  Value given = as_strings(in.value("Attributes", Value::object()));
  bool fifo = given.value("FifoQueue", "false") == "true";
  if (auto e = check_queue_name(name, fifo)) return *e;
  if (auto e = check_attributes(given, fifo, true)) return *e;
  Value tags = in.value("tags", Value::object());
  if (auto e = check_tags(tags)) return *e;
  QueueRef queue{{ctx.account_id, ctx.region}, name, ""};
  queue.arn = queue_arn(queue.scope, name);
  int64_t now = now_ms();
  if (const Value* existing = store_->get(queue.scope, kQueue, name)) {
    const Value& attrs = existing->at("Attributes");
    Value defaults = default_attributes(fifo);
    for (const auto& [k, v] : given.items()) {
      std::string current = attrs.value(k, defaults.value(k, ""));
      if (current != v.get<std::string>())
        return errors("QueueNameExists",
                      "A queue already exists with the same name and a different value for attribute " + k);
    }
    Output out;
    out.value["QueueUrl"] = queue_url(queue);
    return out;
  }
  if (auto it = deleted_ms_.find(queue.arn); it != deleted_ms_.end() && now - it->second < kRecentMs)
    return errors("QueueDeletedRecently",
                  "You must wait 60 seconds after deleting a queue before you can create another with the same name.");
  if (store_->all(queue.scope, kQueue).size() >= kMaxQueuesPerScope)
    return errors("OverLimit", "You have reached the limit of " + std::to_string(kMaxQueuesPerScope) +
                                   " queues in this account and region.");
  if (auto e = check_references(queue, given, fifo)) return *e;
  Value attributes = default_attributes(fifo);
  merge_attributes(attributes, given);
  Value doc = {{"QueueName", name},
               {"Attributes", attributes},
               {"CreatedTimestamp", now},
               {"LastModifiedTimestamp", now},
               {"Tags", tags}};
  NUAGE_TRY(store_->put(queue.scope, kQueue, name, std::move(doc)));
  deleted_ms_.erase(queue.arn);
  Output out;
  out.value["QueueUrl"] = queue_url(queue);
  return out;
}

Result<Output> Provider::get_queue_url(Context& ctx, const Value& in) {
  storage::Scope scope{in.value("QueueOwnerAWSAccountId", ctx.account_id), ctx.region};
  const std::string name = in.at("QueueName");
  if (!store_->get(scope, kQueue, name)) return queue_does_not_exist();
  Output out;
  out.value["QueueUrl"] = queue_url({scope, name, ""});
  return out;
}

Result<Output> Provider::list_queues(Context& ctx, const Value& in) {
  storage::Scope scope{ctx.account_id, ctx.region};
  std::string prefix = in.value("QueueNamePrefix", "");
  std::optional<int64_t> max;
  if (auto m = in.find("MaxResults"); m != in.end() && m->is_number_integer()) {
    max = m->get<int64_t>();
    if (*max < 1 || *max > 1000)
      return invalid_parameter("MaxResults", std::to_string(*max), "MaxResults must be an integer between 1 and 1000.");
  }
  auto view = store_->all(scope, kQueue);
  auto it = view.from(prefix);
  if (auto token = in.find("NextToken"); token != in.end() && token->is_string()) {
    auto last = storage::ResourceStore::from_page_token(*token);
    if (!last) return invalid_parameter("NextToken", token->get<std::string>(), "Invalid NextToken value.");
    it = view.after(std::max(*last, prefix));
  }
  Value urls = Value::array();
  int64_t limit = max.value_or(1000);
  std::string last;
  bool more = false;
  for (; it != view.end(); ++it) {
    const auto& [id, doc] = *it;
    if (!text::starts_with(id, prefix)) break;
    if (static_cast<int64_t>(urls.size()) == limit) {
      more = true;
      break;
    }
    urls.push_back(queue_url({scope, id, ""}));
    last = id;
  }
  Output out;
  if (!urls.empty()) out.value["QueueUrls"] = std::move(urls);
  if (more && max) out.value["NextToken"] = storage::ResourceStore::page_token(last);
  return out;
}

Result<Output> Provider::delete_queue(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  NUAGE_TRY(messages_->drop(queue->arn));
  NUAGE_TRY(store_->erase(queue->scope, kQueue, queue->name));
  deleted_ms_[queue->arn] = now_ms();
  purged_ms_.erase(queue->arn);
  arrivals_.notify_all();  // waiting receives answer QueueDoesNotExist
  return Output{};
}

Result<Output> Provider::purge_queue(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  int64_t now = now_ms();
  if (auto it = purged_ms_.find(queue->arn); it != purged_ms_.end() && now - it->second < kRecentMs)
    return errors("PurgeQueueInProgress",
                  "Only one PurgeQueue operation on " + queue->name + " is allowed every 60 seconds.");
  NUAGE_TRY(messages_->drop(queue->arn, now + 1));
  purged_ms_[queue->arn] = now;
  return Output{};
}

Result<Output> Provider::get_queue_attributes(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  std::set<std::string> wanted;
  bool all = false;
  for (const auto& n : in.value("AttributeNames", Value::array())) {
    std::string name = n;
    if (!is_known_attribute(name)) return errors("InvalidAttributeName", "Unknown Attribute " + name + ".");
    all = all || name == "All";
    wanted.insert(name);
  }
  const Value& doc = *store_->get(queue->scope, kQueue, queue->name);
  int64_t now = now_ms();
  NUAGE_TRY(expire(*queue, doc.at("Attributes"), now));
  Counts c = counts(*queue, now);
  Value every = doc.at("Attributes");
  every["QueueArn"] = queue->arn;
  every["ApproximateNumberOfMessages"] = std::to_string(c.visible);
  every["ApproximateNumberOfMessagesNotVisible"] = std::to_string(c.in_flight);
  every["ApproximateNumberOfMessagesDelayed"] = std::to_string(c.delayed);
  every["CreatedTimestamp"] = seconds_text(doc.value("CreatedTimestamp", int64_t{0}));
  every["LastModifiedTimestamp"] = seconds_text(doc.value("LastModifiedTimestamp", int64_t{0}));
  Value out_attrs = Value::object();
  for (const auto& [k, v] : every.items())
    if (all || wanted.count(k)) out_attrs[k] = v;
  Output out;
  if (!out_attrs.empty()) out.value["Attributes"] = std::move(out_attrs);
  return out;
}

Status Provider::update_attributes(const QueueRef& queue, const Value& given) {
  Value* doc = store_->find(queue.scope, kQueue, queue.name);
  merge_attributes((*doc)["Attributes"], given);
  (*doc)["LastModifiedTimestamp"] = now_ms();
  NUAGE_TRY(store_->put(queue.scope, kQueue, queue.name, std::move(*doc)));
  arrivals_.notify_all();  // a shorter delay or visibility may free messages
  return Status::Ok();
}

Result<Output> Provider::set_queue_attributes(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  Value given = as_strings(in.value("Attributes", Value::object()));
  bool fifo = store_->get(queue->scope, kQueue, queue->name)->at("Attributes").value("FifoQueue", "false") == "true";
  if (auto e = check_attributes(given, fifo, false)) return *e;
  if (auto e = check_references(*queue, given, fifo)) return *e;
  NUAGE_TRY(update_attributes(*queue, given));
  return Output{};
}

Result<Output> Provider::list_dead_letter_source_queues(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  int64_t limit = in.value("MaxResults", int64_t{1000});
  if (limit < 1 || limit > 1000)
    return invalid_parameter("MaxResults", std::to_string(limit), "MaxResults must be an integer between 1 and 1000.");
  auto view = store_->all(queue->scope, kQueue);
  auto it = view.begin();
  if (auto token = in.find("NextToken"); token != in.end() && token->is_string()) {
    auto last = storage::ResourceStore::from_page_token(*token);
    if (!last) return invalid_parameter("NextToken", token->get<std::string>(), "Invalid NextToken value.");
    it = view.after(*last);
  }
  Value urls = Value::array();
  std::string last;
  bool more = false;
  for (; it != view.end(); ++it) {
    const auto& [id, doc] = *it;
    auto redrive = redrive_policy(doc.at("Attributes"));
    if (!redrive || redrive->dead_letter_arn != queue->arn) continue;
    if (static_cast<int64_t>(urls.size()) == limit) {
      more = true;
      break;
    }
    urls.push_back(queue_url({queue->scope, id, ""}));
    last = id;
  }
  Output out;
  out.value["queueUrls"] = std::move(urls);
  if (more && in.contains("MaxResults")) out.value["NextToken"] = storage::ResourceStore::page_token(last);
  return out;
}

// The queue's Policy as a document (a new one when it has none).
static Value policy_of(const Value& attributes, const std::string& arn) {
  Value policy = documents::parse_json_or_discarded(attributes.value("Policy", ""));
  if (!policy.is_object()) policy = {{"Version", "2012-10-17"}, {"Id", arn + "/SQSDefaultPolicy"}};
  if (!policy["Statement"].is_array()) policy["Statement"] = Value::array();
  return policy;
}

Result<Output> Provider::add_permission(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  const std::string label = in.at("Label");
  Value policy = policy_of(store_->get(queue->scope, kQueue, queue->name)->at("Attributes"), queue->arn);
  for (const auto& s : policy["Statement"])
    if (s.value("Sid", "") == label) return invalid_parameter("Label", label, "Already exists.");
  Value principals = Value::array();
  for (const auto& account : in.at("AWSAccountIds"))
    principals.push_back("arn:aws:iam::" + account.get<std::string>() + ":root");
  Value actions = Value::array();
  for (const auto& action : in.at("Actions")) {
    std::string a = action;
    actions.push_back(a == "*" ? "SQS:*" : "SQS:" + a);
  }
  policy["Statement"].push_back({{"Sid", label},
                                 {"Effect", "Allow"},
                                 {"Principal", {{"AWS", principals.size() == 1 ? principals[0] : principals}}},
                                 {"Action", actions.size() == 1 ? actions[0] : actions},
                                 {"Resource", queue->arn}});
  NUAGE_TRY(update_attributes(*queue, {{"Policy", policy.dump()}}));
  return Output{};
}

Result<Output> Provider::remove_permission(Context& ctx, const Value& in) {
  auto queue = queue_of(ctx, in);
  if (!queue) return queue.error();
  const std::string label = in.at("Label");
  Value policy = policy_of(store_->get(queue->scope, kQueue, queue->name)->at("Attributes"), queue->arn);
  Value kept = Value::array();
  for (const auto& s : policy["Statement"])
    if (s.value("Sid", "") != label) kept.push_back(s);
  if (kept.size() == policy["Statement"].size())
    return invalid_parameter("Label", label, "can't find label on existing policy.");
  policy["Statement"] = kept;
  // An empty value removes the attribute.
  NUAGE_TRY(update_attributes(*queue, {{"Policy", kept.empty() ? "" : policy.dump()}}));
  return Output{};
}

}  // namespace nuage::services::sqs
