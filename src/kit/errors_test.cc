// Errors named by their model shape get the code, HTTP status and (for
// awsQueryCompatible services) the x-amzn-query-error header from the model,
// in every protocol.
#include "kit/errors.h"

#include <gtest/gtest.h>

#include "model/model.h"
#include "protocol/protocol.h"

namespace nuage::kit {
namespace {

http::Response serialize(const std::string& service, const std::string& protocol, const AwsError& e) {
  const model::Service* svc = model::find_service(service);
  return protocol::find_protocol(protocol)->serialize_error(*svc, e, "req-1");
}

TEST(ModelErrors, QueryProtocolUsesTheShapesCode) {
  AwsError e = Errors("iam")("NoSuchEntityException", "The user with name bob cannot be found.");
  EXPECT_EQ(e.code, "NoSuchEntity");
  EXPECT_EQ(e.type, "NoSuchEntityException");
  EXPECT_EQ(e.status, 404);
  auto res = serialize("iam", "query", e);
  EXPECT_EQ(res.status, 404);
  EXPECT_NE(res.body.find("<Code>NoSuchEntity</Code>"), std::string::npos);
}

TEST(ModelErrors, JsonProtocolUsesTheShapeName) {
  AwsError e = Errors("ssm")("ParameterNotFound", "Parameter /x not found.");
  EXPECT_EQ(e.status, 400);
  auto res = serialize("ssm", "json", e);
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("\"__type\":\"ParameterNotFound\""), std::string::npos);
  EXPECT_FALSE(res.headers.contains("x-amzn-query-error"));
}

TEST(ModelErrors, QueryCompatibleJsonCarriesTheQueryCode) {
  AwsError e = Errors("cloudwatch")("InvalidParameterValueException", "bad");
  EXPECT_EQ(e.code, "InvalidParameterValue");
  auto res = serialize("cloudwatch", "json", e);
  EXPECT_NE(res.body.find("\"__type\":\"InvalidParameterValueException\""), std::string::npos);
  EXPECT_EQ(res.headers.get("x-amzn-query-error"), "InvalidParameterValue;Sender");
  auto cbor = serialize("cloudwatch", "smithy-rpc-v2-cbor", e);
  EXPECT_EQ(cbor.status, 400);
  EXPECT_EQ(cbor.headers.get("x-amzn-query-error"), "InvalidParameterValue;Sender");
  auto query = serialize("cloudwatch", "query", e);
  EXPECT_NE(query.body.find("<Code>InvalidParameterValue</Code>"), std::string::npos);
}

TEST(ModelErrors, RestJsonHasTheModelsStatus) {
  AwsError e = Errors("lambda")("ResourceNotFoundException", "Function not found: arn:aws:lambda:...");
  EXPECT_EQ(e.status, 404);
  auto res = serialize("lambda", "rest-json", e);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.headers.get("x-amzn-ErrorType"), "ResourceNotFoundException");
}

TEST(ModelErrors, RestXmlHasTheModelsStatus) {
  AwsError e = Errors("s3")("NoSuchBucket", "The specified bucket does not exist", Value{{"BucketName", "b"}});
  EXPECT_EQ(e.status, 404);
  auto res = serialize("s3", "rest-xml", e);
  EXPECT_EQ(res.status, 404);
  EXPECT_NE(res.body.find("<Code>NoSuchBucket</Code>"), std::string::npos);
  EXPECT_NE(res.body.find("<BucketName>b</BucketName>"), std::string::npos);
}

TEST(ModelErrors, UndeclaredErrorsTakeTheirTablesStatus) {
  Errors ec2("ec2", {{"Unavailable", 503}});
  AwsError missing = ec2("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist");
  EXPECT_EQ(missing.code, "InvalidInstanceID.NotFound");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(ec2("Unavailable", "later").status, 503);
  auto res = serialize("ec2", "ec2", missing);
  EXPECT_NE(res.body.find("<Code>InvalidInstanceID.NotFound</Code>"), std::string::npos);
}

}  // namespace
}  // namespace nuage::kit
