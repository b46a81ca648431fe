// The input validator (validate.h) on shapes of the real models: AWS's
// wording per protocol, every kind of constraint, and what is not walked.
#include "protocol/validate.h"

#include <gtest/gtest.h>

#include "protocol/protocol_test_util.h"

namespace nuage::protocol {
namespace {

using namespace nuage::protocol::testing;

const model::Shape& input(const char* svc, const char* op) { return *operation(service(svc), op).input.shape; }

std::string message(const Status& s) { return s.ok() ? "(ok)" : s.error().message; }

Status check(const char* svc, const model::Shape& shape, const Value& value, std::string_view style) {
  return validate_input(service(svc), shape, value, style);
}

TEST(Validate, RequiredWording) {
  const model::Service& ssm = service("ssm");
  const model::Shape& put = *ssm.find_operation("PutParameter")->input.shape;
  EXPECT_TRUE(check("ssm", put, Value{{"Name", "n"}, {"Value", "v"}}, "json").ok());
  Status s = check("ssm", put, Value{{"Name", "n"}}, "json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "ValidationException");
  EXPECT_EQ(s.error().message,
            "1 validation error detected: Value null at 'value' failed to satisfy constraint: Member must not be null");
  s = check("ssm", put, Value{{"Name", "n"}, {"Value", nullptr}}, "query");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "ValidationError");
  s = check("ssm", put, Value{{"Name", "n"}}, "ec2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "MissingParameter");
  EXPECT_EQ(s.error().message, "The request must contain the parameter Value");
  // Nested: inside list elements and maps.
  s = check("ssm", put, Value{{"Name", "n"}, {"Value", "v"}, {"Tags", {{{"Key", "k"}}}}}, "json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("'tags.1.member.value'"), std::string::npos) << s.error().message;
  // Streaming payloads are not in the value and never missing.
  const model::Service& s3 = service("s3");
  EXPECT_TRUE(check("s3", *s3.find_operation("PutObject")->input.shape, Value{{"Bucket", "b"}, {"Key", "k"}},
                             "rest-xml")
                  .ok());
}


TEST(Validate, LengthAndPatternInQueryWording) {
  const auto& create_user = input("iam", "CreateUser");
  EXPECT_TRUE(check("iam", create_user, Value{{"UserName", "alice"}}, "query").ok());
  std::string long_name(65, 'a');
  Status s = check("iam", create_user, Value{{"UserName", long_name}}, "query");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "ValidationError");
  EXPECT_EQ(s.error().status, 400);
  EXPECT_EQ(s.error().message, "1 validation error detected: Value '" + long_name +
                                   "' at 'userName' failed to satisfy constraint: Member must have length less "
                                   "than or equal to 64");
  s = check("iam", create_user, Value{{"UserName", "bad name!"}}, "query");
  EXPECT_EQ(message(s),
            "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: [\\w+=,.@-]+");
  // Two failures of one value, then of two members: all of them, "; "-separated.
  s = check("iam", create_user, Value{{"UserName", ""}, {"Path", "x"}}, "query");
  EXPECT_EQ(message(s),
            "3 validation errors detected: Value 'x' at 'path' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); Value '' at 'userName' failed "
            "to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; Value '' at "
            "'userName' failed to satisfy constraint: Member must have length greater than or equal to 1");
}

TEST(Validate, LengthCountsCodePoints) {
  const auto& create_user = input("iam", "CreateUser");
  // 64 two-byte characters: 128 bytes, 64 characters. \w is ASCII (Java), so
  // the pattern refuses them — but not the length.
  std::string name;
  for (int i = 0; i < 64; ++i) name += "\xC3\xA9";
  Status s = check("iam", create_user, Value{{"UserName", name}}, "query");
  EXPECT_EQ(message(s).find("length"), std::string::npos) << message(s);
}

TEST(Validate, ListsOfStructuresAndListSizes) {
  const auto& tag_user = input("iam", "TagUser");
  Value tags = Value::array();
  for (int i = 0; i < 51; ++i) tags.push_back({{"Key", "k" + std::to_string(i)}, {"Value", "v"}});
  Status s = check("iam", tag_user, Value{{"UserName", "u"}, {"Tags", tags}}, "query");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.rfind("1 validation error detected: Value '[{Key=k0, Value=v}, {Key=k1, Value=v}", 0), 0u)
      << message(s);
  EXPECT_NE(message(s).find("' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"),
            std::string::npos);
  s = check("iam", tag_user, Value{{"UserName", "u"}, {"Tags", {{{"Key", std::string(129, 'k')}, {"Value", "v"}}}}},
                     "query");
  EXPECT_EQ(message(s), "1 validation error detected: Value '" + std::string(129, 'k') +
                            "' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than "
                            "or equal to 128");
}

TEST(Validate, ListsOfScalarsMapsAndEnums) {
  // SSM GetParameters: Names, a list of 1..10 names of at most 2048 characters.
  const auto& get = input("ssm", "GetParameters");
  Status s = check("ssm", get, Value{{"Names", {"a", std::string(2049, 'n')}}}, "json");
  EXPECT_EQ(s.error().code, "ValidationException");
  EXPECT_EQ(message(s), "1 validation error detected: Value '[a, " + std::string(2049, 'n') +
                            "]' at 'names' failed to satisfy constraint: Member must satisfy constraint: [Member must "
                            "have length less than or equal to 2048, Member must have length greater than or equal to 1]");
  // Enums list their values in the model's order.
  const auto& put = input("ssm", "PutParameter");
  s = check("ssm", put, Value{{"Name", "n"}, {"Value", "v"}, {"Type", "Blob"}}, "json");
  EXPECT_EQ(message(s),
            "1 validation error detected: Value 'Blob' at 'type' failed to satisfy constraint: Member must satisfy "
            "enum value set: [String, StringList, SecureString]");
  // Sensitive values are not echoed.
  s = check("sts", input("sts", "AssumeRole"),
                     Value{{"RoleArn", "arn:aws:iam::000000000000:role/r"}, {"RoleSessionName", "s"}}, "query");
  EXPECT_EQ(message(s),
            "1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must "
            "have length greater than or equal to 2");
  // Map keys: every constraint of the key shape is listed (Lambda's
  // environment variables are sensitive: the value is not echoed).
  const auto& create = input("lambda", "CreateFunction");
  s = check("lambda", create, Value{{"FunctionName", "f"}, {"Role", "arn:aws:iam::000000000000:role/r"},
                                   {"Code", Value::object()},
                                   {"Environment", {{"Variables", {{"A", "1"}}}}}},
                     "rest-json");
  EXPECT_EQ(s.error().code, "ValidationException");
  EXPECT_EQ(message(s),
            "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys "
            "must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
}

TEST(Validate, NumbersAndUriMembers) {
  const auto& get_events = input("logs", "GetLogEvents");
  Status s = check("logs", get_events, Value{{"logStreamName", "s"}, {"limit", 0}}, "json");
  EXPECT_EQ(s.error().code, "InvalidParameterException");  // CloudWatch Logs' code for these
  EXPECT_EQ(message(s),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1");
  // Lambda's FunctionName is bound to the URI: checked like any member.
  s = check("lambda", input("lambda", "Invoke"), Value{{"FunctionName", "../../x"}}, "rest-json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.rfind("1 validation error detected: Value '../../x' at 'functionName' failed to "
                                    "satisfy constraint: Member must satisfy regular expression pattern: ",
                                    0),
            0u)
      << message(s);
}

TEST(Validate, Ec2AndS3Wording) {
  const auto& run = input("ec2", "RunInstances");
  Status s = check("ec2", run, Value{{"MinCount", 1}, {"MaxCount", 1}, {"InstanceType", "t9.bogus"}}, "ec2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "InvalidParameterValue");
  EXPECT_EQ(s.error().message, "Invalid value 't9.bogus' for InstanceType.");
  const auto& put = input("s3", "PutObject");
  s = check("s3", put, Value{{"Bucket", "b"}, {"Key", "k"}, {"StorageClass", "CHEAP"}}, "rest-xml");
  EXPECT_EQ(s.error().code, "InvalidStorageClass");
  s = check("s3", put, Value{{"Bucket", "b"}, {"Key", "k"}, {"ACL", "everyone"}}, "rest-xml");
  EXPECT_EQ(s.error().code, "InvalidArgument");
  EXPECT_EQ(s.error().fields.value("ArgumentName", ""), "x-amz-acl");
  EXPECT_EQ(s.error().fields.value("ArgumentValue", ""), "everyone");
}

TEST(Validate, UnconstrainedShapesAreNotWalked) {
  // A shape with nothing to check anywhere below it is passed without a walk.
  const model::Shape& describe = input("ec2", "DescribeRegions");
  EXPECT_TRUE(check("ec2", describe, Value{{"RegionNames", {"x"}}}, "ec2").ok());
  // The loader marks containers of constrained shapes.
  EXPECT_TRUE(input("iam", "TagUser").constrained);
  EXPECT_TRUE(service("iam").find_shape("tagListType")->constrained);
}

}  // namespace
}  // namespace nuage::protocol
