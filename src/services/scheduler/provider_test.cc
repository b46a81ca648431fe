// A data folder of before the resource store: the rows of scheduler_resources
// (groups had an empty name) move into `resources` at open(), and the
// schedules and groups they held answer, keep their tags and keep firing.
#include "services/scheduler/provider.h"

#include <gtest/gtest.h>

#include "common/time.h"
#include "kit/test_environment.h"

namespace nuage::services::scheduler {
namespace {

using kit::Value;

const char* kAccount = "000000000000";
const char* kRegion = "us-east-1";

struct SchedulerLegacy : ::testing::Test {
  std::vector<std::string> calls;  // "service:operation"
  kit::TestEnvironment test{[this](const std::string& service, const std::string& operation, const Value& input,
                                   const auth::Credential&, const std::string&) -> Result<kit::Output> {
    calls.push_back(service + ":" + operation);
    kit::Output out;
    if (operation == "AssumeRole")
      out.value = {{"Credentials", {{"AccessKeyId", "ASIA"}, {"SecretAccessKey", "s"}, {"SessionToken", "t"}}},
                   {"AssumedRoleUser",
                    {{"Arn", "arn:aws:sts::000000000000:assumed-role/r/" + input.value("RoleSessionName", "")}}}};
    return out;
  }};

  void SetUp() override {
    test.clock.set(*timefmt::parse("2027-05-03T17:59:00Z"));
    storage::Database& db = test.env.db;
    ASSERT_TRUE(db.migrate("scheduler", {
        "CREATE TABLE scheduler_resources (account TEXT NOT NULL, region TEXT NOT NULL, grp TEXT NOT NULL, "
        "name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, grp, name))",
    }).ok());
    Value group = {{"Name", "ops"},
                   {"Arn", "arn:aws:scheduler:us-east-1:000000000000:schedule-group/ops"},
                   {"State", "ACTIVE"},
                   {"CreationDate", 1.0},
                   {"LastModificationDate", 1.0},
                   {"_Tags", {{{"Key", "team"}, {"Value", "ops"}}}}};
    Value schedule = {{"Name", "evening"},
                      {"GroupName", "ops"},
                      {"Arn", "arn:aws:scheduler:us-east-1:000000000000:schedule/ops/evening"},
                      {"ScheduleExpression", "cron(0 20 * * ? *)"},
                      {"ScheduleExpressionTimezone", "Europe/Paris"},
                      {"FlexibleTimeWindow", {{"Mode", "OFF"}}},
                      {"State", "ENABLED"},
                      {"ActionAfterCompletion", "NONE"},
                      {"Target",
                       {{"Arn", "arn:aws:scheduler:::aws-sdk:ec2:stopInstances"},
                        {"RoleArn", "arn:aws:iam::000000000000:role/r"},
                        {"Input", R"({"InstanceIds": ["i-1"]})"}}},
                      {"CreationDate", 1.0},
                      {"LastModificationDate", 1.0},
                      {"_Anchor", 1.0}};
    ASSERT_TRUE(db.exec("INSERT INTO scheduler_resources VALUES (?, ?, 'ops', '', ?)",
                        {kAccount, kRegion, group.dump()}).ok());
    ASSERT_TRUE(db.exec("INSERT INTO scheduler_resources VALUES (?, ?, 'ops', 'evening', ?)",
                        {kAccount, kRegion, schedule.dump()}).ok());
  }
};

TEST_F(SchedulerLegacy, SchedulesAndGroupsMoveIntoTheStoreAndKeepFiring) {
  Provider provider(test.env);
  kit::OperationTable table;
  provider.register_operations(table);
  ASSERT_TRUE(provider.open().ok());

  auto schedule = test.handle(table, "GetSchedule", {{"Name", "evening"}, {"GroupName", "ops"}});
  ASSERT_TRUE(schedule.ok()) << schedule.error().message;
  EXPECT_EQ(schedule->value["ScheduleExpressionTimezone"], "Europe/Paris");
  EXPECT_FALSE(schedule->value.contains("_Anchor"));
  auto listed = test.handle(table, "ListSchedules", {{"GroupName", "ops"}});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->value["Schedules"].size(), 1u);
  auto tags = test.handle(table, "ListTagsForResource",
                   {{"ResourceArn", "arn:aws:scheduler:us-east-1:000000000000:schedule-group/ops"}});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->value["Tags"], Value::parse(R"([{"Key": "team", "Value": "ops"}])"));

  // 20:00 in Paris is 18:00 UTC in May.
  test.clock.advance(std::chrono::minutes(2));
  EXPECT_EQ(calls, (std::vector<std::string>{"sts:AssumeRole", "ec2:StopInstances"}));

  // Deleting the group deletes its schedules.
  ASSERT_TRUE(test.handle(table, "DeleteScheduleGroup", {{"Name", "ops"}}).ok());
  auto gone = test.handle(table, "GetSchedule", {{"Name", "evening"}, {"GroupName", "ops"}});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().message, "Schedule group ops does not exist.");
  EXPECT_EQ(gone.error().status, 404);
}

}  // namespace
}  // namespace nuage::services::scheduler
