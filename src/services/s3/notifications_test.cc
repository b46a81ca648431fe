#include "services/s3/notifications.h"

#include <gtest/gtest.h>

namespace nuage::services::s3 {

using kit::Value;

TEST(S3Notifications, EventNamesMatchExactlyOrByFamily) {
  EXPECT_TRUE(event_matches("s3:ObjectCreated:*", "ObjectCreated:Put"));
  EXPECT_TRUE(event_matches("s3:ObjectCreated:Copy", "ObjectCreated:Copy"));
  EXPECT_FALSE(event_matches("s3:ObjectCreated:Copy", "ObjectCreated:Put"));
  EXPECT_FALSE(event_matches("s3:ObjectRemoved:*", "ObjectCreated:Put"));
  EXPECT_FALSE(event_matches("ObjectCreated:*", "ObjectCreated:Put"));  // the s3: prefix is part of the name
}

TEST(S3Notifications, KeysPassPrefixAndSuffixRules) {
  Value filter = {{"Key", {{"FilterRules", {{{"Name", "Prefix"}, {"Value", "in/"}}, {{"Name", "Suffix"}, {"Value", ".jpg"}}}}}}};
  EXPECT_TRUE(key_matches(filter, "in/a.jpg"));
  EXPECT_FALSE(key_matches(filter, "in/a.png"));
  EXPECT_FALSE(key_matches(filter, "out/a.jpg"));
  EXPECT_TRUE(key_matches(Value::object(), "anything"));
}

TEST(S3Notifications, KeysAreUrlEncodedAsInRecords) {
  EXPECT_EQ(event_key("photos/red flower.jpg"), "photos/red+flower.jpg");
  EXPECT_EQ(event_key("a=b&c"), "a%3Db%26c");
  EXPECT_EQ(event_key("caf\xc3\xa9"), "caf%C3%A9");
}

TEST(S3Notifications, SequencersIncrease) {
  std::string a = next_sequencer(), b = next_sequencer();
  EXPECT_EQ(a.size(), 18u);
  EXPECT_LT(a, b);  // same length, upper-case hex: text order is numeric order
}

TEST(S3Notifications, ConfigurationsAreNormalizedAndChecked) {
  Value in = {{"LambdaFunctionConfigurations",
               {{{"LambdaFunctionArn", "arn:aws:lambda:us-east-1:000000000000:function:f"},
                 {"Events", {"s3:ObjectCreated:*"}},
                 {"Filter", {{"Key", {{"FilterRules", {{{"Name", "prefix"}, {"Value", "a/"}}}}}}}}}}}};
  auto out = normalize_notification_configuration(in);
  ASSERT_TRUE(out.ok());
  const Value& c = (*out)["LambdaFunctionConfigurations"][0];
  EXPECT_FALSE(c["Id"].get<std::string>().empty());
  EXPECT_EQ(c["Filter"]["Key"]["FilterRules"][0]["Name"], "Prefix");

  Value overlapping = in;
  overlapping["LambdaFunctionConfigurations"].push_back(in["LambdaFunctionConfigurations"][0]);
  overlapping["LambdaFunctionConfigurations"][1]["Events"] = {"s3:ObjectCreated:Put"};
  auto refused = normalize_notification_configuration(overlapping);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "InvalidArgument");

  Value unknown = in;
  unknown["LambdaFunctionConfigurations"][0]["Events"] = {"s3:ObjectCreated:Everything"};
  EXPECT_FALSE(normalize_notification_configuration(unknown).ok());
}

}  // namespace nuage::services::s3
