#include "services/sns/filter_policy.h"

#include <gtest/gtest.h>

#include "services/sns/signing.h"

namespace nuage::services::sns {

using kit::Value;

namespace {
Value attribute(const std::string& type, const std::string& value) {
  return {{"DataType", type}, {"StringValue", value}};
}
}  // namespace

TEST(SnsFilterPolicy, AttributesMatchByTheirTypes) {
  Value policy = Value::parse(R"({"store": ["paris"], "price": [{"numeric": [">", 10]}], "tags": ["red"]})");
  Value attrs = {{"store", attribute("String", "paris")},
                 {"price", attribute("Number", "12.5")},
                 {"tags", attribute("String.Array", R"(["blue", "red"])")}};
  EXPECT_TRUE(filter_matches(policy, "MessageAttributes", attrs, ""));
  attrs["price"] = attribute("Number", "9");
  EXPECT_FALSE(filter_matches(policy, "MessageAttributes", attrs, ""));
  attrs.erase("store");
  EXPECT_FALSE(filter_matches(policy, "MessageAttributes", attrs, ""));
}

TEST(SnsFilterPolicy, BodyScopeMatchesNestedJson) {
  Value policy = Value::parse(R"({"order": {"status": [{"anything-but": "cancelled"}]}})");
  EXPECT_TRUE(filter_matches(policy, "MessageBody", Value::object(), R"({"order": {"status": "paid"}})"));
  EXPECT_FALSE(filter_matches(policy, "MessageBody", Value::object(), R"({"order": {"status": "cancelled"}})"));
  EXPECT_FALSE(filter_matches(policy, "MessageBody", Value::object(), "not json"));
}

TEST(SnsFilterPolicy, InvalidPoliciesAreRefused) {
  EXPECT_TRUE(validate_filter_policy(R"({"a": ["x"]})", "MessageAttributes").ok());
  EXPECT_FALSE(validate_filter_policy("{", "MessageAttributes").ok());
  EXPECT_FALSE(validate_filter_policy(R"(["x"])", "MessageAttributes").ok());
  EXPECT_FALSE(validate_filter_policy(R"({"a": {"b": ["x"]}})", "MessageAttributes").ok());  // nested: body only
  EXPECT_TRUE(validate_filter_policy(R"({"a": {"b": ["x"]}})", "MessageBody").ok());
  EXPECT_FALSE(validate_filter_policy(R"({"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]})",
                                      "MessageAttributes").ok());
  auto refused = validate_filter_policy(R"({"a": "x"})", "MessageAttributes");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "InvalidParameter");
}

// AWS's string to sign: "Name\nvalue\n" in AWS's order, Subject only when present.
TEST(SnsSigning, StringToSignFollowsAws) {
  Value n = {{"Type", "Notification"}, {"MessageId", "m"}, {"TopicArn", "t"}, {"Message", "hi"},
             {"Timestamp", "2026-01-01T00:00:00.000Z"}};
  EXPECT_EQ(Signer::string_to_sign(n),
            "Message\nhi\nMessageId\nm\nTimestamp\n2026-01-01T00:00:00.000Z\nTopicArn\nt\nType\nNotification\n");
  n["Subject"] = "s";
  EXPECT_EQ(Signer::string_to_sign(n),
            "Message\nhi\nMessageId\nm\nSubject\ns\nTimestamp\n2026-01-01T00:00:00.000Z\nTopicArn\nt\nType\n"
            "Notification\n");
  Value c = {{"Type", "SubscriptionConfirmation"}, {"MessageId", "m"}, {"Token", "k"}, {"TopicArn", "t"},
             {"Message", "x"}, {"SubscribeURL", "u"}, {"Timestamp", "ts"}};
  EXPECT_EQ(Signer::string_to_sign(c),
            "Message\nx\nMessageId\nm\nSubscribeURL\nu\nTimestamp\nts\nToken\nk\nTopicArn\nt\nType\n"
            "SubscriptionConfirmation\n");
}

}  // namespace nuage::services::sns
