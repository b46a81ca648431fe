// Configuration items: what a stored document becomes (AWS's schema per
// type, relationships), and the item log (statuses, unchanged documents
// not recorded, deletions, history ranges and pages, diffs).
#include "services/config/items.h"

#include <gtest/gtest.h>

#include <set>

namespace nuage::services::config {
namespace {

const char* kAccount = "111111111111";
const char* kRegion = "us-east-1";

Value security_group_doc() {
  // As EC2 stores it: its output shape plus internal members.
  return {{"GroupId", "sg-1"},
          {"GroupName", "web"},
          {"Description", "web servers"},
          {"VpcId", "vpc-1"},
          {"OwnerId", kAccount},
          {"SecurityGroupArn", "arn:aws:ec2:us-east-1:111111111111:security-group/sg-1"},
          {"Tags", {{{"Key", "team"}, {"Value", "web"}}}},
          {"IpPermissions",
           {{{"IpProtocol", "tcp"},
             {"FromPort", 22},
             {"ToPort", 22},
             {"IpRanges", {{{"CidrIp", "0.0.0.0/0"}, {"Description", "ssh"}}}},
             {"Ipv6Ranges", Value::array()},
             {"PrefixListIds", Value::array()},
             {"UserIdGroupPairs", Value::array()}}}},
          {"IpPermissionsEgress",
           {{{"IpProtocol", "-1"},
             {"IpRanges", {{{"CidrIp", "0.0.0.0/0"}}}},
             {"Ipv6Ranges", Value::array()},
             {"PrefixListIds", Value::array()},
             {"UserIdGroupPairs", Value::array()}}}},
          {"_Rules", Value::array()}};
}

TEST(ResourceTypes, SecurityGroupInAwsSchema) {
  EXPECT_EQ(resource_type_of("ec2", "security-group"), "AWS::EC2::SecurityGroup");
  EXPECT_EQ(resource_type_of("ec2", "key-pair"), "");
  auto d = describe("ec2", "security-group", kAccount, kRegion, security_group_doc());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id, "sg-1");
  EXPECT_EQ(d->name, "web");
  EXPECT_EQ(d->arn, "arn:aws:ec2:us-east-1:111111111111:security-group/sg-1");
  EXPECT_EQ(d->availability_zone, "Not Applicable");
  const Value& c = d->configuration;
  EXPECT_EQ(c["groupId"], "sg-1");
  EXPECT_EQ(c["groupName"], "web");
  EXPECT_EQ(c["description"], "web servers");
  EXPECT_EQ(c["ownerId"], kAccount);
  EXPECT_EQ(c["vpcId"], "vpc-1");
  EXPECT_FALSE(c.contains("_Rules"));
  const Value& in = c["ipPermissions"][0];
  EXPECT_EQ(in["ipProtocol"], "tcp");
  EXPECT_EQ(in["fromPort"], 22);
  EXPECT_EQ(in["ipRanges"], Value::array({"0.0.0.0/0"}));
  EXPECT_EQ(in["ipv4Ranges"][0]["cidrIp"], "0.0.0.0/0");
  EXPECT_EQ(in["ipv4Ranges"][0]["description"], "ssh");
  EXPECT_TRUE(in["userIdGroupPairs"].is_array());
  EXPECT_TRUE(in["prefixListIds"].is_array());
  EXPECT_FALSE(c["ipPermissionsEgress"][0].contains("fromPort"));
  EXPECT_EQ(c["tags"][0]["key"], "team");
  EXPECT_EQ(d->tags, (Value{{"team", "web"}}));
  ASSERT_EQ(d->relationships.size(), 1u);
  EXPECT_EQ(d->relationships[0]["relationshipName"], "Is contained in Vpc");
  EXPECT_EQ(d->relationships[0]["resourceType"], "AWS::EC2::VPC");
  EXPECT_EQ(d->relationships[0]["resourceId"], "vpc-1");
}

TEST(ResourceTypes, InstanceRelationshipsAndTimes) {
  Value doc = {{"InstanceId", "i-1"},
               {"LaunchTime", 1700000000.5},
               {"Placement", {{"AvailabilityZone", "us-east-1a"}}},
               {"SubnetId", "subnet-1"},
               {"VpcId", "vpc-1"},
               {"PublicIpAddress", "54.1.2.3"},
               {"SecurityGroups", {{{"GroupId", "sg-1"}, {"GroupName", "web"}}}},
               {"BlockDeviceMappings", {{{"DeviceName", "/dev/xvda"}, {"Ebs", {{"VolumeId", "vol-1"}}}}}},
               {"NetworkInterfaces", {{{"NetworkInterfaceId", "eni-1"}}}},
               {"State", {{"Code", 16}, {"Name", "running"}}}};
  auto d = describe("ec2", "instance", kAccount, kRegion, doc);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->availability_zone, "us-east-1a");
  EXPECT_EQ(d->configuration["launchTime"], "2023-11-14T22:13:20.500Z");
  EXPECT_EQ(d->configuration["publicIpAddress"], "54.1.2.3");
  EXPECT_EQ(d->configuration["state"]["name"], "running");
  std::set<std::string> names;
  for (const auto& r : d->relationships) names.insert(r["relationshipName"].get<std::string>() + " " + r["resourceId"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"Contains NetworkInterface eni-1", "Is associated with SecurityGroup sg-1",
                                          "Is attached to Volume vol-1", "Is contained in Subnet subnet-1",
                                          "Is contained in Vpc vpc-1"}));
}

