// A data folder of before the resource store: the rows of eventbridge_resources
// move into `resources` at open(), and the rules and buses they held answer,
// keep their tags and keep firing.
#include "services/eventbridge/provider.h"

#include <gtest/gtest.h>

#include "common/time.h"
#include "kit/test_environment.h"

namespace nuage::services::eventbridge {
namespace {

using kit::Value;

const char* kAccount = "000000000000";
const char* kRegion = "us-east-1";
const char* kFunction = "arn:aws:lambda:us-east-1:000000000000:function:nightly";

struct EventBridgeLegacy : ::testing::Test {
  std::vector<std::string> calls;  // "service:operation"
  kit::TestEnvironment test{[this](const std::string& service, const std::string& operation, const Value&,
                                   const auth::Credential&, const std::string&) -> Result<kit::Output> {
    calls.push_back(service + ":" + operation);
    return kit::Output{};
  }};

  void SetUp() override {
    test.clock.set(*timefmt::parse("2026-06-01T21:59:00Z"));
    storage::Database& db = test.env.db;
    // The table as the provider created it before the store, with a row of each kind.
    ASSERT_TRUE(db.migrate("eventbridge", {
        "CREATE TABLE eventbridge_resources (account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, "
        "bus TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, kind, bus, name))",
    }).ok());
    Value rule = {{"Name", "nightly"},
                  {"Arn", "arn:aws:events:us-east-1:000000000000:rule/nightly"},
                  {"State", "ENABLED"},
                  {"EventBusName", "default"},
                  {"CreatedBy", kAccount},
                  {"ScheduleExpression", "cron(0 22 * * ? *)"},
                  {"Targets", {{{"Id", "1"}, {"Arn", kFunction}}}},
                  {"_Tags", {{{"Key", "team"}, {"Value", "ops"}}}},
                  {"_Anchor", 0.0}};
    Value bus = {{"Name", "sink"},
                 {"Arn", "arn:aws:events:us-east-1:000000000000:event-bus/sink"},
                 {"CreationTime", 1.0},
                 {"_Tags", Value::array()}};
    ASSERT_TRUE(db.exec("INSERT INTO eventbridge_resources VALUES (?, ?, 'rule', 'default', 'nightly', ?)",
                        {kAccount, kRegion, rule.dump()}).ok());
    ASSERT_TRUE(db.exec("INSERT INTO eventbridge_resources VALUES (?, ?, 'bus', 'sink', 'sink', ?)",
                        {kAccount, kRegion, bus.dump()}).ok());
  }
};

TEST_F(EventBridgeLegacy, RulesAndBusesMoveIntoTheStoreAndKeepFiring) {
  Provider provider(test.env);
  kit::OperationTable table;
  provider.register_operations(table);
  ASSERT_TRUE(provider.open().ok());

  auto rule = test.handle(table, "DescribeRule", {{"Name", "nightly"}});
  ASSERT_TRUE(rule.ok()) << rule.error().message;
  EXPECT_EQ(rule->value["ScheduleExpression"], "cron(0 22 * * ? *)");
  EXPECT_FALSE(rule->value.contains("_Tags"));
  auto tags = test.handle(table, "ListTagsForResource", {{"ResourceARN", rule->value["Arn"]}});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->value["Tags"], Value::parse(R"([{"Key": "team", "Value": "ops"}])"));
  auto bus = test.handle(table, "DescribeEventBus", {{"Name", "sink"}});
  ASSERT_TRUE(bus.ok());
  EXPECT_EQ(bus->value["Arn"], "arn:aws:events:us-east-1:000000000000:event-bus/sink");

  // The old table is gone.
  int tables = 0;
  ASSERT_TRUE(test.env.db.exec("SELECT name FROM sqlite_master WHERE name = 'eventbridge_resources'", {},
                               [&](const storage::Row&) { ++tables; }).ok());
  EXPECT_EQ(tables, 0);

  test.clock.advance(std::chrono::minutes(2));
  EXPECT_EQ(calls, (std::vector<std::string>{"lambda:Invoke"}));
}

TEST_F(EventBridgeLegacy, AnUnknownArnIsNotFoundInAwsWords) {
  Provider provider(test.env);
  kit::OperationTable table;
  provider.register_operations(table);
  ASSERT_TRUE(provider.open().ok());
  auto rule = test.handle(table, "TagResource",
                   {{"ResourceARN", "arn:aws:events:us-east-1:000000000000:rule/sink/missing"},
                    {"Tags", Value::array()}});
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.error().code, "ResourceNotFoundException");
  EXPECT_EQ(rule.error().message, "Rule missing does not exist on EventBus sink.");
  auto bus = test.handle(table, "ListTagsForResource",
                  {{"ResourceARN", "arn:aws:events:us-east-1:000000000000:event-bus/nope"}});
  ASSERT_FALSE(bus.ok());
  EXPECT_EQ(bus.error().message, "Event bus nope does not exist.");
  // A custom bus carries tags too.
  ASSERT_TRUE(test.handle(table, "TagResource",
                   {{"ResourceARN", "arn:aws:events:us-east-1:000000000000:event-bus/sink"},
                    {"Tags", Value::parse(R"([{"Key": "env", "Value": "dev"}])")}})
                  .ok());
  auto listed = test.handle(table, "ListTagsForResource",
                     {{"ResourceARN", "arn:aws:events:us-east-1:000000000000:event-bus/sink"}});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->value["Tags"], Value::parse(R"([{"Key": "env", "Value": "dev"}])"));
}

}  // namespace
}  // namespace nuage::services::eventbridge
