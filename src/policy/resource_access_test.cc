// policy::evaluate_access across accounts, for anonymous callers and service
// principals; policy::is_public; the PolicyCache.
#include "policy/resource_access.h"

#include <gtest/gtest.h>

namespace nuage::policy {
namespace {

const char* kOwner = "111111111111";
const char* kOther = "222222222222";
const char* kBucket = "arn:aws:s3:::shared";

PolicyPtr compile(const std::string& doc, PolicyKind kind = PolicyKind::kResource) {
  auto p = compile_policy(doc, kind);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : nullptr;
}

std::string statement(const std::string& effect, const std::string& principal, const std::string& action,
                      const std::string& condition = "") {
  return R"({"Effect":")" + effect + R"(","Principal":)" + principal + R"(,"Action":")" + action +
         R"(","Resource":"arn:aws:s3:::shared/*")" + (condition.empty() ? "" : ",\"Condition\":" + condition) + "}";
}

ResourcePolicy bucket(const std::vector<std::string>& statements, bool restrict_to_owner = false) {
  std::string doc = R"({"Version":"2012-10-17","Statement":[)";
  for (size_t i = 0; i < statements.size(); ++i) doc += (i ? "," : "") + statements[i];
  doc += "]}";
  return {kOwner, kBucket, statements.empty() ? nullptr : compile(doc), restrict_to_owner};
}

PolicySet identity(const std::string& action) {
  PolicySet set;
  std::string doc = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":")" + action +
                    R"(","Resource":"*"}]})";
  set.identity.push_back({"user-policy", "user", compile(doc, PolicyKind::kIdentity)});
  return set;
}

Request request(Principal::Type type, const std::string& account, const std::string& name = "alice") {
  Request r;
  r.action = "s3:GetObject";
  r.resource = "arn:aws:s3:::shared/key";
  r.principal.type = type;
  r.principal.account = account;
  if (type == Principal::Type::kRoot) r.principal.arn = "arn:aws:iam::" + account + ":root";
  if (type == Principal::Type::kUser) r.principal.arn = "arn:aws:iam::" + account + ":user/" + name;
  if (type == Principal::Type::kService) r.principal.arn = r.principal.service = "events.amazonaws.com";
  return r;
}

PolicySet root() { return PolicySet{{allow_all_identity()}, {}, {}, {}, false, false}; }

TEST(EvaluateAccess, WithinTheOwnerAccountEitherSideAllows) {
  auto none = bucket({});
  EXPECT_TRUE(evaluate_access(request(Principal::Type::kUser, kOwner), identity("s3:GetObject"), none).allowed());
  EXPECT_FALSE(evaluate_access(request(Principal::Type::kUser, kOwner), PolicySet{}, none).allowed());
  auto names_alice = bucket({statement("Allow", R"({"AWS":"arn:aws:iam::111111111111:user/alice"})", "s3:GetObject")});
  EXPECT_TRUE(evaluate_access(request(Principal::Type::kUser, kOwner), PolicySet{}, names_alice).allowed());
  EXPECT_TRUE(evaluate_access(request(Principal::Type::kRoot, kOwner), root(), none).allowed());
}

TEST(EvaluateAccess, AcrossAccountsBothSidesMustAllow) {
  auto grants_other = bucket({statement("Allow", R"({"AWS":"222222222222"})", "s3:GetObject")});
  auto none = bucket({});
  auto user = request(Principal::Type::kUser, kOther);
  EXPECT_TRUE(evaluate_access(user, identity("s3:*"), grants_other).allowed());
  auto ev = evaluate_access(user, PolicySet{}, grants_other);
  EXPECT_FALSE(ev.allowed());
  EXPECT_EQ(ev.decided_by, PolicyType::kIdentity);
  ev = evaluate_access(user, identity("s3:*"), none);
  EXPECT_FALSE(ev.allowed());
  EXPECT_EQ(ev.decided_by, PolicyType::kResource);
  EXPECT_EQ(ev.reason("s3:GetObject"), "because no resource-based policy allows the s3:GetObject action");
  // The other account's root: its identity side allows everything, the bucket decides.
  EXPECT_TRUE(evaluate_access(request(Principal::Type::kRoot, kOther), root(), grants_other).allowed());
  EXPECT_FALSE(evaluate_access(request(Principal::Type::kRoot, kOther), root(), none).allowed());
  // A grant to the owner's account is no grant to another one.
  auto grants_owner = bucket({statement("Allow", R"({"AWS":"arn:aws:iam::111111111111:root"})", "s3:GetObject")});
  EXPECT_FALSE(evaluate_access(request(Principal::Type::kRoot, kOther), root(), grants_owner).allowed());
}

