#include "services/cloudwatch/metric_math.h"

#include <gtest/gtest.h>

namespace nuage::services::cloudwatch {
namespace {

const std::map<std::string, Series> kVars = {
    {"m1", {{0, 1}, {60, 2}, {120, 4}}},
    {"m2", {{0, 10}, {60, 20}, {120, 40}}},
};
const std::vector<std::string> kIds = {"m1", "m2"};

Series eval(const char* e) {
  auto r = evaluate_expression(e, kVars, kIds);
  EXPECT_TRUE(r.ok()) << e << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Series{};
}

TEST(MetricMath, Arithmetic) {
  EXPECT_EQ(eval("m1+m2"), (Series{{0, 11}, {60, 22}, {120, 44}}));
  EXPECT_EQ(eval("m1 * 100"), (Series{{0, 100}, {60, 200}, {120, 400}}));
  EXPECT_EQ(eval("(m2 - m1) / 3"), (Series{{0, 3}, {60, 6}, {120, 12}}));
  EXPECT_EQ(eval("-m1 + 1"), (Series{{0, 0}, {60, -1}, {120, -3}}));
}

TEST(MetricMath, Functions) {
  EXPECT_EQ(eval("SUM(METRICS())"), (Series{{0, 11}, {60, 22}, {120, 44}}));
  EXPECT_EQ(eval("AVG([m1, m2])"), (Series{{0, 5.5}, {60, 11}, {120, 22}}));
  EXPECT_EQ(eval("MAX(METRICS(\"m1\"))"), (Series{{0, 1}, {60, 2}, {120, 4}}));
  EXPECT_EQ(eval("RATE(m1)"), (Series{{60, 1.0 / 60}, {120, 2.0 / 60}}));
  EXPECT_EQ(eval("DIFF(m2)"), (Series{{60, 10}, {120, 20}}));
  EXPECT_EQ(eval("m1 / SUM(m1) * 7"), (Series{{0, 1}, {60, 2}, {120, 4}}));
  EXPECT_EQ(eval("42"), (Series{{0, 42}, {60, 42}, {120, 42}}));
}

TEST(MetricMath, Errors) {
  for (const char* bad : {"m3", "m1 +", "SUM(", "NOPE(m1)", "METRICS()"}) {
    auto r = evaluate_expression(bad, kVars, kIds);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "ValidationError");
  }
}

}  // namespace
}  // namespace nuage::services::cloudwatch
