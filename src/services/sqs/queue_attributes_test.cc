#include "services/sqs/queue_attributes.h"

#include <gtest/gtest.h>

namespace nuage::services::sqs {
namespace {

std::string refusal(const kit::Value& given, bool fifo = false, bool creating = true) {
  auto e = check_attributes(given, fifo, creating);
  return e ? e->code + ": " + e->message : "";
}

TEST(SqsQueueAttributes, RangesAreAwss) {
  EXPECT_EQ(refusal({{"VisibilityTimeout", "43200"}, {"DelaySeconds", "900"}, {"MaximumMessageSize", "1024"}}), "");
  EXPECT_EQ(refusal({{"VisibilityTimeout", "43201"}}),
            "InvalidAttributeValue: Invalid value for the parameter VisibilityTimeout.");
  EXPECT_EQ(refusal({{"MessageRetentionPeriod", "1209601"}}),
            "InvalidAttributeValue: Invalid value for the parameter MessageRetentionPeriod.");
  EXPECT_EQ(refusal({{"ReceiveMessageWaitTimeSeconds", "2x"}}),
            "InvalidAttributeValue: Invalid value for the parameter ReceiveMessageWaitTimeSeconds.");
}

TEST(SqsQueueAttributes, NamesAndQueueKinds) {
  EXPECT_EQ(refusal({{"Colour", "blue"}}), "InvalidAttributeName: Unknown Attribute Colour.");
  EXPECT_EQ(refusal({{"ApproximateNumberOfMessages", "3"}}),
            "InvalidAttributeName: Unknown Attribute ApproximateNumberOfMessages.");
  EXPECT_EQ(refusal({{"ContentBasedDeduplication", "true"}}),
            "InvalidAttributeName: Unknown Attribute ContentBasedDeduplication.");
  EXPECT_EQ(refusal({{"ContentBasedDeduplication", "true"}}, true), "");
  EXPECT_EQ(refusal({{"FifoQueue", "true"}}, true, false), "InvalidAttributeName: Unknown Attribute FifoQueue.");
  EXPECT_NE(refusal({{"FifoThroughputLimit", "perMessageGroupId"}, {"DeduplicationScope", "queue"}}, true), "");
}

TEST(SqsQueueAttributes, RedrivePolicies) {
  std::string arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
  EXPECT_EQ(refusal({{"RedrivePolicy", R"({"deadLetterTargetArn":")" + arn + R"(","maxReceiveCount":"5"})"}}), "");
  EXPECT_NE(refusal({{"RedrivePolicy", R"({"deadLetterTargetArn":")" + arn + R"(","maxReceiveCount":1001})"}}), "");
  EXPECT_NE(refusal({{"RedrivePolicy", "not json"}}), "");
  auto parsed = redrive_policy({{"RedrivePolicy", R"({"deadLetterTargetArn":")" + arn + R"(","maxReceiveCount":"5"})"}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->dead_letter_arn, arn);
  EXPECT_EQ(parsed->max_receive_count, 5);
  EXPECT_EQ(refusal({{"RedriveAllowPolicy", R"({"redrivePermission":"byQueue"})"}}).substr(0, 21), "InvalidParameterValue");
  EXPECT_EQ(refusal({{"RedriveAllowPolicy", R"({"redrivePermission":"denyAll"})"}}), "");
}

TEST(SqsQueueAttributes, DefaultsOfEachKind) {
  EXPECT_EQ(default_attributes(false).value("VisibilityTimeout", ""), "30");
  EXPECT_FALSE(default_attributes(false).contains("FifoQueue"));
  EXPECT_EQ(default_attributes(true).value("DeduplicationScope", ""), "queue");
}

}  // namespace
}  // namespace nuage::services::sqs
