// Lambda's state in the resource store: a data folder written by an earlier
// nuage (tables lambda_functions and lambda_layers) keeps its functions and
// layers, deleted layer versions stay deleted and their numbers unused; and
// tags go through the kit's tagging with AWS's checks.
#include "services/lambda/provider.h"

#include <gtest/gtest.h>

#include "kit/test_environment.h"

namespace nuage::services::lambda {
namespace {

const char* kAccount = "000000000000";
const char* kRegion = "us-east-1";

struct LambdaStoreTest : ::testing::Test {
  kit::TestEnvironment test;
  kit::OperationTable table;

  Result<Output> call(Provider& provider, const std::string& operation, const Value& in) {
    if (table.all().empty()) provider.register_operations(table);
    const kit::OperationTable::Entry* entry = table.find(operation);
    if (!entry) return not_implemented("lambda", operation);
    kit::RequestContext ctx;
    ctx.service = "lambda";
    ctx.operation = operation;
    ctx.account_id = kAccount;
    ctx.region = kRegion;
    ctx.clock = &test.clock;
    return entry->handler(ctx, in);
  }

  // What nuage wrote before Lambda moved to the resource store.
  void write_legacy_tables() {
    storage::Database& db = test.env.db;
    ASSERT_TRUE(db.migrate("lambda", {
        "CREATE TABLE lambda_functions (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, "
        "doc TEXT NOT NULL, PRIMARY KEY (account, region, name))",
        "CREATE TABLE lambda_layers (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, "
        "version INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, name, version))",
    }).ok());
    Value config = {{"FunctionName", "old"}, {"FunctionArn", "arn:aws:lambda:us-east-1:000000000000:function:old"},
                    {"Runtime", "python3.13"}, {"Version", "$LATEST"}, {"RevisionId", "r1"}};
    Value doc = {{"latest", {{"config", config}, {"code", {{"blob", "ab"}, {"size", 10}}}, {"layers", Value::array()}}},
                 {"versions", Value::object()}, {"aliases", Value::object()}, {"next_version", 1},
                 {"tags", {{"team", "a"}}}, {"policy", Value::array()}, {"concurrency", 2}};
    ASSERT_TRUE(db.exec("INSERT INTO lambda_functions VALUES (?, ?, ?, ?)", {kAccount, kRegion, "old", doc.dump()}).ok());
    for (int version : {1, 2}) {
      Value layer = {{"LayerArn", "arn:aws:lambda:us-east-1:000000000000:layer:libs"},
                     {"LayerVersionArn", "arn:aws:lambda:us-east-1:000000000000:layer:libs:" + std::to_string(version)},
                     {"Version", version}, {"code", {{"blob", "cd"}, {"size", 5}, {"CodeSha256", "x"}}},
                     {"policy", Value::array()}};
      if (version == 1) layer["_deleted"] = true;
      ASSERT_TRUE(db.exec("INSERT INTO lambda_layers VALUES (?, ?, ?, ?, ?)",
                          {kAccount, kRegion, "libs", int64_t{version}, layer.dump()}).ok());
    }
  }
};

TEST_F(LambdaStoreTest, AnEarlierDataFolderKeepsItsFunctionsAndLayers) {
  write_legacy_tables();
  Provider provider(test.env);
  ASSERT_TRUE(provider.open().ok());

  auto fn = call(provider, "GetFunction", {{"FunctionName", "old"}});
  ASSERT_TRUE(fn.ok()) << fn.error().message;
  EXPECT_EQ(fn->value["Configuration"]["Runtime"], "python3.13");
  EXPECT_EQ(fn->value["Tags"], Value({{"team", "a"}}));
  EXPECT_EQ(fn->value["Concurrency"]["ReservedConcurrentExecutions"], 2);
  auto listed = call(provider, "ListFunctions", Value::object());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->value["Functions"].size(), 1u);

  auto versions = call(provider, "ListLayerVersions", {{"LayerName", "libs"}});
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->value["LayerVersions"].size(), 1u);
  EXPECT_EQ(versions->value["LayerVersions"][0]["Version"], 2);
  auto deleted = call(provider, "GetLayerVersion", {{"LayerName", "libs"}, {"VersionNumber", 1}});
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().code, "ResourceNotFoundException");
  EXPECT_EQ(deleted.error().status, 404);

  // The old tables are gone; the documents are the store's.
  EXPECT_FALSE(test.env.db.exec("SELECT 1 FROM lambda_functions").ok());
  int64_t rows = 0;
  ASSERT_TRUE(test.env.db.exec("SELECT COUNT(*) FROM resources WHERE service = 'lambda'", {},
                               [&](const storage::Row& r) { rows = r.integer(0); }).ok());
  EXPECT_EQ(rows, 3);  // the function, the layer, its live version

  // A second start runs no migration again.
  Provider again(test.env);
  ASSERT_TRUE(again.open().ok());
  EXPECT_TRUE(call(again, "GetFunction", {{"FunctionName", "old"}}).ok());
}

TEST_F(LambdaStoreTest, TagsGoThroughTheKitWithAwsChecks) {
  write_legacy_tables();
  Provider provider(test.env);
  ASSERT_TRUE(provider.open().ok());
  std::string arn = "arn:aws:lambda:us-east-1:000000000000:function:old";
  ASSERT_TRUE(call(provider, "TagResource", {{"Resource", arn}, {"Tags", {{"env", "dev"}}}}).ok());
  auto tags = call(provider, "ListTags", {{"Resource", arn}});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->value["Tags"], Value({{"team", "a"}, {"env", "dev"}}));
  ASSERT_TRUE(call(provider, "UntagResource", {{"Resource", arn}, {"TagKeys", {"team"}}}).ok());
  EXPECT_EQ(call(provider, "ListTags", {{"Resource", arn}})->value["Tags"], Value({{"env", "dev"}}));

  auto reserved = call(provider, "TagResource", {{"Resource", arn}, {"Tags", {{"aws:x", "1"}}}});
  ASSERT_FALSE(reserved.ok());
  EXPECT_EQ(reserved.error().code, "InvalidParameterValueException");
  auto missing = call(provider, "ListTags", {{"Resource", arn + "-nope"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "ResourceNotFoundException");
  EXPECT_EQ(missing.error().message, "Function not found: " + arn + "-nope");
}

}  // namespace
}  // namespace nuage::services::lambda