TEST(ResourceTypes, BucketAndRole) {
  Value bucket = {{"Name", "b1"}, {"Region", "eu-west-1"}, {"Created", 1700000000.0}, {"Versioning", "Enabled"},
                  {"Config", {{"tagging", {{"TagSet", {{{"Key", "env"}, {"Value", "prod"}}}}}}}}};
  auto b = describe("s3", "bucket", kAccount, "eu-west-1", bucket);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->arn, "arn:aws:s3:::b1");
  EXPECT_EQ(b->aws_region, "eu-west-1");
  EXPECT_EQ(b->configuration["name"], "b1");
  EXPECT_EQ(b->supplementary["BucketVersioningConfiguration"]["status"], "Enabled");
  EXPECT_EQ(b->tags, (Value{{"env", "prod"}}));
  Value role = {{"kind", "role"}, {"name", "r1"}, {"path", "/"}, {"id", "AROA1"}, {"arn", "arn:aws:iam::1:role/r1"},
                {"created", 1700000000.0}, {"tags", Value::array()}, {"inline", {{"p", "{\"Statement\":[]}"}}},
                {"attached", {"arn:aws:iam::1:policy/mine"}}, {"boundary", ""}, {"trust", "{\"a\":1}"}};
  auto r = describe("iam", "role", kAccount, "", role);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->aws_region, "global");
  EXPECT_EQ(r->id, "AROA1");
  EXPECT_EQ(r->configuration["roleName"], "r1");
  EXPECT_EQ(r->configuration["assumeRolePolicyDocument"], "%7B%22a%22%3A1%7D");
  EXPECT_EQ(r->configuration["rolePolicyList"][0]["policyName"], "p");
  EXPECT_EQ(r->relationships[0]["relationshipName"], "Is attached to CustomerManagedPolicy");
  EXPECT_FALSE(describe("iam", "key", kAccount, "", role));
}

Described group(const std::string& cidr) {
  Value doc = security_group_doc();
  doc["IpPermissions"][0]["IpRanges"][0]["CidrIp"] = cidr;
  return *describe("ec2", "security-group", kAccount, kRegion, doc);
}

struct ItemLogTest : ::testing::Test {
  std::unique_ptr<storage::Database> db = std::move(storage::Database::open({}).value());
  ItemLog log{*db};
  void SetUp() override { ASSERT_TRUE(log.open().ok()); }
};

