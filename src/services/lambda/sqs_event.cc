#include "services/lambda/sqs_event.h"

#include "common/documents.h"
#include "common/text.h"
#include "services/eventbridge/pattern.h"

namespace nuage::services::lambda::sqs_event {

using kit::Value;

namespace {

// System attributes in the order the developer guide's samples list them.
constexpr const char* kAttributeOrder[] = {"ApproximateReceiveCount", "AWSTraceHeader",   "SentTimestamp",
                                           "SequenceNumber",          "MessageGroupId",   "SenderId",
                                           "MessageDeduplicationId",  "ApproximateFirstReceiveTimestamp",
                                           "DeadLetterQueueSourceArn"};

Record message_attribute(const Value& given) {
  Record out = Record::object();
  if (given.contains("StringValue")) out["stringValue"] = given["StringValue"];
  if (given.contains("BinaryValue")) out["binaryValue"] = text::base64_encode(kit::blob_bytes(given["BinaryValue"]));
  out["stringListValues"] = Record::array();
  out["binaryListValues"] = Record::array();
  out["dataType"] = given.value("DataType", "");
  return out;
}

}  // namespace

Record record(const Value& message, const std::string& queue_arn, const std::string& region) {
  Record r = Record::object();
  r["messageId"] = message.value("MessageId", "");
  r["receiptHandle"] = message.value("ReceiptHandle", "");
  r["body"] = message.value("Body", "");
  Record attributes = Record::object();
  const Value system = message.value("Attributes", Value::object());
  for (const char* name : kAttributeOrder)
    if (system.contains(name) && std::string(name) != "DeadLetterQueueSourceArn") attributes[name] = system[name];
  r["attributes"] = std::move(attributes);
  Record message_attributes = Record::object();
  const Value given = message.value("MessageAttributes", Value::object());
  for (const auto& [name, v] : given.items())
    message_attributes[name] = message_attribute(v);
  r["messageAttributes"] = std::move(message_attributes);
  r["md5OfBody"] = message.value("MD5OfBody", "");
  if (message.contains("MD5OfMessageAttributes")) r["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"];
  r["eventSource"] = "aws:sqs";
  r["eventSourceARN"] = queue_arn;
  r["awsRegion"] = region;
  return r;
}

std::string event_payload(const std::vector<Record>& records) {
  Record event = Record::object();
  event["Records"] = records;
  return event.dump();
}

bool passes(const Value& filters, const Record& record) {
  if (!filters.is_array() || filters.empty()) return true;
  Value subject = Value::parse(record.dump());
  // A JSON body is matched by its fields; any other body as the string it is.
  Value body = documents::parse_json_or_discarded(subject["body"].get<std::string>());
  if (!body.is_discarded()) subject["body"] = std::move(body);
  return passes_filters(filters, subject);
}

bool passes_filters(const Value& filters, const Value& subject) {
  if (!filters.is_array() || filters.empty()) return true;
  for (const auto& filter : filters) {
    Value pattern = documents::parse_json_or_discarded(filter.value("Pattern", ""));
    if (pattern.is_object() && eventbridge::pattern_matches(pattern, subject)) return true;
  }
  return false;
}

std::optional<std::set<std::string>> failed_items(const std::string& response, const std::set<std::string>& batch) {
  Value answer = documents::parse_json_or_discarded(response);
  // An answer without batchItemFailures (or with an empty or null list) is a success.
  if (!answer.is_object() || !answer.contains("batchItemFailures") || answer["batchItemFailures"].is_null())
    return std::set<std::string>{};
  const Value& failures = answer["batchItemFailures"];
  if (!failures.is_array()) return std::nullopt;
  std::set<std::string> failed;
  for (const auto& f : failures) {
    if (!f.is_object() || !f.contains("itemIdentifier") || !f["itemIdentifier"].is_string()) return std::nullopt;
    std::string id = f["itemIdentifier"];
    if (id.empty() || !batch.count(id)) return std::nullopt;
    failed.insert(id);
  }
  return failed;
}

}  // namespace nuage::services::lambda::sqs_event
