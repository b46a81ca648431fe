#include "services/lambda/event_source_mappings.h"

#include <set>

#include "common/crypto.h"
#include "common/documents.h"
#include "common/text.h"
#include "common/time.h"
#include "events/targets.h"
#include "services/eventbridge/pattern.h"
#include "services/lambda/errors.h"

namespace nuage::services::lambda {

namespace {

constexpr size_t kMaxFilters = 5;
constexpr size_t kDefaultMappingsListed = 100;
constexpr int64_t kMaxFifoBatch = 10;

AwsError not_found() { return errors("ResourceNotFoundException", "The resource you requested does not exist."); }

std::string mapping_arn(const Context& ctx, const std::string& uuid) {
  return "arn:aws:lambda:" + ctx.region + ":" + ctx.account_id + ":event-source-mapping:" + uuid;
}

// The sources other than SQS that AWS maps and nuage does not yet.
bool is_unbuilt_source(const std::string& service) {
  static const std::set<std::string> kUnbuilt = {"kinesis", "kafka", "mq", "rds"};
  return kUnbuilt.count(service) > 0;
}

// The members of SQS mappings that only streams and Kafka take.
constexpr const char* kStreamOnly[] = {"StartingPosition",   "StartingPositionTimestamp", "BisectBatchOnFunctionError",
                                       "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "ParallelizationFactor",
                                       "DestinationConfig",   "TumblingWindowInSeconds",   "Topics", "Queues",
                                       "SelfManagedEventSource", "SourceAccessConfigurations"};

// The members only Kinesis, Kafka, MQ and DocumentDB sources take, and
// those only SQS takes.
constexpr const char* kNotForDynamoDb[] = {"StartingPositionTimestamp", "Topics", "Queues", "SelfManagedEventSource",
                                           "SourceAccessConfigurations", "ScalingConfig"};
constexpr int64_t kMinRecordAge = 60, kMaxRecordAge = 604800;

AwsError unsupported(const char* member) {
  return invalid(std::string("Unsupported ") + member + " parameter for given event source mapping type.");
}

// A stream mapping's own members: StartingPosition (on Create), the record
// age and the OnFailure destination (an SQS queue or SNS topic).
Status check_stream_members(const Value& in, bool creating) {
  for (const char* member : kNotForDynamoDb)
    if (in.contains(member)) return unsupported(member);
  if (creating) {
    std::string position = in.value("StartingPosition", "");
    if (position.empty()) return invalid("StartingPosition is required for DynamoDB stream event sources.");
    if (position != "TRIM_HORIZON" && position != "LATEST")
      return invalid("Unsupported starting position " + position + " for DynamoDB stream event sources.");
  } else if (in.contains("StartingPosition")) {
    return unsupported("StartingPosition");
  }
  int64_t age = in.value("MaximumRecordAgeInSeconds", int64_t{-1});
  if (age != -1 && (age < kMinRecordAge || age > kMaxRecordAge))
    return invalid("MaximumRecordAgeInSeconds must be -1 or between " + std::to_string(kMinRecordAge) + " and " +
                   std::to_string(kMaxRecordAge) + ".");
  if (in.contains("DestinationConfig")) {
    const Value& config = in["DestinationConfig"];
    if (config.contains("OnSuccess") && !config["OnSuccess"].value("Destination", "").empty())
      return invalid("Unsupported OnSuccess destination for DynamoDB stream event sources.");
    std::string target = config.value("OnFailure", Value::object()).value("Destination", "");
    if (!target.empty() && target.rfind("arn:aws:sqs:", 0) != 0 && target.rfind("arn:aws:sns:", 0) != 0)
      return invalid("The provided destination config DestinationConfig(onFailure=" + target +
                     ") is invalid: the destination must be an SQS queue or an SNS topic.");
  }
  return Status::Ok();
}

// What Create and Update check of their input alone.
Status check_input(const Value& in, bool stream, bool creating) {
  if (stream) {
    NUAGE_TRY(check_stream_members(in, creating));
  } else {
    for (const char* member : kStreamOnly)
      if (in.contains(member)) return unsupported(member);
  }
  if (!in.contains("FilterCriteria")) return Status::Ok();
  const Value filters = in["FilterCriteria"].value("Filters", Value::array());
  if (filters.size() > kMaxFilters)
    return invalid("The number of filters in FilterCriteria exceeds the limit of " + std::to_string(kMaxFilters) + ".");
  for (const auto& f : filters) {
    Value pattern = documents::parse_json_or_discarded(f.value("Pattern", ""));
    if (!pattern.is_object() || !eventbridge::validate_pattern(pattern).ok())
      return invalid("Invalid filter pattern definition.");
  }
  return Status::Ok();
}

// BatchSize and MaximumBatchingWindowInSeconds as they will be, checked
// together (a stream takes up to 10,000 records without a window).
Status check_batching(int64_t batch_size, int64_t window, bool fifo, bool stream) {
  if (stream) return Status::Ok();
  if (fifo && batch_size > kMaxFifoBatch)
    return invalid("Batch size (" + std::to_string(batch_size) + ") must be between 1 and 10 for FIFO queues.");
  if (fifo && window > 0) return invalid("Batching window is not supported for FIFO queues.");
  if (batch_size > 10 && window == 0)
    return invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
  return Status::Ok();
}

// The members given to Create or Update that the document takes as they are.
void apply_members(Value& doc, const Value& in) {
  for (const char* member : {"BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "ScalingConfig",
                             "StartingPosition", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",
                             "BisectBatchOnFunctionError", "ParallelizationFactor", "TumblingWindowInSeconds"})
    if (in.contains(member)) doc[member] = in[member];
  if (in.contains("DestinationConfig"))
    doc["DestinationConfig"] = {{"OnFailure", in["DestinationConfig"].value("OnFailure", Value::object())}};
  if (in.contains("FilterCriteria")) {
    // An empty FilterCriteria ({} or no Filters) removes the filters.
    if (in["FilterCriteria"].value("Filters", Value::array()).empty())
      doc.erase("FilterCriteria");
    else
      doc["FilterCriteria"] = in["FilterCriteria"];
  }
  if (doc.contains("ScalingConfig") && doc["ScalingConfig"].empty()) doc.erase("ScalingConfig");
}

// Under Shared::mutex: the stored mapping, or ResourceNotFoundException.
Result<Value> stored(const Shared& shared, const storage::Scope& scope, const std::string& uuid) {
  const Value* found = shared.store->get(scope, kEventSourceMapping, uuid);
  if (!found) return not_found();
  return *found;
}

Output answer(Value doc, const char* state) {
  Output out;
  if (state) doc["State"] = state;
  out.value = std::move(doc);
  return out;
}

}  // namespace

Result<EventSourceMappings::Checked> EventSourceMappings::check_stream_source(const Context& ctx,
                                                                              const std::string& function_name,
                                                                              const std::string& stream_arn) {
  auto ref = parse_ref(ctx, function_name, Value::object());
  if (!ref) return ref.take_error();
  std::string role;
  Checked checked;
  {
    std::lock_guard lock(shared_.mutex);
    auto config = shared_.configuration(*ref);
    if (!config) return config.take_error();
    role = config->value("Role", "");
    checked.function_arn = function_arn(*ref);
  }
  AwsError no_access = invalid("Cannot access stream " + stream_arn +
                               ". Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, "
                               "and ListStreams Actions on your stream in IAM.");
  auto denied = roles_.denied_actions(ref->account, ref->region, role,
                                      {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                                       "dynamodb:ListStreams"},
                                      stream_arn);
  if (!denied) return denied.take_error();
  if (!denied->empty()) return no_access;
  auto creds = roles_.credentials(ref->account, ref->region, role, ref->name);
  if (!creds) return creds.take_error();
  auto described =
      shared_.env.call("dynamodbstreams", "DescribeStream", {{"StreamArn", stream_arn}}, *creds, text::split(stream_arn, ':')[3]);
  if (!described) {
    if (described.error().code == "ResourceNotFoundException") return invalid("Stream not found: " + stream_arn);
    return no_access;
  }
  return checked;
}

Result<EventSourceMappings::Checked> EventSourceMappings::check_source(const Context& ctx,
                                                                       const std::string& function_name,
                                                                       const std::string& queue_arn) {
  if (is_stream_source(queue_arn)) return check_stream_source(ctx, function_name, queue_arn);
  auto ref = parse_ref(ctx, function_name, Value::object());
  if (!ref) return ref.take_error();
  std::string role;
  int64_t timeout = 3;
  Checked checked;
  {
    std::lock_guard lock(shared_.mutex);
    auto config = shared_.configuration(*ref);
    if (!config) return config.take_error();
    role = config->value("Role", "");
    timeout = config->value("Timeout", int64_t{3});
    checked.function_arn = function_arn(*ref);
  }
  auto denied = roles_.denied_actions(ref->account, ref->region, role,
                                      {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}, queue_arn);
  if (!denied) return denied.take_error();
  if (!denied->empty()) {
    std::string action = denied->front().substr(denied->front().find(':') + 1);
    return invalid("The provided execution role does not have permissions to call " + action + " on SQS");
  }
  auto creds = roles_.credentials(ref->account, ref->region, role, ref->name);
  if (!creds) return creds.take_error();
  auto attributes = shared_.env.call(
      "sqs", "GetQueueAttributes",
      {{"QueueUrl", events::queue_url(shared_.env, queue_arn)}, {"AttributeNames", {"VisibilityTimeout", "FifoQueue"}}},
      *creds, text::split(queue_arn, ':')[3]);
  if (!attributes) {
    if (attributes.error().code == "AWS.SimpleQueueService.NonExistentQueue" ||
        attributes.error().code == "QueueDoesNotExist")
      return invalid("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
                     "SQS Error Message: The specified queue does not exist.");
    return invalid("Error occurred while GetQueueAttributes. SQS Error Code: " + attributes.error().code +
                   ". SQS Error Message: " + attributes.error().message);
  }
  const Value got = attributes->value.value("Attributes", Value::object());
  int64_t visibility = std::atoll(got.value("VisibilityTimeout", "30").c_str());
  if (visibility < timeout)
    return invalid("Queue visibility timeout: " + std::to_string(visibility) + " seconds is less than Function timeout: " +
                   std::to_string(timeout) + " seconds");
  checked.fifo = got.value("FifoQueue", "false") == "true";
  return checked;
}

Result<Output> EventSourceMappings::create(Context& ctx, const Value& in) {
  std::string source = in.value("EventSourceArn", "");
  if (source.empty())
    return invalid("Unrecognized event source, must be kinesis, dynamodb stream, sqs, kafka, mq or docdb");
  auto parts = text::split(source, ':');
  std::string service = parts.size() > 2 ? parts[2] : "";
  if (is_unbuilt_source(service))
    return AwsError{"NotImplemented",
                    "nuage does not implement event source mappings for " + service + " sources yet (" + source +
                        "); SQS queues and DynamoDB streams are supported.",
                    501};
  bool stream = is_stream_source(source);
  if (!stream && (service != "sqs" || parts.size() != 6)) return invalid("Unrecognized event source.");
  NUAGE_TRY(check_input(in, stream, true));
  auto checked = check_source(ctx, in.at("FunctionName"), source);
  if (!checked) return checked.take_error();
  int64_t batch = in.value("BatchSize", int64_t{stream ? 100 : 10});
  int64_t window = in.value("MaximumBatchingWindowInSeconds", int64_t{0});
  NUAGE_TRY(check_batching(batch, window, checked->fifo, stream));

  std::string uuid = crypto::random_uuid();
  Value doc = {{"UUID", uuid},
               {"BatchSize", batch},
               {"MaximumBatchingWindowInSeconds", window},
               {"EventSourceArn", source},
               {"FunctionArn", checked->function_arn},
               {"LastModified", timefmt::epoch_seconds(ctx.clock->now())},
               {"State", in.value("Enabled", true) ? "Enabled" : "Disabled"},
               {"StateTransitionReason", "USER_INITIATED"},
               {"FunctionResponseTypes", Value::array()},
               {"EventSourceMappingArn", mapping_arn(ctx, uuid)}};
  if (stream) {
    doc["ParallelizationFactor"] = 1;
    doc["MaximumRetryAttempts"] = -1;
    doc["MaximumRecordAgeInSeconds"] = -1;
    doc["BisectBatchOnFunctionError"] = false;
    doc["TumblingWindowInSeconds"] = 0;
    doc["DestinationConfig"] = {{"OnFailure", Value::object()}};
    doc["LastProcessingResult"] = "No records processed";
  }
  apply_members(doc, in);
  {
    std::lock_guard lock(shared_.mutex);
    storage::Scope scope{ctx.account_id, ctx.region};
    auto all = shared_.store->all(scope, kEventSourceMapping);
    for (auto [id, other] : all)
      if (other.value("EventSourceArn", "") == source && other.value("FunctionArn", "") == checked->function_arn)
        return errors("ResourceConflictException",
                      std::string("An event source mapping with ") + (stream ? "DynamoDB stream" : "SQS") +
                          " arn (\" " + source + " \") and function (\" " +
                          checked->function_arn.substr(checked->function_arn.rfind(":function:") + 10) +
                          " \") already exists. Please update or delete the existing mapping with UUID " + id);
    if (all.size() >= kMaxEventSourceMappingsPerScope)
      return errors("ResourceConflictException", "nuage runs at most " +
                                                     std::to_string(kMaxEventSourceMappingsPerScope) +
                                                     " event source mappings per account and region.");
    NUAGE_TRY(shared_.store->put(scope, kEventSourceMapping, uuid, doc));
  }
  pollers_.refresh({ctx.account_id, ctx.region}, uuid);
  return answer(std::move(doc), "Creating");
}

Result<Output> EventSourceMappings::get(Context& ctx, const Value& in) {
  std::lock_guard lock(shared_.mutex);
  auto doc = stored(shared_, {ctx.account_id, ctx.region}, in.at("UUID"));
  if (!doc) return doc.take_error();
  return answer(std::move(*doc), nullptr);
}

Result<Output> EventSourceMappings::update(Context& ctx, const Value& in) {
  std::string uuid = in.at("UUID");
  storage::Scope scope{ctx.account_id, ctx.region};
  Result<Value> doc = [&] {
    std::lock_guard lock(shared_.mutex);
    return stored(shared_, scope, uuid);
  }();
  if (!doc) return doc.take_error();
  bool stream = is_stream_source(doc->value("EventSourceArn", ""));
  NUAGE_TRY(check_input(in, stream, false));
  // A new function (or the same, when the window or batch changes) is checked again.
  auto checked = check_source(ctx, in.value("FunctionName", doc->value("FunctionArn", "")), (*doc)["EventSourceArn"]);
  if (!checked) return checked.take_error();
  NUAGE_TRY(check_batching(
      in.value("BatchSize", doc->value("BatchSize", int64_t{10})),
      in.value("MaximumBatchingWindowInSeconds", doc->value("MaximumBatchingWindowInSeconds", int64_t{0})),
      checked->fifo, stream));
  const char* transition = "Updating";
  {
    std::lock_guard lock(shared_.mutex);
    doc = stored(shared_, scope, uuid);
    if (!doc) return doc.take_error();
    apply_members(*doc, in);
    (*doc)["FunctionArn"] = checked->function_arn;
    if (in.contains("Enabled")) {
      bool enable = in["Enabled"].get<bool>();
      bool enabled = (*doc)["State"] == "Enabled";
      if (enable != enabled) transition = enable ? "Enabling" : "Disabling";
      (*doc)["State"] = enable ? "Enabled" : "Disabled";
    }
    (*doc)["LastModified"] = timefmt::epoch_seconds(ctx.clock->now());
    (*doc)["StateTransitionReason"] = "USER_INITIATED";
    NUAGE_TRY(shared_.store->put(scope, kEventSourceMapping, uuid, *doc));
  }
  pollers_.refresh(scope, uuid);
  return answer(std::move(*doc), transition);
}

Result<Output> EventSourceMappings::remove(Context& ctx, const Value& in) {
  std::string uuid = in.at("UUID");
  storage::Scope scope{ctx.account_id, ctx.region};
  Result<Value> doc = AwsError{};
  {
    std::lock_guard lock(shared_.mutex);
    doc = stored(shared_, scope, uuid);
    if (!doc) return doc.take_error();
    NUAGE_TRY(shared_.store->erase(scope, kEventSourceMapping, uuid));
  }
  pollers_.refresh(scope, uuid);
  return answer(std::move(*doc), "Deleting");
}

Result<Output> EventSourceMappings::list(Context& ctx, const Value& in) {
  std::string source = in.value("EventSourceArn", "");
  std::string function;
  if (in.contains("FunctionName")) {
    auto ref = parse_ref(ctx, in["FunctionName"], Value::object());
    if (!ref) return ref.take_error();
    function = function_arn(*ref);
  }
  auto pager = Pager::of(in, kDefaultMappingsListed);
  if (!pager) return pager.take_error();
  std::lock_guard lock(shared_.mutex);
  Output out;
  Value& page = out.value["EventSourceMappings"] = Value::array();
  auto view = shared_.store->all({ctx.account_id, ctx.region}, kEventSourceMapping);
  for (auto it = pager->after().empty() ? view.begin() : view.after(pager->after()); it != view.end(); ++it) {
    auto [id, doc] = *it;
    if (!source.empty() && doc.value("EventSourceArn", "") != source) continue;
    // An unqualified name matches the function's mappings of every qualifier.
    std::string arn = doc.value("FunctionArn", "");
    if (!function.empty() && arn != function && !text::starts_with(arn, function + ":")) continue;
    if (!pager->add(id, doc, page, out.value)) break;
  }
  return out;
}

void EventSourceMappings::register_operations(kit::OperationTable& table) {
  auto any = [](const Context&, const Value&) { return std::vector<std::string>{"*"}; };
  auto mapping = [](const Context& ctx, const Value& in) {
    return std::vector<std::string>{mapping_arn(ctx, in.value("UUID", "*"))};
  };
  table.add("CreateEventSourceMapping", this, &EventSourceMappings::create).iam_resources(any);
  table.add("GetEventSourceMapping", this, &EventSourceMappings::get).iam_resources(mapping);
  table.add("UpdateEventSourceMapping", this, &EventSourceMappings::update).iam_resources(mapping);
  table.add("DeleteEventSourceMapping", this, &EventSourceMappings::remove).iam_resources(mapping);
  table.add("ListEventSourceMappings", this, &EventSourceMappings::list).iam_resources(any);
}

}  // namespace nuage::services::lambda
