// The json protocol (awsJson 1.0/1.1) with the real models of SSM, EventBridge,
// CloudWatch Logs, Secrets Manager and DynamoDB.
#include <gtest/gtest.h>

#include <cmath>

#include "protocol/protocol_test_util.h"

namespace nuage::protocol {
namespace {

using namespace nuage::protocol::testing;

http::Request call(const std::string& target, std::string body, const char* version = "1.1") {
  return make_request("POST", "/", std::move(body),
                      {{"Content-Type", std::string("application/x-amz-json-") + version}, {"X-Amz-Target", target}});
}

class JsonTest : public ::testing::Test {
 protected:
  const Protocol& json = protocol_of("json");
  const model::Service& ssm = service("ssm");
  const model::Service& events = service("events");
  const model::Service& logs = service("logs");
};

TEST_F(JsonTest, IdentifiesByTarget) {
  EXPECT_EQ(identified(json, ssm, call("AmazonSSM.PutParameter", "{}")), "PutParameter");
  EXPECT_EQ(identified(json, events, call("AWSEvents.PutEvents", "{}")), "PutEvents");
  EXPECT_EQ(identified(json, logs, call("Logs_20140328.PutLogEvents", "{}")), "PutLogEvents");
  // Another service's prefix, an unknown operation, no target: all unknown.
  EXPECT_EQ(identified(json, ssm, call("AWSEvents.PutParameter", "{}")), "error:UnknownOperationException");
  EXPECT_EQ(identified(json, ssm, call("AmazonSSM.Nope", "{}")), "error:UnknownOperationException");
  EXPECT_EQ(identified(json, ssm, call("PutParameter", "{}")), "error:UnknownOperationException");
  EXPECT_EQ(identified(json, ssm, make_request("POST", "/", "{}")), "error:UnknownOperationException");
  auto op = json.identify(ssm, call("AmazonSSM.Nope", "{}"));
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.error().status, 400);
}

TEST_F(JsonTest, ParsesTypes) {
  Value v = parse_ok(json, ssm,
                     call("AmazonSSM.PutParameter",
                          R"({"Name":"/app/db","Value":"s3cr\u00e9t","Type":"SecureString","Overwrite":true,
                              "Tags":[{"Key":"env","Value":"prod"}],"Unknown":{"ignored":1}})"));
  EXPECT_EQ(v, (Value{{"Name", "/app/db"},
                      {"Value", "s3cr\xC3\xA9t"},
                      {"Type", "SecureString"},
                      {"Overwrite", true},
                      {"Tags", {{{"Key", "env"}, {"Value", "prod"}}}}}));
  // Maps of lists.
  v = parse_ok(json, ssm,
               call("AmazonSSM.SendCommand",
                    R"({"DocumentName":"AWS-RunShellScript","Parameters":{"commands":["ls","pwd"]},
                        "TimeoutSeconds":60})"));
  EXPECT_EQ(v["Parameters"], (Value{{"commands", {"ls", "pwd"}}}));
  EXPECT_EQ(v["TimeoutSeconds"], 60);
  // Null members are absent members.
  v = parse_ok(json, ssm, call("AmazonSSM.PutParameter", R"({"Name":"n","Value":"v","Type":null})"));
  EXPECT_FALSE(v.contains("Type"));
}

TEST_F(JsonTest, EmptyBodyIsEmptyInput) {
  EXPECT_EQ(parse_ok(json, ssm, call("AmazonSSM.DescribeParameters", "")), Value::object());
  EXPECT_EQ(parse_ok(json, ssm, call("AmazonSSM.DescribeParameters", " \n")), Value::object());
  EXPECT_EQ(parse_ok(json, ssm, call("AmazonSSM.DescribeParameters", "{}")), Value::object());
}

TEST_F(JsonTest, Timestamps) {
  // Epoch seconds, as botocore sends them (fractional allowed).
  Value v = parse_ok(json, events,
                     call("AWSEvents.PutEvents",
                          R"({"Entries":[{"Source":"app","DetailType":"t","Detail":"{}","Time":1795267073.5},
                                         {"Source":"app","Time":1795267073}]})"));
  EXPECT_DOUBLE_EQ(v["Entries"][0]["Time"].get<double>(), 1795267073.5);
  EXPECT_DOUBLE_EQ(v["Entries"][1]["Time"].get<double>(), 1795267073);
  // ISO 8601 strings are accepted too (other SDKs, hand-written JSON).
  v = parse_ok(json, events, call("AWSEvents.PutEvents", R"({"Entries":[{"Time":"2026-11-21T13:17:53Z"}]})"));
  EXPECT_DOUBLE_EQ(v["Entries"][0]["Time"].get<double>(), 1795267073);
  AwsError e = parse_error(json, events, call("AWSEvents.PutEvents", R"({"Entries":[{"Time":"yesterday"}]})"));
  EXPECT_EQ(e.code, "SerializationException");
  e = parse_error(json, events, call("AWSEvents.PutEvents", R"({"Entries":[{"Time":true}]})"));
  EXPECT_EQ(e.code, "SerializationException");
  // CloudWatch Logs timestamps are longs (milliseconds), not timestamps.
  v = parse_ok(json, logs,
               call("Logs_20140328.PutLogEvents",
                    R"({"logGroupName":"g","logStreamName":"s",
                        "logEvents":[{"timestamp":1795267073123,"message":"hello"}]})"));
  EXPECT_EQ(v["logEvents"][0]["timestamp"].get<int64_t>(), 1795267073123);
  e = parse_error(json, logs,
                  call("Logs_20140328.PutLogEvents",
                       R"({"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1.5,"message":"m"}]})"));
  EXPECT_EQ(e.code, "SerializationException");
}

