#include <gtest/gtest.h>

#include <vector>

#include "common/time.h"
#include "events/targets.h"
#include "kit/test_environment.h"

using namespace nuage;
using namespace nuage::events;
using kit::Value;

namespace {

struct Recorder {
  std::vector<std::string> calls;  // "service:operation:caller"
  int failures_left = 0;
};

kit::TestEnvironment::Answer answer(Recorder& r) {
  return [&r](const std::string& service, const std::string& operation, const Value& input,
              const auth::Credential& caller, const std::string&) -> Result<kit::Output> {
    r.calls.push_back(service + ":" + operation + ":" + caller.arn);
    if (operation == "AssumeRole") {
      kit::Output out;
      out.value = {{"Credentials", {{"AccessKeyId", "ASIA"}, {"SecretAccessKey", "s"}, {"SessionToken", "t"}}},
                   {"AssumedRoleUser", {{"Arn", "arn:aws:sts::1:assumed-role/r/" + input.value("RoleSessionName", "")}}}};
      return out;
    }
    if (r.failures_left > 0) {
      --r.failures_left;
      return AwsError{"ServiceUnavailable", "try later", 503};
    }
    return kit::Output{};
  };
}

Delivery universal(Clock& clock) {
  Delivery d;
  d.target_arn = "arn:aws:scheduler:::aws-sdk:ec2:startInstances";
  d.payload = R"({"InstanceIds":["i-1"]})";
  d.account = "1";
  d.region = "us-east-1";
  d.time_ms = static_cast<int64_t>(timefmt::epoch_seconds(clock.now()) * 1000);
  d.role_arn = "arn:aws:iam::1:role/r";
  d.role_service = "scheduler.amazonaws.com";
  return d;
}

}  // namespace

TEST(Targets, UniversalTargetAssumesTheRoleFirst) {
  Recorder r;
  kit::TestEnvironment test(answer(r));
  Clock& clock = test.clock;
  Targets t(test.env);
  ASSERT_TRUE(t.deliver(universal(clock)).ok());
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0], "sts:AssumeRole:scheduler.amazonaws.com");
  EXPECT_EQ(r.calls[1], "ec2:StartInstances:arn:aws:sts::1:assumed-role/r/scheduler");
}

TEST(Targets, RetriesOnTheClockWithinThePolicy) {
  Recorder r;
  r.failures_left = 100;
  kit::TestEnvironment test(answer(r));
  Clock& clock = test.clock;
  Targets t(test.env);
  std::vector<std::pair<int, bool>> reports;
  RetryPolicy policy = RetryPolicy::from(Value{{"MaximumRetryAttempts", 3}, {"MaximumEventAgeInSeconds", 3600}});
  EXPECT_EQ(policy.max_attempts, 4);
  t.deliver_with_retry(clock, universal(clock), policy,
                       [&](const Status& s, int attempt, bool final) {
                         EXPECT_FALSE(s.ok());
                         reports.emplace_back(attempt, final);
                       });
  EXPECT_EQ(reports.size(), 1u);
  clock.advance(std::chrono::seconds(1));  // the 1 s backoff
  EXPECT_EQ(reports.size(), 2u);
  clock.advance(std::chrono::hours(1));
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_EQ(reports.back(), std::make_pair(4, true));
}

TEST(Targets, MaximumEventAgeEndsRetries) {
  Recorder r;
  r.failures_left = 1000;
  kit::TestEnvironment test(answer(r));
  Clock& clock = test.clock;
  Targets t(test.env);
  int attempts = 0;
  bool finished = false;
  t.deliver_with_retry(clock, universal(clock), RetryPolicy{186, 60}, [&](const Status&, int attempt, bool final) {
    attempts = attempt;
    finished = final;
  });
  clock.advance(std::chrono::hours(2));
  // 1+2+4+8+16 = 31 s of backoff fit in 60 s; the next (32 s) would not.
  EXPECT_EQ(attempts, 6);
  EXPECT_TRUE(finished);
}
