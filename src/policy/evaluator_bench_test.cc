// Cost of one decision with 50 attached policies of 20 statements each
// (the issue's benchmark shape). Prints the time; asserts only correctness.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "policy/evaluator.h"

namespace nuage::policy {
namespace {

TEST(PolicyEvaluationCost, FiftyPoliciesOfTwentyStatements) {
  PolicySet set;
  for (int p = 0; p < 50; ++p) {
    std::string doc = R"({"Version":"2012-10-17","Statement":[)";
    for (int s = 0; s < 20; ++s) {
      if (s) doc += ",";
      doc += R"({"Effect":"Allow","Action":["svc)" + std::to_string(p) + ":Op" + std::to_string(s) +
             R"(*"],"Resource":"arn:aws:s3:::bucket-)" + std::to_string(s) +
             R"(/*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}})";
    }
    doc += "]}";
    auto compiled = compile_policy(doc, PolicyKind::kIdentity);
    ASSERT_TRUE(compiled.ok()) << compiled.error().message;
    set.identity.push_back({"p" + std::to_string(p), "user-managed", *compiled});
  }
  Request r;
  r.action = "ssm:GetParameter";  // matches nothing: the worst case walks every statement
  r.resource = "arn:aws:ssm:us-east-1:000000000000:parameter/x";
  r.principal.type = Principal::Type::kUser;
  r.context.set("aws:RequestedRegion", "us-east-1");
  const int kRounds = 2000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) ASSERT_FALSE(evaluate(r, set).allowed());
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / kRounds;
  std::printf("one decision over 1000 statements: %.1f us\n", us);
}

}  // namespace
}  // namespace nuage::policy
