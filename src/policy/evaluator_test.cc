// The evaluation table (tests/iam/evaluation_cases.json) through the engine,
// plus the compiler's validation and the wildcard matcher.
#include "policy/evaluator.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace nuage::policy {
namespace {

using nlohmann::json;

json load_cases() {
  auto path = std::filesystem::path(NUAGE_SOURCE_DIR) / "tests" / "iam" /
              "evaluation_cases.json";
  std::ifstream in(path);
  return json::parse(in);
}

Principal principal_of(const json& p) {
  Principal out;
  std::string type = p.value("type", "user");
  out.type = type == "assumed-role" ? Principal::Type::kAssumedRole
             : type == "service"    ? Principal::Type::kService
             : type == "root"       ? Principal::Type::kRoot
                                    : Principal::Type::kUser;
  out.arn = p.value("arn", "");
  out.account = p.value("account", "");
  out.role_arn = p.value("role_arn", "");
  out.service = p.value("service", "");
  return out;
}

std::vector<PolicyRef> refs(const json& docs, PolicyKind kind, const std::string& prefix) {
  std::vector<PolicyRef> out;
  for (size_t i = 0; i < docs.size(); ++i) {
    auto compiled = compile_policy(docs[i].dump(), kind);
    EXPECT_TRUE(compiled.ok()) << compiled.error().message << " in " << docs[i].dump();
    if (compiled.ok()) out.push_back({prefix + std::to_string(i), prefix, *compiled});
  }
  return out;
}

TEST(PolicyEvaluation, TableOfCases) {
  json cases = load_cases();
  ASSERT_GE(cases.size(), 60u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const json& p = c["policies"];
    PolicySet set;
    set.identity = refs(p["identity"], PolicyKind::kIdentity, "identity");
    set.resource = refs(p["resource"], PolicyKind::kResource, "resource");
    set.boundary = refs(p["boundary"], PolicyKind::kIdentity, "boundary");
    set.session = refs(p["session"], PolicyKind::kIdentity, "session");
    set.has_session_policy = !p["session"].empty();
    set.resource_required = p.value("resource_required", false);
    Request r;
    r.action = c["request"]["action"];
    r.resource = c["request"]["resource"];
    r.principal = principal_of(c["request"]["principal"]);
    for (const auto& [k, v] : c["request"]["context"].items()) {
      if (v.is_array()) r.context.set_multi(k, v.get<std::vector<std::string>>());
      else r.context.set(k, v.get<std::string>());
    }
    Evaluation ev = evaluate(r, set);
    std::string got = ev.decision == Decision::kAllowed ? "allowed"
                      : ev.decision == Decision::kExplicitDeny ? "explicitDeny" : "implicitDeny";
    EXPECT_EQ(got, c["expect"].get<std::string>());
    if (c.contains("decided_by")) {
      static const char* kNames[] = {"identity", "resource", "boundary", "session"};
      EXPECT_EQ(kNames[static_cast<int>(ev.decided_by)], c["decided_by"].get<std::string>());
    }
    if (ev.decision == Decision::kExplicitDeny) {
      EXPECT_TRUE(ev.has_decider);
      EXPECT_EQ(ev.decider.effect, Effect::kDeny);
    }
    if (ev.decision == Decision::kAllowed) {
      EXPECT_TRUE(ev.has_decider);
    }
  }
}

TEST(PolicyEvaluation, ReasonsInAwsWords) {
  Evaluation ev;
  EXPECT_EQ(ev.reason("ec2:TerminateInstances"),
            "because no identity-based policy allows the ec2:TerminateInstances action");
  ev.decision = Decision::kExplicitDeny;
  ev.decided_by = PolicyType::kResource;
  EXPECT_EQ(ev.reason("s3:GetObject"), "with an explicit deny in a resource-based policy");
}

TEST(Wildcard, Matching) {
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_TRUE(wildcard_match("a*c", "abbbc"));
  EXPECT_TRUE(wildcard_match("a?c", "abc"));
  EXPECT_FALSE(wildcard_match("a?c", "ac"));
  EXPECT_TRUE(wildcard_match("*a*b*", "xxaxxbxx"));
  EXPECT_FALSE(wildcard_match("*a*b", "xxaxxbxxc"));
  EXPECT_TRUE(wildcard_match("S3:get*", "s3:GetObject", true));
  EXPECT_FALSE(wildcard_match("S3:get*", "s3:GetObject", false));
}

TEST(PolicyValidation, MalformedReasons) {
  auto reason = [](const std::string& doc, PolicyKind kind = PolicyKind::kIdentity) {
    auto r = compile_policy(doc, kind);
    return r.ok() ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(reason("{not json"), "Syntax errors in policy.");
  EXPECT_EQ(reason(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]})"),
            "Policy statement must contain actions.");
  EXPECT_EQ(reason(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]})"),
            "Policy statement must contain resources.");
  EXPECT_EQ(reason(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})"),
            "Policy document must be version 2012-10-17 or greater.");
  EXPECT_EQ(reason(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]})"),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  EXPECT_EQ(reason(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}]})"),
            "Resource bucket must be in ARN format or \"*\".");
  EXPECT_EQ(reason(R"({"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]})"),
            "The policy failed legacy parsing");
  EXPECT_EQ(reason(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})"),
            "Policy document should not specify a principal.");
  EXPECT_EQ(reason(R"({"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"}]})"),
            "Statement IDs (SID) in a single policy must be unique.");
  EXPECT_EQ(reason(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]})", PolicyKind::kTrust),
            "Missing required field Principal");
  EXPECT_EQ(reason(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}]})", PolicyKind::kTrust),
            "Invalid principal in policy: \"AWS\":\"bob\"");
}

}  // namespace
}  // namespace nuage::policy
