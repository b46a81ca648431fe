// Evaluation results: which of two answers for one resource is kept.
#include "services/config/evaluations.h"

#include <gtest/gtest.h>

#include <memory>

namespace nuage::services::config {
namespace {

struct EvaluationsTest : ::testing::Test {
  std::unique_ptr<storage::Database> db = std::move(storage::Database::open({}).value());
  Evaluations evaluations{*db};
  void SetUp() override { ASSERT_TRUE(evaluations.open().ok()); }

  bool put(const std::string& compliance, double ordering, double invoked) {
    bool stored = false;
    EXPECT_TRUE(evaluations
                    .put({"111111111111", "us-east-1", "rule", "AWS::EC2::SecurityGroup", "sg-1", compliance, "",
                          ordering, invoked, invoked},
                         &stored)
                    .ok());
    return stored;
  }
};

TEST_F(EvaluationsTest, AnOlderOrderingTimestampNeverOverwrites) {
  EXPECT_TRUE(put("COMPLIANT", 200, 10));
  EXPECT_FALSE(put("NON_COMPLIANT", 199, 20));
  EXPECT_TRUE(put("NON_COMPLIANT", 201, 5));
}

TEST_F(EvaluationsTest, OnATieTheLaterInvocationWinsWhicheverArrivesLast) {
  // SDKs send OrderingTimestamp in whole seconds: a change and the heal it
  // caused, a few milliseconds apart, tie. The heal's invocation came later.
  EXPECT_TRUE(put("COMPLIANT", 200, 200.004));        // the heal's verdict, arriving first
  EXPECT_FALSE(put("NON_COMPLIANT", 200, 200.001));   // the change's, arriving late
  EXPECT_TRUE(put("NON_COMPLIANT", 200, 200.010));    // a later invocation still replaces it
}

}  // namespace
}  // namespace nuage::services::config