TEST(EvaluateAccess, AnExplicitDenyWinsOnEitherSide) {
  auto allow_then_deny = bucket({statement("Allow", R"("*")", "s3:*"), statement("Deny", R"({"AWS":"222222222222"})", "s3:GetObject")});
  auto ev = evaluate_access(request(Principal::Type::kRoot, kOther), root(), allow_then_deny);
  EXPECT_EQ(ev.decision, Decision::kExplicitDeny);
  EXPECT_EQ(ev.decided_by, PolicyType::kResource);
  auto denies_all = bucket({statement("Deny", R"("*")", "s3:GetObject")});
  EXPECT_EQ(evaluate_access(request(Principal::Type::kRoot, kOwner), root(), denies_all).decision,
            Decision::kExplicitDeny);
  PolicySet denied = identity("s3:*");
  denied.identity.push_back({"deny", "user", compile(R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny",
      "Action":"s3:GetObject","Resource":"*"}]})", PolicyKind::kIdentity)});
  ev = evaluate_access(request(Principal::Type::kUser, kOther), denied, bucket({statement("Allow", R"("*")", "s3:*")}));
  EXPECT_EQ(ev.decision, Decision::kExplicitDeny);
  EXPECT_EQ(ev.decided_by, PolicyType::kIdentity);
}

