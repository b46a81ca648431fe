#include <gtest/gtest.h>

#include "services/ec2/provider.h"

using nuage::services::ec2::Cidr;
using nuage::services::ec2::parse_cidr;
using nuage::services::ec2::parse_ipv4;

TEST(Ec2Cidr, ParsesAndClearsHostBits) {
  auto c = parse_cidr("10.0.1.7/24");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->text(), "10.0.1.0/24");
  EXPECT_EQ(c->size(), 256u);
  for (const char* bad : {"10.0.0.0", "10.0.0.256/16", "10.0.0.0/33", "a.b.c.d/8", "10.0.0/16", "10.0.0.0/", ""})
    EXPECT_FALSE(parse_cidr(bad)) << bad;
  EXPECT_FALSE(parse_ipv4("1.2.3.4.5"));
  EXPECT_EQ(*parse_ipv4("0.0.1.2"), 258u);
}

TEST(Ec2Cidr, ContainmentAndOverlap) {
  Cidr vpc = *parse_cidr("10.0.0.0/16");
  Cidr a = *parse_cidr("10.0.1.0/24");
  Cidr b = *parse_cidr("10.0.1.128/25");
  Cidr outside = *parse_cidr("10.1.0.0/24");
  EXPECT_TRUE(vpc.contains(a));
  EXPECT_FALSE(a.contains(vpc));
  EXPECT_FALSE(vpc.contains(outside));
  EXPECT_TRUE(a.overlaps(b));
  EXPECT_TRUE(b.overlaps(a));
  EXPECT_FALSE(a.overlaps(*parse_cidr("10.0.2.0/24")));
  EXPECT_TRUE(parse_cidr("0.0.0.0/0")->contains(outside));
}
