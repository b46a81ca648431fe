// The event an SQS event source mapping hands a function, as the Lambda
// developer guide documents it ("Using Lambda with Amazon SQS"): one record
// per message, its members in AWS's order —
//   {"Records": [{"messageId", "receiptHandle", "body", "attributes",
//     "messageAttributes", "md5OfBody", ["md5OfMessageAttributes"],
//     "eventSource": "aws:sqs", "eventSourceARN", "awsRegion"}]}
// with attributes {ApproximateReceiveCount, SentTimestamp, SenderId,
// ApproximateFirstReceiveTimestamp, and for FIFO queues SequenceNumber,
// MessageGroupId, MessageDeduplicationId} and message attributes in the
// lower-camel form {stringValue | binaryValue (base64), stringListValues,
// binaryListValues, dataType}.
//
// Also what the mapping decides from records and answers: which records a
// mapping's FilterCriteria keeps (EventBridge patterns, the body matched as
// JSON when it is JSON), and which messages a ReportBatchItemFailures
// answer leaves in the queue.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kit/value.h"

namespace nuage::services::lambda::sqs_event {

using Record = nlohmann::ordered_json;

// A message as SQS's ReceiveMessage answers it (AttributeNames and
// MessageAttributeNames "All") as a Lambda record.
Record record(const kit::Value& message, const std::string& queue_arn, const std::string& region);
// {"Records": [...]} as the function receives it.
std::string event_payload(const std::vector<Record>& records);
// Whether `record` passes `filters` (the FilterCriteria's Filters, each
// Pattern a JSON text already validated); no filters: every record does.
bool passes(const kit::Value& filters, const Record& record);
// Whether `subject` (any event source's record, as JSON) passes `filters`.
bool passes_filters(const kit::Value& filters, const kit::Value& subject);
// The message ids a function's answer reports as failed
// ({"batchItemFailures": [{"itemIdentifier": id}]}), or nullopt when the
// answer is malformed or names a message not in the batch — then, as on
// AWS, the whole batch counts as failed.
std::optional<std::set<std::string>> failed_items(const std::string& response, const std::set<std::string>& batch);

}  // namespace nuage::services::lambda::sqs_event