TEST_F(ItemLogTest, StatusesAndUnchangedDocuments) {
  const std::string source = "ec2/security-group/sg-1";
  auto first = log.record(kAccount, kRegion, source, group("0.0.0.0/0"), 100);
  ASSERT_TRUE(first.ok() && *first);
  EXPECT_EQ((*first)->status, "ResourceDiscovered");
  EXPECT_EQ((*first)->state_id, 100000);
  auto same = log.record(kAccount, kRegion, source, group("0.0.0.0/0"), 101);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(*same);  // nothing Config shows changed
  ItemPtr previous;
  auto changed = log.record(kAccount, kRegion, source, group("10.0.0.0/8"), 100, &previous);
  ASSERT_TRUE(changed.ok() && *changed);
  EXPECT_EQ((*changed)->status, "OK");
  EXPECT_EQ((*changed)->state_id, 100001);  // strictly increasing even at the same time
  ASSERT_TRUE(previous);
  EXPECT_EQ(previous->seq, (*first)->seq);
  auto gone = log.record_deletion(kAccount, kRegion, source, 102);
  ASSERT_TRUE(gone.ok() && *gone);
  EXPECT_EQ((*gone)->status, "ResourceDeleted");
  EXPECT_TRUE((*gone)->resource.configuration.is_null());
  EXPECT_EQ((*gone)->resource.id, "sg-1");
  auto again = log.record_deletion(kAccount, kRegion, source, 103);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto back = log.record(kAccount, kRegion, source, group("10.0.0.0/8"), 104);
  ASSERT_TRUE(back.ok() && *back);
  EXPECT_EQ((*back)->status, "ResourceDiscovered");
  auto discovered = log.discovered(kAccount, kRegion, "AWS::EC2::SecurityGroup", "", false, "", 10);
  ASSERT_TRUE(discovered.ok());
  ASSERT_EQ(discovered->size(), 1u);
  EXPECT_EQ((*discovered)[0].name, "web");
}

TEST_F(ItemLogTest, CapturesOfOneResourceNeverTieOnAFrozenClock) {
  const std::string source = "ec2/security-group/sg-1";
  auto first = log.record(kAccount, kRegion, source, group("10.0.0.1/32"), 100);
  auto second = log.record(kAccount, kRegion, source, group("10.0.0.2/32"), 100);
  ASSERT_TRUE(first.ok() && second.ok() && *first && *second);
  EXPECT_EQ((*first)->capture_time, 100);
  EXPECT_GT((*second)->capture_time, (*first)->capture_time);
  auto gone = log.record_deletion(kAccount, kRegion, source, 100, nullptr);
  ASSERT_TRUE(gone.ok() && *gone);
  EXPECT_GT((*gone)->capture_time, (*second)->capture_time);
}

TEST_F(ItemLogTest, HistoryRangesOrdersAndPages) {
  const std::string source = "ec2/security-group/sg-1";
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(log.record(kAccount, kRegion, source, group("10.0.0." + std::to_string(i) + "/32"), 100 + i).ok());
  auto all = log.history(kAccount, kRegion, "AWS::EC2::SecurityGroup", "sg-1", std::nullopt, std::nullopt, true, 10, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->first.size(), 5u);
  EXPECT_EQ(all->first.front().capture_time, 100);
  EXPECT_EQ(all->second, 0);
  auto reverse = log.history(kAccount, kRegion, "AWS::EC2::SecurityGroup", "sg-1", 101, 103, false, 2, 0);
  ASSERT_TRUE(reverse.ok());
  ASSERT_EQ(reverse->first.size(), 2u);
  EXPECT_EQ(reverse->first[0].capture_time, 103);
  EXPECT_EQ(reverse->first[1].capture_time, 102);
  ASSERT_NE(reverse->second, 0);
  auto rest = log.history(kAccount, kRegion, "AWS::EC2::SecurityGroup", "sg-1", 101, 103, false, 2, reverse->second);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->first.size(), 1u);
  EXPECT_EQ(rest->first[0].capture_time, 101);
  EXPECT_EQ(rest->second, 0);
}

