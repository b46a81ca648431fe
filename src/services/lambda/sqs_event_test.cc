#include "services/lambda/sqs_event.h"

#include <gtest/gtest.h>

using namespace nuage::services::lambda;
using nuage::kit::Value;

namespace {

Value received_message() {
  return Value::parse(R"({
    "MessageId": "059f36b4-87a3-44ab-83d2-661975830a7d", "ReceiptHandle": "AQEB", "MD5OfBody": "e4e6",
    "Body": "{\"kind\": \"order\", \"n\": 3}", "MD5OfMessageAttributes": "aa11",
    "Attributes": {"SentTimestamp": "1545082649183", "SenderId": "AIDA", "ApproximateReceiveCount": "1",
                   "ApproximateFirstReceiveTimestamp": "1545082649185", "SqsManagedSseEnabled": "true"},
    "MessageAttributes": {"color": {"DataType": "String", "StringValue": "blue"}}})");
}

}  // namespace

TEST(SqsEvent, RecordHasAwsMembersInAwsOrder) {
  auto r = sqs_event::record(received_message(), "arn:aws:sqs:us-east-2:123456789012:q", "us-east-2");
  std::vector<std::string> keys;
  for (const auto& [k, v] : r.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                                            "md5OfBody", "md5OfMessageAttributes", "eventSource", "eventSourceARN",
                                            "awsRegion"}));
  // SqsManagedSseEnabled is a queue's, not the record's.
  EXPECT_EQ(r["attributes"].dump(),
            R"({"ApproximateReceiveCount":"1","SentTimestamp":"1545082649183","SenderId":"AIDA",)"
            R"("ApproximateFirstReceiveTimestamp":"1545082649185"})");
  EXPECT_EQ(r["messageAttributes"].dump(),
            R"({"color":{"stringValue":"blue","stringListValues":[],"binaryListValues":[],"dataType":"String"}})");
  EXPECT_EQ(r["eventSource"], "aws:sqs");
  EXPECT_EQ(sqs_event::event_payload({r}).substr(0, 25), R"({"Records":[{"messageId":)");
}

TEST(SqsEvent, FiltersMatchJsonBodiesByFieldAndOthersAsText) {
  auto r = sqs_event::record(received_message(), "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1");
  auto filters = [](const char* pattern) { return Value::array({{{"Pattern", pattern}}}); };
  EXPECT_TRUE(sqs_event::passes(Value::array(), r));
  EXPECT_TRUE(sqs_event::passes(filters(R"({"body": {"kind": ["order"]}})"), r));
  EXPECT_FALSE(sqs_event::passes(filters(R"({"body": {"kind": ["refund"]}})"), r));
  EXPECT_TRUE(sqs_event::passes(filters(R"({"messageAttributes": {"color": {"stringValue": ["blue"]}}})"), r));
  Value plain = received_message();
  plain["Body"] = "urgent: call";
  auto p = sqs_event::record(plain, "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1");
  EXPECT_TRUE(sqs_event::passes(filters(R"({"body": [{"prefix": "urgent"}]})"), p));
  EXPECT_FALSE(sqs_event::passes(filters(R"({"body": {"kind": ["order"]}})"), p));
}

TEST(SqsEvent, BatchItemFailures) {
  std::set<std::string> batch = {"a", "b"};
  EXPECT_EQ(sqs_event::failed_items("null", batch), std::set<std::string>{});
  EXPECT_EQ(sqs_event::failed_items(R"({"batchItemFailures": []})", batch), std::set<std::string>{});
  EXPECT_EQ(sqs_event::failed_items(R"({"batchItemFailures": [{"itemIdentifier": "b"}]})", batch),
            std::set<std::string>{"b"});
  // An id not in the batch, an empty one, or a wrong shape: the whole batch failed.
  EXPECT_FALSE(sqs_event::failed_items(R"({"batchItemFailures": [{"itemIdentifier": "z"}]})", batch));
  EXPECT_FALSE(sqs_event::failed_items(R"({"batchItemFailures": [{"itemIdentifier": ""}]})", batch));
  EXPECT_FALSE(sqs_event::failed_items(R"({"batchItemFailures": "b"})", batch));
}
