#include <gtest/gtest.h>

#include "services/eventbridge/pattern.h"

using nlohmann::json;
using namespace nuage::services::eventbridge;

namespace {

const json kEvent = json::parse(R"({
  "version": "0", "id": "1", "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
  "account": "000000000000", "time": "2026-11-21T22:00:00Z", "region": "eu-west-1",
  "resources": ["arn:aws:ec2:eu-west-1:000000000000:instance/i-0abc"],
  "detail": {"instance-id": "i-0abc", "state": "stopped", "cpu": 42.5, "count": 3, "ip": "10.0.1.20",
             "tags": ["prod", "web"], "flag": true, "nothing": null, "nested": {"level": "ERROR"}}
})");

struct Case {
  const char* pattern;
  bool matches;
};

}  // namespace

TEST(EventPattern, Table) {
  const Case cases[] = {
      {R"({"source": ["aws.ec2"]})", true},
      {R"({"source": ["aws.s3"]})", false},
      {R"({"detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["stopped", "running"]}})", true},
      {R"({"detail": {"state": ["pending"]}})", false},
      {R"({"detail": {"state": [{"prefix": "sto"}]}})", true},
      {R"({"detail": {"state": [{"suffix": "ped"}]}})", true},
      {R"({"detail": {"state": [{"prefix": {"equals-ignore-case": "STO"}}]}})", true},
      {R"({"detail": {"state": [{"equals-ignore-case": "STOPPED"}]}})", true},
      {R"({"detail": {"instance-id": [{"wildcard": "i-*c"}]}})", true},
      {R"({"detail": {"instance-id": [{"wildcard": "i-*d"}]}})", false},
      {R"({"detail": {"state": [{"anything-but": "running"}]}})", true},
      {R"({"detail": {"state": [{"anything-but": ["stopped", "running"]}]}})", false},
      {R"({"detail": {"state": [{"anything-but": {"prefix": "run"}}]}})", true},
      {R"({"detail": {"state": [{"anything-but": {"suffix": "ped"}}]}})", false},
      {R"({"detail": {"cpu": [{"numeric": [">", 40, "<=", 50]}]}})", true},
      {R"({"detail": {"cpu": [{"numeric": ["<", 40]}]}})", false},
      {R"({"detail": {"count": [3]}})", true},
      {R"({"detail": {"count": [3.0]}})", true},
      {R"({"detail": {"count": [{"numeric": ["=", 3]}]}})", true},
      {R"({"detail": {"ip": [{"cidr": "10.0.0.0/16"}]}})", true},
      {R"({"detail": {"ip": [{"cidr": "10.1.0.0/16"}]}})", false},
      {R"({"detail": {"state": [{"exists": true}]}})", true},
      {R"({"detail": {"missing": [{"exists": false}]}})", true},
      {R"({"detail": {"state": [{"exists": false}]}})", false},
      {R"({"detail": {"tags": ["web"]}})", true},
      {R"({"detail": {"tags": ["db"]}})", false},
      {R"({"detail": {"flag": [true]}})", true},
      {R"({"detail": {"flag": [false]}})", false},
      {R"({"detail": {"nothing": [null]}})", true},
      {R"({"detail": {"nested": {"level": ["ERROR"]}}})", true},
      {R"({"detail": {"nested": {"level": ["WARN"]}}})", false},
      {R"({"resources": [{"prefix": "arn:aws:ec2:eu-west-1"}]})", true},
      {R"({"$or": [{"source": ["aws.s3"]}, {"detail": {"state": ["stopped"]}}]})", true},
      {R"({"$or": [{"source": ["aws.s3"]}, {"detail": {"state": ["running"]}}]})", false},
      {R"({"detail": {"$or": [{"cpu": [{"numeric": [">", 90]}]}, {"count": [3]}]}})", true},
      {R"({"source": ["aws.ec2"], "detail": {"state": ["running"]}})", false},
      {R"({"account": ["000000000000"], "region": ["eu-west-1", "us-east-1"]})", true},
      {R"({"detail": {"missing": ["x"]}})", false},
      {R"({"detail": {"nested": {"missing": [{"exists": false}]}}})", true},
      {R"({"detail": {"absent-object": {"x": [{"exists": false}]}}})", true},
  };
  for (const auto& c : cases) {
    json p = json::parse(c.pattern);
    ASSERT_TRUE(validate_pattern(p).ok()) << c.pattern;
    EXPECT_EQ(pattern_matches(p, kEvent), c.matches) << c.pattern;
  }
}

TEST(EventPattern, Invalid) {
  for (const char* p : {R"(["aws.ec2"])", R"({"source": "aws.ec2"})", R"({"source": []})",
                        R"({"detail": {"cpu": [{"numeric": [">>", 1]}]}})", R"({"source": [{"prefix": 1}]})",
                        R"({"source": [{"unknown": "x"}]})", R"({"detail": {"ip": [{"cidr": "10.0.0.0/99"}]}})",
                        R"({"$or": [{"source": ["a"]}]})", R"({"source": [{"exists": "yes"}]})"}) {
    auto s = validate_pattern(json::parse(p));
    EXPECT_FALSE(s.ok()) << p;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, "InvalidEventPatternException");
    }
  }
}
