// EC2 publishes every instance state change on the event bus, in
// EventBridge's shape, at the clock time the change happens.
#include <gtest/gtest.h>

#include "common/time.h"
#include "events/bus.h"
#include "kit/test_environment.h"
#include "services/ec2/provider.h"

using namespace nuage;

namespace {

struct Fixture {
  kit::TestEnvironment test;
  Clock& clock = test.clock;
  events::Bus& bus = test.env.bus;
  std::vector<events::Event> seen;
  std::unique_ptr<services::ec2::Provider> ec2;
  kit::OperationTable table;

  explicit Fixture(int transition_seconds) {
    clock.freeze();
    clock.set(*timefmt::parse("2026-06-01T21:59:00Z"));
    services::ec2::Options options;
    options.transition_seconds = transition_seconds;
    ec2 = std::make_unique<services::ec2::Provider>(test.env, options);
    EXPECT_TRUE(ec2->open().ok());
    ec2->register_operations(table);
    bus.subscribe([this](const events::Event& e) { seen.push_back(e); });
  }

  kit::Value call(const std::string& op, const kit::Value& in) {
    kit::RequestContext ctx;
    ctx.account_id = "000000000000";
    ctx.region = "eu-west-1";
    ctx.clock = &clock;
    auto out = table.find(op)->handler(ctx, in);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    return out.ok() ? out->value : kit::Value();
  }
};

}  // namespace

TEST(Ec2Events, StateChangesArePublishedAtTheirClockTime) {
  Fixture f(60);
  auto r = f.call("RunInstances",
                  {{"ImageId", "ami-0123456789abcdef0"}, {"InstanceType", "t3.micro"}, {"MinCount", 1}, {"MaxCount", 1}});
  std::string id = r["Instances"][0]["InstanceId"];
  ASSERT_EQ(f.seen.size(), 1u);
  EXPECT_EQ(f.seen[0].detail["state"], "pending");
  f.clock.advance(std::chrono::minutes(1));
  ASSERT_EQ(f.seen.size(), 2u);
  const auto& running = f.seen[1];
  EXPECT_EQ(running.source, "aws.ec2");
  EXPECT_EQ(running.detail_type, "EC2 Instance State-change Notification");
  EXPECT_EQ(running.detail["instance-id"], id);
  EXPECT_EQ(running.detail["state"], "running");
  EXPECT_EQ(timefmt::iso8601(running.time), "2026-06-01T22:00:00Z");
  EXPECT_EQ(running.resources[0], "arn:aws:ec2:eu-west-1:000000000000:instance/" + id);
  auto envelope = running.envelope();
  EXPECT_EQ(envelope["detail-type"], "EC2 Instance State-change Notification");
  EXPECT_EQ(envelope["account"], "000000000000");

  f.call("StopInstances", {{"InstanceIds", {id}}});
  f.clock.advance(std::chrono::minutes(1));
  ASSERT_EQ(f.seen.size(), 4u);
  EXPECT_EQ(f.seen[2].detail["state"], "stopping");
  EXPECT_EQ(f.seen[3].detail["state"], "stopped");
}
