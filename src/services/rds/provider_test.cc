// The RDS provider's state machine without servers: instances of an engine
// no server runs for (mysql) go through AWS's states on the engine worker,
// the seven-day automatic start fires on the clock, and the identifier,
// filter and pagination rules hold. Engines themselves are proven end to end
// (tests/e2e/test_rds.py) with real PostgreSQL servers.
#include "services/rds/provider.h"

#include <gtest/gtest.h>

#include "kit/test_environment.h"

namespace nuage::services::rds {
namespace {

struct RdsProvider : ::testing::Test {
  kit::TestEnvironment test;
  std::unique_ptr<Provider> provider;
  kit::OperationTable table;

  void SetUp() override {
    provider = std::make_unique<Provider>(test.env);
    provider->register_operations(table);
    ASSERT_TRUE(provider->open().ok());
  }
  void TearDown() override { provider->close(); }

  Result<kit::Output> call(const std::string& op, const Value& in) { return test.handle(table, op, in); }
  std::string status(const std::string& id) {
    auto out = call("DescribeDBInstances", {{"DBInstanceIdentifier", id}});
    return out.ok() ? out->materialized()["DBInstances"][0].value("DBInstanceStatus", "") : "";
  }
  // Waits (bounded) for the engine worker to leave `id` in `wanted` ("": gone).
  void wait_for(const std::string& id, const std::string& wanted) {
    for (int i = 0; i < 5000 && status(id) != wanted; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ(status(id), wanted);
  }
  Value create(const std::string& id) {
    auto out = call("CreateDBInstance", {{"DBInstanceIdentifier", id},
                                         {"DBInstanceClass", "db.t3.micro"},
                                         {"Engine", "mysql"},
                                         {"MasterUsername", "admin"},
                                         {"MasterUserPassword", "Sup3r-secret"}});
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    return out->materialized()["DBInstance"];
  }
};

TEST(RdsRules, Identifiers) {
  EXPECT_TRUE(check_identifier("db-1", "X").ok());
  EXPECT_FALSE(check_identifier("1db", "X").ok());
  EXPECT_FALSE(check_identifier("db--1", "X").ok());
  EXPECT_FALSE(check_identifier("db-", "X").ok());
  EXPECT_FALSE(check_identifier("db_1", "X").ok());
  EXPECT_FALSE(check_identifier(std::string(64, 'a'), "X").ok());
  EXPECT_EQ(check_identifier("", "DBInstanceIdentifier").error().code, "InvalidParameterValue");
}

TEST(RdsRules, ParameterGroupFamilies) {
  EXPECT_EQ(family_of("postgres", "15.0"), "postgres15");
  EXPECT_EQ(family_of("aurora-postgresql", "16.4"), "aurora-postgresql16");
  EXPECT_EQ(family_of("mysql", "8.0.39"), "mysql8.0");
  EXPECT_EQ(family_of("mariadb", "10.11.9"), "mariadb10.11");
  EXPECT_EQ(family_of("aurora-mysql", "8.0.mysql_aurora.3.07.1"), "aurora-mysql8.0");
}

TEST(RdsEngines, EnabledEngines) {
  Engines engines;
  EXPECT_TRUE(engines.enable("postgres, mariadb").ok());
  std::string note;
  EXPECT_FALSE(engines.installed("mysql", &note));
  EXPECT_EQ(note, "the mysql engine is left out by nuage serve --rds-engines");
  EXPECT_TRUE(engines.enable("none").ok());
  EXPECT_FALSE(engines.installed("postgres"));
  EXPECT_FALSE(engines.enable("oracle-ee").ok());
}

TEST(RdsRules, FiltersAreExactAndNamed) {
  FilterFields fields = {{"engine", "Engine"}};
  Value doc = {{"Engine", "postgres"}};
  EXPECT_TRUE(matches_filters(doc, {{"Filters", {{{"Name", "engine"}, {"Values", {"mysql", "postgres"}}}}}}, fields));
  EXPECT_FALSE(matches_filters(doc, {{"Filters", {{{"Name", "engine"}, {"Values", {"postgre*"}}}}}}, fields));
  auto bad = check_filters({{"Filters", {{{"Name", "colour"}, {"Values", {"x"}}}}}}, fields);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "Unrecognized filter name: colour");
}

TEST(RdsRules, MaxRecordsBounds) {
  EXPECT_FALSE(page_of({{"MaxRecords", 19}}).ok());
  EXPECT_FALSE(page_of({{"MaxRecords", 101}}).ok());
  EXPECT_EQ(page_of({{"MaxRecords", 20}})->max, 20u);
  EXPECT_FALSE(page_of({{"Marker", "not a token"}}).ok());
}

TEST_F(RdsProvider, LifecycleWithoutAServer) {
  Value created = create("meta");
  EXPECT_EQ(created["DBInstanceStatus"], "creating");
  EXPECT_FALSE(created.contains("Endpoint"));  // never a fake endpoint
  wait_for("meta", "available");

  auto stopped = call("StopDBInstance", {{"DBInstanceIdentifier", "meta"}});
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->materialized()["DBInstance"]["DBInstanceStatus"], "stopping");
  auto again = call("StopDBInstance", {{"DBInstanceIdentifier", "meta"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "InvalidDBInstanceState");
  EXPECT_EQ(again.error().message, "Instance meta is not in available state.");
  wait_for("meta", "stopped");

  // Seven days later AWS starts it again, and so does nuage.
  test.clock.advance(std::chrono::hours(24 * 7 - 1));
  EXPECT_EQ(status("meta"), "stopped");
  test.clock.advance(std::chrono::hours(2));
  EXPECT_EQ(status("meta"), "available");
  auto events =
      call("DescribeEvents", {{"SourceType", "db-instance"}, {"SourceIdentifier", "meta"}, {"Duration", 20000}});
  ASSERT_TRUE(events.ok());
  std::vector<std::string> messages;
  for (const auto& e : events->value["Events"]) messages.push_back(e["Message"]);
  EXPECT_NE(std::find(messages.begin(), messages.end(),
                      "DB instance is being started due to it exceeding the maximum allowed time being stopped."),
            messages.end());
}

TEST_F(RdsProvider, ParameterGroupsPendUntilTheReboot) {
  ASSERT_TRUE(call("CreateDBParameterGroup", {{"DBParameterGroupName", "g"},
                                              {"DBParameterGroupFamily", "mysql8.0"},
                                              {"Description", "d"}})
                  .ok());
  auto created = call("CreateDBInstance", {{"DBInstanceIdentifier", "grouped"},
                                           {"DBInstanceClass", "db.t3.micro"},
                                           {"Engine", "mysql"},
                                           {"MasterUsername", "admin"},
                                           {"MasterUserPassword", "Sup3r-secret"},
                                           {"DBParameterGroupName", "G"}});
  ASSERT_TRUE(created.ok()) << created.error().message;
  wait_for("grouped", "available");
  auto group_status = [&] {
    auto out = call("DescribeDBInstances", {{"DBInstanceIdentifier", "grouped"}});
    return out->materialized()["DBInstances"][0]["DBParameterGroups"][0].value("ParameterApplyStatus", "");
  };
  EXPECT_EQ(group_status(), "in-sync");
  Value change = {{"DBParameterGroupName", "g"},
                  {"Parameters",
                   {{{"ParameterName", "innodb_buffer_pool_size"},
                     {"ParameterValue", "67108864"},
                     {"ApplyMethod", "pending-reboot"}}}}};
  ASSERT_TRUE(call("ModifyDBParameterGroup", change).ok());
  EXPECT_EQ(group_status(), "pending-reboot");
  ASSERT_TRUE(call("RebootDBInstance", {{"DBInstanceIdentifier", "grouped"}}).ok());
  wait_for("grouped", "available");
  EXPECT_EQ(group_status(), "in-sync");
  auto in_use = call("DeleteDBParameterGroup", {{"DBParameterGroupName", "g"}});
  ASSERT_FALSE(in_use.ok());
  EXPECT_EQ(in_use.error().code, "InvalidDBParameterGroupState");
  change["Parameters"][0]["ApplyMethod"] = "immediate";
  auto static_now = call("ModifyDBParameterGroup", change);
  ASSERT_FALSE(static_now.ok());
  EXPECT_EQ(static_now.error().code, "InvalidParameterCombination");
  change["Parameters"][0] = {{"ParameterName", "wait_timeout"}, {"ParameterValue", "0"}, {"ApplyMethod", "immediate"}};
  auto out_of_range = call("ModifyDBParameterGroup", change);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(out_of_range.error().message, "Invalid parameter value: 0 for: wait_timeout allowed values are: 1-31536000");
}

TEST_F(RdsProvider, ErrorsOfTheIssue) {
  create("dup");
  wait_for("dup", "available");
  auto dup = call("CreateDBInstance", {{"DBInstanceIdentifier", "dup"},
                                       {"DBInstanceClass", "db.t3.micro"},
                                       {"Engine", "mysql"},
                                       {"MasterUsername", "admin"},
                                       {"MasterUserPassword", "Sup3r-secret"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "DBInstanceAlreadyExists");
  auto missing = call("DescribeDBInstances", {{"DBInstanceIdentifier", "ghost"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "DBInstanceNotFound");
  EXPECT_EQ(missing.error().status, 404);
  auto no_snapshot = call("DeleteDBInstance", {{"DBInstanceIdentifier", "dup"}});
  ASSERT_FALSE(no_snapshot.ok());
  EXPECT_EQ(no_snapshot.error().code, "InvalidParameterCombination");
  ASSERT_TRUE(call("DeleteDBInstance", {{"DBInstanceIdentifier", "dup"}, {"SkipFinalSnapshot", true}}).ok());
  // No server to stop: the deletion is done by the worker at once, and the
  // instance is gone (a second delete may find it deleting or gone).
  auto twice = call("DeleteDBInstance", {{"DBInstanceIdentifier", "dup"}, {"SkipFinalSnapshot", true}});
  ASSERT_FALSE(twice.ok());
  EXPECT_TRUE(twice.error().message == "Instance dup is already being deleted." ||
              twice.error().message == "DBInstance dup not found.")
      << twice.error().message;
  wait_for("dup", "");
}

TEST_F(RdsProvider, ClusterMembersFollowTheCluster) {
  ASSERT_TRUE(call("CreateDBCluster", {{"DBClusterIdentifier", "c1"},
                                       {"Engine", "aurora-mysql"},
                                       {"MasterUsername", "admin"},
                                       {"MasterUserPassword", "Sup3r-secret"}})
                  .ok());
  ASSERT_TRUE(call("CreateDBInstance", {{"DBInstanceIdentifier", "c1-w"},
                                        {"DBClusterIdentifier", "c1"},
                                        {"DBInstanceClass", "db.r6g.large"},
                                        {"Engine", "aurora-mysql"}})
                  .ok());
  wait_for("c1-w", "available");
  auto direct = call("StopDBInstance", {{"DBInstanceIdentifier", "c1-w"}});
  ASSERT_FALSE(direct.ok());
  EXPECT_EQ(direct.error().code, "InvalidParameterCombination");
  ASSERT_TRUE(call("StopDBCluster", {{"DBClusterIdentifier", "c1"}}).ok());
  wait_for("c1-w", "stopped");
  auto wrong = call("StopDBCluster", {{"DBClusterIdentifier", "c1"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "InvalidDBClusterStateFault");
  test.clock.advance(std::chrono::hours(24 * 7 + 1));
  EXPECT_EQ(status("c1-w"), "available");
}

// A writer's server runs its cluster's group's values under its own
// group's: a change to either is pending until the cluster's next start.
TEST_F(RdsProvider, ClusterParameterGroupsReachTheWriter) {
  ASSERT_TRUE(call("CreateDBClusterParameterGroup", {{"DBClusterParameterGroupName", "cg"},
                                                     {"DBParameterGroupFamily", "aurora-mysql8.0"},
                                                     {"Description", "d"}})
                  .ok());
  auto not_aurora = call("CreateDBClusterParameterGroup", {{"DBClusterParameterGroupName", "x"},
                                                           {"DBParameterGroupFamily", "mysql8.0"},
                                                           {"Description", "d"}});
  ASSERT_FALSE(not_aurora.ok());
  EXPECT_EQ(not_aurora.error().code, "InvalidParameterValue");
  ASSERT_TRUE(call("CreateDBCluster", {{"DBClusterIdentifier", "c2"},
                                       {"Engine", "aurora-mysql"},
                                       {"MasterUsername", "admin"},
                                       {"MasterUserPassword", "Sup3r-secret"},
                                       {"DBClusterParameterGroupName", "CG"}})
                  .ok());
  ASSERT_TRUE(call("CreateDBInstance", {{"DBInstanceIdentifier", "c2-w"},
                                        {"DBClusterIdentifier", "c2"},
                                        {"DBInstanceClass", "db.r6g.large"},
                                        {"Engine", "aurora-mysql"}})
                  .ok());
  wait_for("c2-w", "available");
  auto group_status = [&] {
    auto out = call("DescribeDBInstances", {{"DBInstanceIdentifier", "c2-w"}});
    return out->materialized()["DBInstances"][0]["DBParameterGroups"][0].value("ParameterApplyStatus", "");
  };
  EXPECT_EQ(group_status(), "in-sync");
  ASSERT_TRUE(call("ModifyDBClusterParameterGroup",
                   {{"DBClusterParameterGroupName", "cg"},
                    {"Parameters",
                     {{{"ParameterName", "wait_timeout"}, {"ParameterValue", "60"}, {"ApplyMethod", "pending-reboot"}}}}})
                  .ok());
  EXPECT_EQ(group_status(), "pending-reboot");
  ASSERT_TRUE(call("StopDBCluster", {{"DBClusterIdentifier", "c2"}}).ok());
  wait_for("c2-w", "stopped");
  ASSERT_TRUE(call("StartDBCluster", {{"DBClusterIdentifier", "c2"}}).ok());
  wait_for("c2-w", "available");
  EXPECT_EQ(group_status(), "in-sync");
  auto in_use = call("DeleteDBClusterParameterGroup", {{"DBClusterParameterGroupName", "cg"}});
  ASSERT_FALSE(in_use.ok());
  EXPECT_EQ(in_use.error().code, "InvalidDBParameterGroupState");
}

// Without a volume (no server runs for the engine) a cluster snapshot is
// available at once; the identifier rules and AWS's faults hold.
TEST_F(RdsProvider, ClusterSnapshotsWithoutAVolume) {
  ASSERT_TRUE(call("CreateDBCluster", {{"DBClusterIdentifier", "c3"},
                                       {"Engine", "aurora-mysql"},
                                       {"MasterUsername", "admin"},
                                       {"MasterUserPassword", "Sup3r-secret"}})
                  .ok());
  Value in = {{"DBClusterIdentifier", "c3"}, {"DBClusterSnapshotIdentifier", "s1"}};
  auto made = call("CreateDBClusterSnapshot", in);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->materialized()["DBClusterSnapshot"].value("Status", ""), "available");
  auto again = call("CreateDBClusterSnapshot", in);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "DBClusterSnapshotAlreadyExistsFault");
  auto restored = call("RestoreDBClusterFromSnapshot",
                       {{"DBClusterIdentifier", "c3-back"}, {"SnapshotIdentifier", "s1"}, {"Engine", "aurora-mysql"}});
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_EQ(restored->materialized()["DBCluster"].value("MasterUsername", ""), "admin");
  auto both = call("DeleteDBCluster",
                   {{"DBClusterIdentifier", "c3"}, {"SkipFinalSnapshot", true}, {"FinalDBSnapshotIdentifier", "f"}});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().code, "InvalidParameterCombination");
  ASSERT_TRUE(call("DeleteDBCluster", {{"DBClusterIdentifier", "c3"}, {"FinalDBSnapshotIdentifier", "c3-final"}}).ok());
  auto final_one = call("DescribeDBClusterSnapshots", {{"DBClusterSnapshotIdentifier", "c3-final"}});
  ASSERT_TRUE(final_one.ok());
  EXPECT_EQ(final_one->materialized()["DBClusterSnapshots"][0].value("DBClusterIdentifier", ""), "c3");
  ASSERT_TRUE(call("DeleteDBClusterSnapshot", {{"DBClusterSnapshotIdentifier", "s1"}}).ok());
  auto gone = call("DescribeDBClusterSnapshots", {{"DBClusterSnapshotIdentifier", "s1"}});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, "DBClusterSnapshotNotFoundFault");
  EXPECT_EQ(gone.error().status, 404);
}

}  // namespace
}  // namespace nuage::services::rds