TEST_F(ItemLogTest, DeferredWritesAndAReloadSeeTheSameLog) {
  const std::string source = "ec2/security-group/sg-1";
  log.defer_writes();
  auto first = log.record(kAccount, kRegion, source, group("10.0.0.1/32"), 100);
  auto second = log.record(kAccount, kRegion, source, group("10.0.0.2/32"), 101);
  ASSERT_TRUE(first.ok() && second.ok() && *first && *second);
  EXPECT_EQ((*second)->status, "OK");  // the deferred first item is already the latest
  EXPECT_GT((*second)->seq, (*first)->seq);
  auto unwritten = log.history(kAccount, kRegion, "AWS::EC2::SecurityGroup", "sg-1", std::nullopt, std::nullopt,
                               true, 10, 0);
  ASSERT_TRUE(unwritten.ok());
  EXPECT_TRUE(unwritten->first.empty());
  ASSERT_TRUE(log.flush().ok());
  // A log opened afresh on the same tables (a restart) sees what the cache saw.
  ItemLog reopened{*db};
  ASSERT_TRUE(reopened.open().ok());
  auto latest = reopened.latest(kAccount, kRegion, "AWS::EC2::SecurityGroup", "sg-1");
  ASSERT_TRUE(latest.ok() && *latest);
  EXPECT_EQ((*latest)->seq, (*second)->seq);
  EXPECT_EQ((*latest)->md5, (*second)->md5);
  EXPECT_EQ(notification_item(**latest), notification_item(**second));
  auto same = reopened.record(kAccount, kRegion, source, group("10.0.0.2/32"), 102);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(*same);  // the fingerprint survived
  auto gone = reopened.record_deletion(kAccount, kRegion, source, 103);
  ASSERT_TRUE(gone.ok() && *gone);
  EXPECT_GT((*gone)->seq, (*second)->seq);  // seqs continue
  int current = 0;
  ASSERT_TRUE(reopened.for_each_current(kAccount, kRegion, "", [&](const ItemPtr&) { ++current; }).ok());
  EXPECT_EQ(current, 0);
}

TEST_F(ItemLogTest, ItemForms) {
  auto item = log.record(kAccount, kRegion, "ec2/security-group/sg-1", group("0.0.0.0/0"), 1700000000);
  ASSERT_TRUE(item.ok() && *item);
  Value api = api_item(**item);
  EXPECT_TRUE(api["configuration"].is_string());  // the API carries it as JSON text
  EXPECT_EQ(Value::parse(api["configuration"].get<std::string>())["groupId"], "sg-1");
  EXPECT_EQ(api["configurationStateId"], "1700000000000");
  EXPECT_EQ(api["relationships"][0]["relationshipName"], "Is contained in Vpc");
  Value note = notification_item(**item);
  EXPECT_TRUE(note["configuration"].is_object());
  EXPECT_EQ(note["ARN"], "arn:aws:ec2:us-east-1:111111111111:security-group/sg-1");
  EXPECT_EQ(note["configurationItemCaptureTime"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(note["relationships"][0]["name"], "Is contained in Vpc");
  EXPECT_EQ(note["configurationStateId"], 1700000000000);
}

TEST(ItemDiff, ChangedPropertiesByPath) {
  Value before = {{"configuration", {{"ipPermissions", {{{"fromPort", 22}}}}, {"groupName", "web"}}},
                  {"tags", Value::object()}, {"configurationItemStatus", "OK"}};
  Value after = before;
  after["configuration"]["ipPermissions"].push_back({{"fromPort", 443}});
  Value diff = item_diff(before, after);
  EXPECT_EQ(diff["changeType"], "UPDATE");
  const Value& changed = diff["changedProperties"]["Configuration.IpPermissions.1"];
  EXPECT_EQ(changed["changeType"], "CREATE");
  EXPECT_EQ(changed["updatedValue"]["fromPort"], 443);
  EXPECT_TRUE(item_diff(before, before).is_null());
  EXPECT_EQ(item_diff(Value(), after)["changeType"], "CREATE");
}

}  // namespace
}  // namespace nuage::services::config
