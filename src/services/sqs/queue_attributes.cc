#include "services/sqs/queue_attributes.h"

#include <cstdlib>
#include <set>

#include "common/documents.h"
#include "services/sqs/provider.h"

namespace nuage::services::sqs {

namespace {

struct Range {
  const char* name;
  long min, max;
};
// AWS's ranges (SetQueueAttributes's documentation).
constexpr Range kRanges[] = {
    {"DelaySeconds", 0, 900},
    {"MaximumMessageSize", 1024, kMaxMessageBytes},
    {"MessageRetentionPeriod", 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", 0, 20},
    {"VisibilityTimeout", 0, 43200},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400},
};

const std::set<std::string, std::less<>> kSettable = {
    "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "Policy", "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled"};
const std::set<std::string, std::less<>> kFifoOnly = {"ContentBasedDeduplication", "DeduplicationScope",
                                                      "FifoThroughputLimit"};
const std::set<std::string, std::less<>> kReadOnly = {
    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"};

AwsError invalid_value(const std::string& name) {
  return errors("InvalidAttributeValue", "Invalid value for the parameter " + name + ".");
}

bool is_integer(const std::string& s, long& out) {
  if (s.empty() || s.size() > 12) return false;
  char* end = nullptr;
  out = std::strtol(s.c_str(), &end, 10);
  return end && *end == '\0';
}

bool is_boolean(const std::string& s) { return s == "true" || s == "false"; }

AwsError bad_redrive(const std::string& attribute, const std::string& value, const std::string& reason) {
  return errors("InvalidParameterValue",
                "Value " + value + " for parameter " + attribute + " is invalid. Reason: " + reason);
}

std::optional<AwsError> check_redrive_policy(const std::string& text) {
  auto parsed = documents::parse_json(text);
  if (!parsed.ok() || !parsed.value.is_object())
    return bad_redrive("RedrivePolicy", text, "Redrive policy is not a valid JSON map.");
  const kit::Value& doc = parsed.value;
  auto arn = doc.find("deadLetterTargetArn");
  if (arn == doc.end() || !arn->is_string())
    return bad_redrive("RedrivePolicy", text, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  auto count = doc.find("maxReceiveCount");
  if (count == doc.end())
    return bad_redrive("RedrivePolicy", text, "Redrive policy does not contain mandatory attribute: maxReceiveCount.");
  long n = 0;
  bool ok = count->is_number_integer() ? (n = count->get<long>(), true)
                                       : count->is_string() && is_integer(count->get<std::string>(), n);
  if (!ok || n < 1 || n > 1000)
    return bad_redrive("RedrivePolicy", text,
                       "Invalid value for maxReceiveCount: " + (count->is_string() ? count->get<std::string>() : count->dump()) +
                           ", valid values are from 1 to 1000 both inclusive.");
  return std::nullopt;
}

std::optional<AwsError> check_redrive_allow_policy(const std::string& text) {
  auto parsed = documents::parse_json(text);
  if (!parsed.ok() || !parsed.value.is_object())
    return bad_redrive("RedriveAllowPolicy", text, "Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.");
  const kit::Value& doc = parsed.value;
  std::string permission = doc.value("redrivePermission", "");
  if (permission != "allowAll" && permission != "denyAll" && permission != "byQueue")
    return bad_redrive("RedriveAllowPolicy", text, "Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.");
  auto arns = doc.find("sourceQueueArns");
  if (permission == "byQueue") {
    if (arns == doc.end() || !arns->is_array() || arns->empty() || arns->size() > 10)
      return bad_redrive("RedriveAllowPolicy", text,
                         "Amazon SQS can't create the redrive allow policy. When you specify the byQueue permission "
                         "type, you must also specify one or more sourceQueueArns values, up to 10.");
    for (const auto& a : *arns)
      if (!a.is_string()) return bad_redrive("RedriveAllowPolicy", text, "sourceQueueArns must be queue ARNs.");
  } else if (arns != doc.end()) {
    return bad_redrive("RedriveAllowPolicy", text,
                       "Amazon SQS can't create the redrive allow policy. To specify one or more source queues, "
                       "you must specify the byQueue permission type.");
  }
  return std::nullopt;
}

}  // namespace

kit::Value default_attributes(bool fifo) {
  kit::Value a = {{"DelaySeconds", "0"},
                  {"MaximumMessageSize", std::to_string(kMaxMessageBytes)},
                  {"MessageRetentionPeriod", "345600"},
                  {"ReceiveMessageWaitTimeSeconds", "0"},
                  {"VisibilityTimeout", "30"},
                  {"SqsManagedSseEnabled", "true"}};
  if (fifo) {
    a["FifoQueue"] = "true";
    a["ContentBasedDeduplication"] = "false";
    a["DeduplicationScope"] = "queue";
    a["FifoThroughputLimit"] = "perQueue";
  }
  return a;
}

bool is_known_attribute(const std::string& name) {
  return name == "All" || name == "FifoQueue" || kSettable.count(name) || kFifoOnly.count(name) ||
         kReadOnly.count(name);
}

std::optional<AwsError> check_attributes(const kit::Value& given, bool fifo, bool creating) {
  for (const auto& [name, v] : given.items()) {
    std::string value = v.is_string() ? v.get<std::string>() : v.dump();
    bool fifo_only = kFifoOnly.count(name) > 0;
    if (name == "FifoQueue" ? !creating : (!kSettable.count(name) && !fifo_only))
      return errors("InvalidAttributeName", "Unknown Attribute " + name + ".");
    if (fifo_only && !fifo) return errors("InvalidAttributeName", "Unknown Attribute " + name + ".");
    for (const auto& r : kRanges)
      if (name == r.name) {
        long n = 0;
        if (!is_integer(value, n) || n < r.min || n > r.max) return invalid_value(name);
      }
    if ((name == "FifoQueue" || name == "ContentBasedDeduplication" || name == "SqsManagedSseEnabled") &&
        !is_boolean(value))
      return invalid_value(name);
    if (name == "DeduplicationScope" && value != "messageGroup" && value != "queue") return invalid_value(name);
    if (name == "FifoThroughputLimit" && value != "perQueue" && value != "perMessageGroupId")
      return invalid_value(name);
    if (name == "RedrivePolicy" && !value.empty())
      if (auto e = check_redrive_policy(value)) return e;
    if (name == "RedriveAllowPolicy" && !value.empty())
      if (auto e = check_redrive_allow_policy(value)) return e;
  }
  // AWS's rule for high-throughput FIFO queues.
  if (given.value("FifoThroughputLimit", "") == "perMessageGroupId" &&
      given.value("DeduplicationScope", "messageGroup") == "queue")
    return errors("InvalidAttributeValue",
                  "The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup");
  return std::nullopt;
}

std::optional<RedrivePolicy> redrive_policy(const kit::Value& attributes) {
  std::string text = attributes.value("RedrivePolicy", "");
  if (text.empty()) return std::nullopt;
  auto parsed = documents::parse_json(text);
  if (!parsed.ok() || !parsed.value.is_object()) return std::nullopt;
  RedrivePolicy out;
  out.dead_letter_arn = parsed.value.value("deadLetterTargetArn", "");
  const auto& count = parsed.value["maxReceiveCount"];
  out.max_receive_count = count.is_number_integer() ? count.get<int>()
                          : count.is_string()       ? std::atoi(count.get<std::string>().c_str())
                                                    : 0;
  if (out.dead_letter_arn.empty() || out.max_receive_count < 1) return std::nullopt;
  return out;
}

}  // namespace nuage::services::sqs
