#include <gtest/gtest.h>

#include "services/ec2/catalog.h"

using nuage::services::ec2::availability_zones;
using nuage::services::ec2::find_zone;

TEST(Ec2Zones, IdsInAwsForm) {
  struct Case {
    const char* region;
    const char* first_id;
  } cases[] = {{"us-east-1", "use1-az1"},      {"eu-west-3", "euw3-az1"},   {"ap-northeast-1", "apne1-az1"},
               {"ap-southeast-2", "apse2-az1"}, {"eu-central-1", "euc1-az1"}, {"ca-central-1", "cac1-az1"},
               {"sa-east-1", "sae1-az1"},       {"ap-south-1", "aps1-az1"},  {"us-gov-west-1", "usgw1-az1"}};
  for (const auto& c : cases) {
    auto zones = availability_zones(c.region);
    ASSERT_EQ(zones.size(), 3u);
    EXPECT_EQ(zones[0].id, c.first_id) << c.region;
    EXPECT_EQ(zones[0].name, std::string(c.region) + "a");
  }
  EXPECT_EQ(availability_zones("eu-west-1")[2].id, "euw1-az3");
}

TEST(Ec2Zones, FoundByNameOrId) {
  EXPECT_EQ(find_zone("eu-west-1", "eu-west-1b")->id, "euw1-az2");
  EXPECT_EQ(find_zone("eu-west-1", "euw1-az3")->name, "eu-west-1c");
  EXPECT_FALSE(find_zone("eu-west-1", "eu-west-1d"));
  EXPECT_FALSE(find_zone("eu-west-1", "use1-az1"));
}