TEST(EvaluateAccess, AnonymousCallersAndServicesNeedTheResourcePolicy) {
  auto anon = request(Principal::Type::kAnonymous, "");
  EXPECT_FALSE(evaluate_access(anon, PolicySet{}, bucket({})).allowed());
  EXPECT_TRUE(evaluate_access(anon, PolicySet{}, bucket({statement("Allow", R"("*")", "s3:GetObject")})).allowed());
  EXPECT_TRUE(evaluate_access(anon, PolicySet{}, bucket({statement("Allow", R"({"AWS":"*"})", "s3:GetObject")})).allowed());
  EXPECT_FALSE(evaluate_access(anon, PolicySet{}, bucket({statement("Allow", R"({"AWS":"111111111111"})", "s3:GetObject")})).allowed());
  EXPECT_FALSE(evaluate_access(anon, PolicySet{}, bucket({statement("Allow", R"("*")", "s3:PutObject")})).allowed());
  auto service = request(Principal::Type::kService, kOwner);
  auto grants_events = bucket({statement("Allow", R"({"Service":"events.amazonaws.com"})", "s3:GetObject",
                                         R"({"ArnLike":{"aws:SourceArn":"arn:aws:events:*:111111111111:rule/*"}})")});
  EXPECT_FALSE(evaluate_access(service, PolicySet{}, grants_events).allowed());  // no aws:SourceArn
  service.context.set("aws:SourceArn", "arn:aws:events:us-east-1:111111111111:rule/r");
  EXPECT_TRUE(evaluate_access(service, PolicySet{}, grants_events).allowed());
  EXPECT_FALSE(evaluate_access(service, PolicySet{}, bucket({})).allowed());
}

TEST(EvaluateAccess, ConditionsOfTheRequestContextApply) {
  auto tls_only = bucket({statement("Allow", R"("*")", "s3:GetObject"),
                          statement("Deny", R"("*")", "s3:GetObject", R"({"Bool":{"aws:SecureTransport":"false"}})")});
  auto anon = request(Principal::Type::kAnonymous, "");
  anon.context.set("aws:SecureTransport", "false");
  EXPECT_EQ(evaluate_access(anon, PolicySet{}, tls_only).decision, Decision::kExplicitDeny);
  anon.context.set("aws:SecureTransport", "true");
  EXPECT_TRUE(evaluate_access(anon, PolicySet{}, tls_only).allowed());
  auto by_account = bucket({statement("Allow", R"("*")", "s3:GetObject",
                                      R"({"StringEquals":{"aws:PrincipalAccount":"222222222222"}})")});
  auto user = request(Principal::Type::kUser, kOther);
  EXPECT_FALSE(evaluate_access(user, identity("s3:*"), by_account).allowed());
  user.context.set("aws:PrincipalAccount", kOther);
  EXPECT_TRUE(evaluate_access(user, identity("s3:*"), by_account).allowed());
}

TEST(EvaluateAccess, RestrictToOwnerIgnoresGrantsOutsideTheAccountButKeepsDenies) {
  auto public_read = bucket({statement("Allow", R"("*")", "s3:GetObject")}, true);
  EXPECT_FALSE(evaluate_access(request(Principal::Type::kAnonymous, ""), PolicySet{}, public_read).allowed());
  EXPECT_FALSE(evaluate_access(request(Principal::Type::kRoot, kOther), root(), public_read).allowed());
  EXPECT_TRUE(evaluate_access(request(Principal::Type::kUser, kOwner), PolicySet{}, public_read).allowed());
  auto service_grant = bucket({statement("Allow", R"("*")", "s3:GetObject"),
                               statement("Allow", R"({"Service":"events.amazonaws.com"})", "s3:GetObject")}, true);
  EXPECT_TRUE(evaluate_access(request(Principal::Type::kService, kOwner), PolicySet{}, service_grant).allowed());
}

TEST(IsPublic, WildcardPrincipalsUnlessAConditionFixesTheCaller) {
  auto check = [](const std::string& st) {
    return is_public(*compile(R"({"Version":"2012-10-17","Statement":[)" + st + "]}"));
  };
  EXPECT_TRUE(check(statement("Allow", R"("*")", "s3:GetObject")));
  EXPECT_TRUE(check(statement("Allow", R"({"AWS":"*"})", "s3:GetObject")));
  EXPECT_FALSE(check(statement("Allow", R"({"AWS":"222222222222"})", "s3:GetObject")));
  EXPECT_FALSE(check(statement("Deny", R"("*")", "s3:GetObject")));
  EXPECT_FALSE(check(statement("Allow", R"({"Service":"events.amazonaws.com"})", "s3:GetObject")));
  EXPECT_FALSE(check(statement("Allow", R"("*")", "s3:GetObject", R"({"StringEquals":{"aws:SourceAccount":"222222222222"}})")));
  EXPECT_TRUE(check(statement("Allow", R"("*")", "s3:GetObject", R"({"StringLike":{"aws:SourceAccount":"2*"}})")));
  EXPECT_FALSE(check(statement("Allow", R"("*")", "s3:GetObject", R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})")));
  EXPECT_TRUE(check(statement("Allow", R"("*")", "s3:GetObject", R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}})")));
  EXPECT_TRUE(check(statement("Allow", R"("*")", "s3:GetObject", R"({"Bool":{"aws:SecureTransport":"true"}})")));
  EXPECT_TRUE(check(R"({"Effect":"Allow","NotPrincipal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"*"})"));
}

TEST(PolicyCache, CompilesEachDocumentOnceAndReportsMalformedOnes) {
  PolicyCache cache(PolicyKind::kResource, 2);
  std::string doc = R"({"Version":"2012-10-17","Statement":[)" + statement("Allow", R"("*")", "s3:GetObject") + "]}";
  auto first = cache.compile(doc);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->get(), cache.compile(doc)->get());
  auto bad = cache.compile(R"({"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "Missing required field Principal");
}

}  // namespace
}  // namespace nuage::policy
