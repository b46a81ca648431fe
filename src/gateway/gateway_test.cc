#include "gateway/gateway.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace nuage::gateway {
namespace {

http::Request unsigned_request(const std::string& method, const std::string& target) {
  http::Request r;
  r.method = method;
  r.target = target;
  return r;
}

TEST(DetectService, LambdaPathsFromItsModel) {
  // Requests without a credential scope: the path decides.
  for (const char* target : {"/2015-03-31/functions/f/invocations", "/2021-10-31/functions/f/url",
                             "/2018-10-31/layers/l/versions", "/2017-03-31/tags/arn", "/2020-06-30/functions/f/code-signing-config",
                             "/2015-03-31/event-source-mappings/", "/2016-08-19/account-settings/"})
    EXPECT_EQ(detect_service(unsigned_request("GET", target), ""), "lambda") << target;
  // A bucket named like a date is still S3's, and so is an unknown collection.
  for (const char* target : {"/2015-03-31", "/2015-03-31/key.txt", "/2018-10-31/photos/a.jpg", "/bucket/key"})
    EXPECT_EQ(detect_service(unsigned_request("GET", target), ""), "s3") << target;
  // The credential scope wins over the path.
  EXPECT_EQ(detect_service(unsigned_request("GET", "/2015-03-31/functions"), "s3"), "s3");
}

TEST(DetectService, DynamoDbStreamsByItsTargetUnderDynamoDbsSigningName) {
  http::Request r = unsigned_request("POST", "/");
  r.headers.set("x-amz-target", "DynamoDBStreams_20120810.GetRecords");
  EXPECT_EQ(detect_service(r, "dynamodb"), "dynamodbstreams");
  EXPECT_EQ(detect_service(r, ""), "dynamodbstreams");
  r.headers.set("x-amz-target", "DynamoDB_20120810.PutItem");
  EXPECT_EQ(detect_service(r, "dynamodb"), "dynamodb");
}

// A provider whose handlers fail the two ways a bug of ours does: an
// exception, and an InternalError naming its cause.
class FailingSts : public kit::Provider {
 public:
  std::string_view service() const override { return "sts"; }
  void register_operations(kit::OperationTable& table) override {
    table.add("AssumeRoleWithWebIdentity", [](RequestContext&, const Value& in) -> Result<Output> {
      if (in.at("RoleSessionName") == "throws") throw std::runtime_error("[json.exception.type_error.316] secret");
      return internal_error("sqlite: disk I/O error at /var/lib/secret.db");
    });
  }
  void reset() override {}
};

http::Request web_identity(const std::string& session) {
  http::Request r = unsigned_request("POST", "/");
  r.headers.add("Content-Type", "application/x-www-form-urlencoded");
  r.body = http::Body("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/r"
                      "&WebIdentityToken=token&RoleSessionName=" + session);
  return r;
}

TEST(Gateway, InternalErrorsAnswerWithoutTheirCause) {
  auth::CredentialStore credentials;
  Clock clock;
  Gateway gateway({}, credentials, clock);
  gateway.add_provider(std::make_unique<FailingSts>());
  for (const char* session : {"throws", "fails"}) {
    http::Request request = web_identity(session);
    http::Response res = gateway.handle(request);
    EXPECT_EQ(res.status, 500) << session;
    // STS's own error document, with a request id, and no cause.
    EXPECT_NE(res.body.find("<Code>InternalError</Code>"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("<RequestId>"), std::string::npos) << res.body;
    EXPECT_TRUE(res.headers.contains("x-amzn-requestid"));
    EXPECT_EQ(res.body.find("secret"), std::string::npos) << res.body;
    EXPECT_EQ(res.body.find("json.exception"), std::string::npos) << res.body;
  }
}

}  // namespace
}  // namespace nuage::gateway