TEST_F(JsonTest, Base64Blobs) {
  Value v = parse_ok(json, ssm,
                     call("AmazonSSM.RegisterTaskWithMaintenanceWindow",
                          R"({"WindowId":"mw-0123456789abcdef0","TaskArn":"f","TaskType":"LAMBDA",
                              "TaskInvocationParameters":{"Lambda":{"Payload":"AP9oaQ=="}}})"));
  EXPECT_EQ(v["TaskInvocationParameters"]["Lambda"]["Payload"], blob(std::string("\x00\xffhi", 4)));
  AwsError e = parse_error(json, ssm,
                           call("AmazonSSM.RegisterTaskWithMaintenanceWindow",
                                R"({"WindowId":"w","TaskArn":"f","TaskType":"LAMBDA",
                                    "TaskInvocationParameters":{"Lambda":{"Payload":"not base64!"}}})"));
  EXPECT_EQ(e.code, "SerializationException");
  EXPECT_EQ(e.status, 400);
  const model::Service& sm = service("secretsmanager");
  v = parse_ok(json, sm, call("secretsmanager.CreateSecret", R"({"Name":"s","SecretBinary":"AA=="})"));
  EXPECT_EQ(v["SecretBinary"], blob(std::string(1, '\0')));
}

TEST_F(JsonTest, WrongTypesAreSerializationExceptions) {
  struct Case {
    const char* body;
    const char* where;
  };
  for (const Case& c : {Case{R"({"Name":5,"Value":"v"})", "Name"},
                        Case{R"({"Name":"n","Value":"v","Overwrite":"yes"})", "Overwrite"},
                        Case{R"({"Name":"n","Value":"v","Tags":{"Key":"k"}})", "Tags"},
                        Case{R"({"Name":"n","Value":"v","Tags":["k"]})", "Tags"},
                        Case{R"({"Name":"n","Value":"v","Tags":[{"Key":1,"Value":"v"}]})", "Tags.member.Key"},
                        Case{R"({"Name":["n"],"Value":"v"})", "Name"}}) {
    AwsError e = parse_error(json, ssm, call("AmazonSSM.PutParameter", c.body));
    EXPECT_EQ(e.code, "SerializationException") << c.body;
    EXPECT_EQ(e.status, 400);
    EXPECT_NE(e.message.find(c.where), std::string::npos) << e.message;
  }
  AwsError e = parse_error(json, ssm, call("AmazonSSM.SendCommand", R"({"DocumentName":"d","TimeoutSeconds":"60"})"));
  EXPECT_EQ(e.code, "SerializationException");
  e = parse_error(json, ssm, call("AmazonSSM.SendCommand", R"({"DocumentName":"d","TimeoutSeconds":1.5})"));
  EXPECT_EQ(e.code, "SerializationException");
}

TEST_F(JsonTest, MalformedBodies) {
  for (const char* body : {"{", "[]", "\"str\"", "42", "{\"Name\":}", "null"}) {
    AwsError e = parse_error(json, ssm, call("AmazonSSM.PutParameter", body));
    EXPECT_EQ(e.code, "SerializationException") << body;
    EXPECT_EQ(e.status, 400);
  }
}

TEST_F(JsonTest, MissingRequiredIsValidationException) {
  AwsError e = parse_error(json, ssm, call("AmazonSSM.PutParameter", R"({"Value":"v"})"));
  EXPECT_EQ(e.code, "ValidationException");
  EXPECT_EQ(e.message,
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
  e = parse_error(json, logs,
                  call("Logs_20140328.PutLogEvents",
                       R"({"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1}]})"));
  EXPECT_EQ(e.code, "InvalidParameterException");  // CloudWatch Logs' code for validation errors
  EXPECT_NE(e.message.find("message"), std::string::npos) << e.message;
}

