// The managed rules' verdicts on hand-made configuration items, as AWS
// documents each rule, and their parameter checks.
#include "services/config/managed_rules.h"

#include <gtest/gtest.h>

namespace nuage::services::config {
namespace {

Value permission(const std::string& protocol, int from, int to, const std::string& cidr) {
  Value p = {{"ipProtocol", protocol}, {"ipv4Ranges", Value::array()}, {"ipv6Ranges", Value::array()},
             {"ipRanges", Value::array()}, {"userIdGroupPairs", Value::array()}, {"prefixListIds", Value::array()}};
  if (protocol != "-1") {
    p["fromPort"] = from;
    p["toPort"] = to;
  }
  if (cidr.find(':') != std::string::npos) {
    p["ipv6Ranges"].push_back({{"cidrIpv6", cidr}});
  } else {
    p["ipv4Ranges"].push_back({{"cidrIp", cidr}});
    p["ipRanges"].push_back(cidr);
  }
  return p;
}

Item security_group(Value ingress, const std::string& name = "web", Value egress = Value::array()) {
  Item item;
  item.status = "OK";
  item.resource.type = "AWS::EC2::SecurityGroup";
  item.resource.id = "sg-1";
  item.resource.configuration = {{"groupName", name}, {"ipPermissions", std::move(ingress)},
                                 {"ipPermissionsEgress", std::move(egress)}};
  return item;
}

std::string verdict(const char* rule, const Item& item, const Value& params = Value::object()) {
  const ManagedRule* r = find_managed_rule(rule);
  EXPECT_NE(r, nullptr) << rule;
  return r ? r->evaluate(item, params).compliance : "";
}

TEST(ManagedRules, UnknownIdentifiersAreUnknown) {
  EXPECT_EQ(find_managed_rule("NOT_A_RULE"), nullptr);
  EXPECT_EQ(find_managed_rule("incoming_ssh_disabled"), nullptr);  // identifiers are case-sensitive
}

TEST(ManagedRules, IncomingSshDisabled) {
  EXPECT_EQ(verdict("INCOMING_SSH_DISABLED", security_group(Value::array())), "COMPLIANT");
  EXPECT_EQ(verdict("INCOMING_SSH_DISABLED", security_group({permission("tcp", 22, 22, "10.0.0.0/8")})), "COMPLIANT");
  EXPECT_EQ(verdict("INCOMING_SSH_DISABLED", security_group({permission("tcp", 443, 443, "0.0.0.0/0")})), "COMPLIANT");
  EXPECT_EQ(verdict("INCOMING_SSH_DISABLED", security_group({permission("tcp", 22, 22, "0.0.0.0/0")})), "NON_COMPLIANT");
  EXPECT_EQ(verdict("INCOMING_SSH_DISABLED", security_group({permission("tcp", 0, 1024, "::/0")})), "NON_COMPLIANT");
  EXPECT_EQ(verdict("INCOMING_SSH_DISABLED", security_group({permission("-1", 0, 0, "0.0.0.0/0")})), "NON_COMPLIANT");
  EXPECT_EQ(verdict("INCOMING_SSH_DISABLED", security_group({permission("udp", 22, 22, "0.0.0.0/0")})), "COMPLIANT");
}

TEST(ManagedRules, RestrictedIncomingTrafficUsesTheBlockedPorts) {
  // Defaults: 20, 21, 3389, 3306, 4333.
  EXPECT_EQ(verdict("RESTRICTED_INCOMING_TRAFFIC", security_group({permission("tcp", 3389, 3389, "0.0.0.0/0")})),
            "NON_COMPLIANT");
  EXPECT_EQ(verdict("RESTRICTED_INCOMING_TRAFFIC", security_group({permission("tcp", 3300, 3310, "::/0")})), "NON_COMPLIANT");
  EXPECT_EQ(verdict("RESTRICTED_INCOMING_TRAFFIC", security_group({permission("tcp", 3389, 3389, "192.168.0.0/16")})),
            "COMPLIANT");
  EXPECT_EQ(verdict("RESTRICTED_INCOMING_TRAFFIC", security_group({permission("tcp", 22, 22, "0.0.0.0/0")})), "COMPLIANT");
  Value params = {{"blockedPort1", "22"}};
  EXPECT_EQ(verdict("RESTRICTED_INCOMING_TRAFFIC", security_group({permission("tcp", 22, 22, "0.0.0.0/0")}), params),
            "NON_COMPLIANT");
  EXPECT_EQ(verdict("RESTRICTED_INCOMING_TRAFFIC", security_group({permission("tcp", 8080, 8080, "0.0.0.0/0")}),
                    {{"blockedPorts", "8080, 9090"}}),
            "NON_COMPLIANT");
  EXPECT_EQ(verdict("RESTRICTED_INCOMING_TRAFFIC", security_group({permission("udp", 3389, 3389, "0.0.0.0/0")})), "COMPLIANT");
}

TEST(ManagedRules, OpenOnlyToAuthorizedPorts) {
  Value params = {{"authorizedTcpPorts", "443,1020-1025"}, {"authorizedUdpPorts", "500"}};
  const char* rule = "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS";
  EXPECT_EQ(verdict(rule, security_group({permission("tcp", 22, 22, "10.0.0.0/8")}), params), "NOT_APPLICABLE");
  EXPECT_EQ(verdict(rule, security_group({permission("tcp", 443, 443, "0.0.0.0/0")}), params), "COMPLIANT");
  EXPECT_EQ(verdict(rule, security_group({permission("tcp", 1021, 1024, "::/0")}), params), "COMPLIANT");
  EXPECT_EQ(verdict(rule, security_group({permission("tcp", 1020, 1026, "0.0.0.0/0")}), params), "NON_COMPLIANT");
  EXPECT_EQ(verdict(rule, security_group({permission("udp", 500, 500, "0.0.0.0/0")}), params), "COMPLIANT");
  EXPECT_EQ(verdict(rule, security_group({permission("udp", 443, 443, "0.0.0.0/0")}), params), "NON_COMPLIANT");
  EXPECT_EQ(verdict(rule, security_group({permission("-1", 0, 0, "0.0.0.0/0")}), params), "NON_COMPLIANT");
  EXPECT_EQ(verdict(rule, security_group({permission("tcp", 443, 443, "0.0.0.0/0")})), "NON_COMPLIANT");  // nothing authorized
}

TEST(ManagedRules, DefaultSecurityGroupClosed) {
  const char* rule = "VPC_DEFAULT_SECURITY_GROUP_CLOSED";
  EXPECT_EQ(verdict(rule, security_group({permission("tcp", 22, 22, "0.0.0.0/0")}, "web")), "NOT_APPLICABLE");
  EXPECT_EQ(verdict(rule, security_group(Value::array(), "default")), "COMPLIANT");
  EXPECT_EQ(verdict(rule, security_group(Value::array(), "default", {permission("-1", 0, 0, "0.0.0.0/0")})), "NON_COMPLIANT");
}

TEST(ManagedRules, BucketVersioning) {
  Item bucket;
  bucket.resource.type = "AWS::S3::Bucket";
  bucket.resource.supplementary["BucketVersioningConfiguration"] = {{"status", "Off"}, {"isMfaDeleteEnabled", nullptr}};
  EXPECT_EQ(verdict("S3_BUCKET_VERSIONING_ENABLED", bucket), "NON_COMPLIANT");
  bucket.resource.supplementary["BucketVersioningConfiguration"]["status"] = "Enabled";
  EXPECT_EQ(verdict("S3_BUCKET_VERSIONING_ENABLED", bucket), "COMPLIANT");
  EXPECT_EQ(verdict("S3_BUCKET_VERSIONING_ENABLED", bucket, {{"isMfaDeleteEnabled", "true"}}), "NON_COMPLIANT");
  bucket.resource.supplementary["BucketVersioningConfiguration"]["status"] = "Suspended";
  EXPECT_EQ(verdict("S3_BUCKET_VERSIONING_ENABLED", bucket), "NON_COMPLIANT");
}

TEST(ManagedRules, RequiredTags) {
  Item item;
  item.resource.type = "AWS::EC2::Volume";
  item.resource.tags = {{"CostCenter", "42"}, {"Owner", "ops"}};
  EXPECT_EQ(verdict("REQUIRED_TAGS", item, {{"tag1Key", "CostCenter"}}), "COMPLIANT");
  EXPECT_EQ(verdict("REQUIRED_TAGS", item, {{"tag1Key", "CostCenter"}, {"tag1Value", "41, 42"}}), "COMPLIANT");
  EXPECT_EQ(verdict("REQUIRED_TAGS", item, {{"tag1Key", "CostCenter"}, {"tag1Value", "7"}}), "NON_COMPLIANT");
  EXPECT_EQ(verdict("REQUIRED_TAGS", item, {{"tag1Key", "CostCenter"}, {"tag2Key", "Project"}}), "NON_COMPLIANT");
}

TEST(ManagedRules, InstanceNoPublicIp) {
  Item item;
  item.resource.type = "AWS::EC2::Instance";
  item.resource.configuration = {{"state", {{"name", "running"}}}, {"privateIpAddress", "10.0.0.4"}};
  EXPECT_EQ(verdict("EC2_INSTANCE_NO_PUBLIC_IP", item), "COMPLIANT");
  item.resource.configuration["publicIpAddress"] = "54.1.2.3";
  EXPECT_EQ(verdict("EC2_INSTANCE_NO_PUBLIC_IP", item), "NON_COMPLIANT");
}

TEST(ManagedRules, ParametersAreChecked) {
  auto check = [](const char* rule, const Value& params) { return find_managed_rule(rule)->check("r", params); };
  EXPECT_TRUE(check("INCOMING_SSH_DISABLED", Value::object()).ok());
  Status unknown = check("INCOMING_SSH_DISABLED", {{"port", "22"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "InvalidParameterValueException");
  EXPECT_NE(unknown.error().message.find("port"), std::string::npos);
  EXPECT_FALSE(check("RESTRICTED_INCOMING_TRAFFIC", {{"blockedPort1", "ssh"}}).ok());
  EXPECT_FALSE(check("RESTRICTED_INCOMING_TRAFFIC", {{"blockedPort1", "70000"}}).ok());
  EXPECT_TRUE(check("RESTRICTED_INCOMING_TRAFFIC", {{"blockedPort1", "22"}, {"blockedPorts", "80,8080"}}).ok());
  EXPECT_FALSE(check("VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", {{"authorizedTcpPorts", "443-80"}}).ok());
  EXPECT_FALSE(check("REQUIRED_TAGS", Value::object()).ok());  // tag1Key is required
  EXPECT_TRUE(check("REQUIRED_TAGS", {{"tag1Key", "Owner"}}).ok());
  EXPECT_FALSE(check("S3_BUCKET_VERSIONING_ENABLED", {{"isMfaDeleteEnabled", "maybe"}}).ok());
}

TEST(ManagedRules, PortRanges) {
  auto r = parse_port_ranges("443, 1020-1025");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1], std::make_pair(1020, 1025));
  EXPECT_TRUE(parse_port_ranges("")->empty());
  EXPECT_FALSE(parse_port_ranges("80-"));
  EXPECT_FALSE(parse_port_ranges("http"));
}

}  // namespace
}  // namespace nuage::services::config
