#include "services/ssm/command_status.h"

#include <gtest/gtest.h>

namespace nuage::services::ssm {
namespace {

TEST(CommandStatus, LimitsReadAsCountsOrPercentages) {
  EXPECT_EQ(concurrency_limit("50", 3), 50);
  EXPECT_EQ(concurrency_limit("10%", 3), 1);   // rounds up, at least one
  EXPECT_EQ(concurrency_limit("50%", 5), 3);
  EXPECT_EQ(concurrency_limit("0", 3), std::nullopt);
  EXPECT_EQ(concurrency_limit("abc", 3), std::nullopt);
  EXPECT_EQ(concurrency_limit("101%", 3), std::nullopt);
  EXPECT_EQ(error_limit("0", 3), 0);
  EXPECT_EQ(error_limit("50%", 4), 2);
  EXPECT_EQ(error_limit("", 4), std::nullopt);
}

InvocationTally tally_of(std::initializer_list<std::pair<const char*, const char*>> statuses) {
  InvocationTally t;
  for (const auto& [status, details] : statuses) {
    ++t.targets;
    tally(t, status, details);
  }
  return t;
}

TEST(CommandStatus, FollowsTheInvocations) {
  auto s = command_status(tally_of({{"Pending", "Pending"}}), 0, false);
  EXPECT_EQ(s.status, "Pending");
  s = command_status(tally_of({{"Success", "Success"}, {"InProgress", "InProgress"}}), 0, false);
  EXPECT_EQ(s.status, "InProgress");
  s = command_status(tally_of({{"Success", "Success"}, {"Success", "Success"}}), 0, false);
  EXPECT_EQ(s.status, "Success");
  s = command_status(tally_of({{"Success", "Success"}, {"Failed", "Failed"}}), 0, false);
  EXPECT_EQ(s.status, "Failed");
  s = command_status(tally_of({{"Success", "Success"}, {"Failed", "Failed"}}), 1, false);
  EXPECT_EQ(s.details, "Incomplete");
  s = command_status(tally_of({{"TimedOut", "ExecutionTimedOut"}}), 0, false);
  EXPECT_EQ(s.status, "TimedOut");
  EXPECT_EQ(s.details, "ExecutionTimedOut");
  s = command_status(tally_of({{"TimedOut", "DeliveryTimedOut"}}), 0, false);
  EXPECT_EQ(s.details, "DeliveryTimedOut");
  s = command_status(tally_of({{"Cancelled", "Cancelled"}}), 0, true);
  EXPECT_EQ(s.status, "Cancelled");
  s = command_status(tally_of({{"InProgress", "InProgress"}}), 0, true);
  EXPECT_EQ(s.status, "Cancelling");
  auto t = tally_of({{"Failed", "Failed"}, {"Cancelled", "Terminated"}});
  EXPECT_EQ(t.completed(), 2);
  EXPECT_EQ(t.errors(), 1);
  EXPECT_EQ(command_status(t, 0, false).status, "Failed");
}

TEST(CommandStatus, OutputIsCutOnCharacters) {
  EXPECT_EQ(first_chars("abcdef", 3), "abc");
  EXPECT_EQ(first_chars("ab", 3), "ab");
  EXPECT_EQ(first_chars("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9");  // éé, not a broken byte
}

TEST(CommandStatus, OutputPlacesFollowAws) {
  EXPECT_EQ(s3_output_key("logs", "c-1", "i-1", "stdout"), "logs/c-1/i-1/awsrunShellScript/0.awsrunShellScript/stdout");
  EXPECT_EQ(s3_output_key("", "c-1", "i-1", "stderr"), "c-1/i-1/awsrunShellScript/0.awsrunShellScript/stderr");
  EXPECT_EQ(log_stream_name("c-1", "i-1", "stdout"), "c-1/i-1/aws-runShellScript/stdout");
  EXPECT_EQ(elapsed_text(0.012), "PT0.012S");
  EXPECT_EQ(elapsed_text(65.25), "PT1M5.250S");
  EXPECT_EQ(elapsed_text(3600.271), "PT1H0.271S");
}

}  // namespace
}  // namespace nuage::services::ssm