TEST_F(JsonTest, SerializesOutput) {
  Output out;
  out.value = {{"Parameter",
                {{"Name", "/app/db"},
                 {"Type", "String"},
                 {"Value", "v"},
                 {"Version", 3},
                 {"LastModifiedDate", 1795267073.25},
                 {"ARN", nullptr}}}};
  http::Response res = json.serialize(ssm, operation(ssm, "GetParameter"), out, "req-1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(res.headers.get("x-amzn-requestid"), "req-1");
  Value body = Value::parse(res.body);
  EXPECT_EQ(body["Parameter"]["Name"], "/app/db");
  EXPECT_EQ(body["Parameter"]["Version"], 3);
  EXPECT_DOUBLE_EQ(body["Parameter"]["LastModifiedDate"].get<double>(), 1795267073.25);
  EXPECT_FALSE(body["Parameter"].contains("ARN"));  // nulls are left out

  // ISO strings given by a provider go out as epoch numbers.
  out.value["Parameter"]["LastModifiedDate"] = "2026-11-21T13:17:53Z";
  body = Value::parse(json.serialize(ssm, operation(ssm, "GetParameter"), out, "r").body);
  EXPECT_DOUBLE_EQ(body["Parameter"]["LastModifiedDate"].get<double>(), 1795267073);

  // Operations without output answer {}.
  const model::Service& ddb = service("dynamodb");
  const model::Operation& op = operation(service("events"), "PutPermission");
  ASSERT_EQ(op.output.shape, nullptr);
  res = json.serialize(events, op, Output{}, "r");
  EXPECT_EQ(res.body, "{}");
  // DynamoDB speaks json 1.0.
  res = json.serialize(ddb, operation(ddb, "ListTables"), Output{}, "r");
  EXPECT_EQ(res.headers.get("content-type"), "application/x-amz-json-1.0");
}

TEST_F(JsonTest, SerializesBlobsAndSpecialFloats) {
  const model::Service& sm = service("secretsmanager");
  Output out;
  out.value = {{"Name", "s"}, {"SecretBinary", blob(std::string("\x00\xffhi", 4))}, {"CreatedDate", 0}};
  Value body = Value::parse(json.serialize(sm, operation(sm, "GetSecretValue"), out, "r").body);
  EXPECT_EQ(body["SecretBinary"], "AP9oaQ==");
  EXPECT_EQ(body["CreatedDate"], 0);

  const model::Service& cw = service("cloudwatch");
  out.value = {{"MetricDataResults", {{{"Id", "m"}, {"Values", {1.5, std::nan(""), HUGE_VAL, -HUGE_VAL}}}}}};
  body = Value::parse(json.serialize(cw, operation(cw, "GetMetricData"), out, "r").body);
  EXPECT_EQ(body["MetricDataResults"][0]["Values"], (Value{1.5, "NaN", "Infinity", "-Infinity"}));
}

TEST_F(JsonTest, SerializesErrors) {
  AwsError e{"ParameterNotFound", "Parameter /x not found.", 400};
  http::Response res = json.serialize_error(ssm, e, "req-2");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.headers.get("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(res.headers.get("x-amzn-requestid"), "req-2");
  EXPECT_FALSE(res.headers.contains("x-amzn-query-error"));
  Value body = Value::parse(res.body);
  EXPECT_EQ(body, (Value{{"__type", "ParameterNotFound"}, {"message", "Parameter /x not found."}}));

  // Extra fields of the error shape sit beside __type and message.
  AwsError cancel{"TransactionCanceledException", "Transaction cancelled", 400,
                  Value{{"CancellationReasons", {{{"Code", "None"}}}}}};
  const model::Service& ddb = service("dynamodb");
  body = Value::parse(json.serialize_error(ddb, cancel, "r").body);
  EXPECT_EQ(body["__type"], "TransactionCanceledException");
  EXPECT_EQ(body["CancellationReasons"][0]["Code"], "None");

  // awsQueryCompatible services also name the query error code.
  const model::Service& cw = service("cloudwatch");
  res = json.serialize_error(cw, AwsError{"ResourceNotFound", "no", 404}, "r");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.headers.get("x-amzn-query-error"), "ResourceNotFound;Sender");
  res = json.serialize_error(cw, internal_error("x"), "r");
  EXPECT_EQ(res.headers.get("x-amzn-query-error"), "InternalError;Receiver");
}

}  // namespace
}  // namespace nuage::protocol
