#include "services/ssm/parameter_versions.h"

#include <gtest/gtest.h>

#include "services/ssm/parameter_filters.h"
#include "services/ssm/parameter_policies.h"

namespace nuage::services::ssm {
namespace {

using kit::Value;

TEST(SsmSelectors, NameVersionLabelAndArnForms) {
  auto s = versions::parse("/app/db:12");
  EXPECT_EQ(s.name, "/app/db");
  EXPECT_EQ(s.version, 12);
  s = versions::parse("/app/db:prod");
  EXPECT_EQ(s.label, "prod");
  EXPECT_EQ(s.version, 0);
  s = versions::parse("arn:aws:ssm:us-east-1:000000000000:parameter/app/db:3");
  EXPECT_EQ(s.name, "/app/db");
  EXPECT_EQ(s.version, 3);
  EXPECT_EQ(versions::parse("arn:aws:ssm:us-east-1:000000000000:parameter/plain").name, "plain");
  EXPECT_EQ(versions::parse("plain").name, "plain");
  // A number too large for a version is taken as a (missing) label, never an overflow.
  EXPECT_EQ(versions::parse("/p:99999999999999999999999").label, "99999999999999999999999");
}

TEST(SsmSelectors, FindPicksTheVersionOrSaysWhy) {
  Value doc = {{"Name", "/p"},
               {"History", {{{"Version", 1}, {"Value", "a"}, {"Labels", {"old"}}},
                            {{"Version", 2}, {"Value", "b"}, {"Labels", Value::array()}}}}};
  EXPECT_EQ((**versions::find(doc, versions::parse("/p")))["Value"], "b");
  EXPECT_EQ((**versions::find(doc, versions::parse("/p:1")))["Value"], "a");
  EXPECT_EQ((**versions::find(doc, versions::parse("/p:old")))["Value"], "a");
  EXPECT_EQ(versions::find(doc, versions::parse("/p:3")).error().code, "ParameterVersionNotFound");
  EXPECT_EQ(versions::find(doc, versions::parse("/p:new")).error().code, "ParameterNotFound");
}

TEST(SsmLabels, AwsRules) {
  EXPECT_TRUE(versions::valid_label("prod-1.a_b"));
  EXPECT_FALSE(versions::valid_label("1prod"));
  EXPECT_FALSE(versions::valid_label("AWSlabel"));
  EXPECT_FALSE(versions::valid_label("ssm"));
  EXPECT_FALSE(versions::valid_label("has space"));
  EXPECT_FALSE(versions::valid_label(std::string(101, 'a')));
  EXPECT_FALSE(versions::valid_label(""));
}

TEST(SsmFilters, PathLevelsAndLabels) {
  Value doc = {{"Name", "/a/b/c"},
               {"Type", "String"},
               {"History", {{{"Version", 1}, {"Labels", {"x"}}}, {{"Version", 2}, {"Labels", Value::array()}}}}};
  auto one = parameter_filters::parse(Value::parse(R"([{"Key":"Path","Values":["/a"]}])"),
                                      parameter_filters::Use::kDescribe);
  ASSERT_TRUE(one);
  EXPECT_EQ(parameter_filters::select(*one, doc), nullptr);
  auto deep = parameter_filters::parse(Value::parse(R"([{"Key":"Path","Option":"Recursive","Values":["/a"]}])"),
                                       parameter_filters::Use::kDescribe);
  ASSERT_TRUE(deep);
  EXPECT_NE(parameter_filters::select(*deep, doc), nullptr);
  auto label = parameter_filters::parse(Value::parse(R"([{"Key":"Label","Values":["x"]}])"),
                                        parameter_filters::Use::kByPath);
  ASSERT_TRUE(label);
  const Value* chosen = parameter_filters::select(*label, doc);
  ASSERT_NE(chosen, nullptr);
  EXPECT_EQ((*chosen)["Version"], 1);
  EXPECT_EQ(parameter_filters::parse(Value::parse(R"([{"Key":"Label","Values":["x"]}])"),
                                     parameter_filters::Use::kDescribe)
                .error()
                .code,
            "InvalidFilterKey");
}

TEST(SsmPolicies, DueInstantsFollowTheTextAndTheLastChange) {
  double now = 1780000000;  // 2026-05-28
  auto policies = parameter_policies::parse(
      Value(R"([{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2026-06-10T00:00:00Z"}},
                {"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"2","Unit":"Days"}},
                {"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"5","Unit":"Hours"}}])"),
      now);
  ASSERT_TRUE(policies);
  Value doc = {{"LastModifiedDate", now}, {"Policies", *policies}};
  EXPECT_EQ(*parameter_policies::due(doc, (*policies)[0]), 1781049600);  // 2026-06-10
  EXPECT_EQ(*parameter_policies::due(doc, (*policies)[1]), 1781049600 - 2 * 86400);
  EXPECT_EQ(*parameter_policies::due(doc, (*policies)[2]), now + 5 * 3600);
  EXPECT_EQ(parameter_policies::parse(Value("not json"), now).error().code, "InvalidPolicyAttributeException");
  EXPECT_EQ(parameter_policies::parse(
                Value(R"([{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"2","Unit":"Days"}}])"),
                now)
                .error()
                .code,
            "IncompatiblePolicyException");
}

}  // namespace
}  // namespace nuage::services::ssm
