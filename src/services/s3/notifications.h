// S3 event notifications: what a bucket's NotificationConfiguration says
// (Lambda functions, SQS queues, SNS topics, EventBridge), checked as S3
// checks it, and the event records S3 sends for committed object changes.
//
// The provider (notifications.cc) stores the configuration in the bucket's
// config document, validates destinations when it is put (Lambda: the
// function's resource policy must let s3.amazonaws.com invoke it for this
// bucket; queues and topics: the s3:TestEvent is delivered), and after each
// committed change sends one record per matching configuration, as
// s3.amazonaws.com acting for the bucket, so the destination's resource
// policy decides.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::s3 {

// One committed change of an object, as notifications describe it.
struct ObjectEvent {
  std::string name;  // "ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated", ...
  std::string key;
  std::string version_id;      // empty in a bucket that never had versioning
  std::string etag;            // created and tagging events
  std::optional<int64_t> size; // created events
  std::string sequencer;       // increasing per key
};

// The three kinds of destination configuration: the member of
// NotificationConfiguration, the member holding the destination's ARN.
struct DestinationKind {
  const char* list;  // "LambdaFunctionConfigurations"
  const char* arn;   // "LambdaFunctionArn"
};
inline constexpr DestinationKind kDestinationKinds[] = {
    {"LambdaFunctionConfigurations", "LambdaFunctionArn"},
    {"QueueConfigurations", "QueueArn"},
    {"TopicConfigurations", "TopicArn"},
};

// The configuration checked as S3 checks it (event names, filter rules,
// overlapping configurations) and normalized: a generated Id where none was
// given, filter rule names "Prefix" / "Suffix". InvalidArgument otherwise.
Result<kit::Value> normalize_notification_configuration(const kit::Value& configuration);

// Whether `event` ("ObjectCreated:Put") is one of `configured`
// ("s3:ObjectCreated:*", "s3:ObjectCreated:Put").
bool event_matches(const std::string& configured, const std::string& event);
// Whether `key` passes a configuration's Filter (prefix and suffix rules).
bool key_matches(const kit::Value& filter, const std::string& key);

// An object key as S3 writes it in event records: URL-encoded, a space as
// '+', '/' kept.
std::string event_key(const std::string& key);
// The next sequencer: hexadecimal, increasing across the process and its
// restarts (it starts from the wall clock).
std::string next_sequencer();

}  // namespace nuage::services::s3
