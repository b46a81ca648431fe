// The query (IAM, STS, CloudWatch) and ec2 protocols, with the real models:
// requests written as botocore serializes them, responses checked as
// botocore's parsers read them.
#include <gtest/gtest.h>

#include "protocol/protocol_test_util.h"

namespace nuage::protocol {
namespace {

using namespace nuage::protocol::testing;

const char* kForm = "application/x-www-form-urlencoded; charset=utf-8";

http::Request form(std::string body) { return make_request("POST", "/", std::move(body), {{"Content-Type", kForm}}); }

class QueryTest : public ::testing::Test {
 protected:
  const Protocol& query = protocol_of("query");
  const Protocol& ec2p = protocol_of("ec2");
  const model::Service& iam = service("iam");
  const model::Service& sts = service("sts");
  const model::Service& ec2 = service("ec2");
};

// --- identify ---------------------------------------------------------------

TEST_F(QueryTest, IdentifiesActionFromBodyOrQueryString) {
  EXPECT_EQ(identified(query, sts, form("Action=GetCallerIdentity&Version=2011-06-15")), "GetCallerIdentity");
  EXPECT_EQ(identified(query, sts, make_request("GET", "/?Action=GetCallerIdentity&Version=2011-06-15")),
            "GetCallerIdentity");
  EXPECT_EQ(identified(query, sts, form("Version=2011-06-15")), "error:MissingAction");
  EXPECT_EQ(identified(query, sts, form("Action=&Version=2011-06-15")), "error:MissingAction");
  EXPECT_EQ(identified(query, sts, form("Action=CreateRole")), "error:InvalidAction");
  EXPECT_EQ(identified(query, sts, form("Action=%zz")), "error:MalformedQueryString");
  auto err = query.identify(sts, form("Action=Nope"));
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().status, 400);
  EXPECT_EQ(err.error().message, "The action Nope is not valid for this web service.");
}

TEST_F(QueryTest, BodyOfOtherContentTypeIsNotForm) {
  auto r = make_request("POST", "/?Action=GetCallerIdentity", "Action=AssumeRole", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(identified(query, sts, r), "GetCallerIdentity");
  // No Content-Type at all: a form body is assumed (what old clients send).
  EXPECT_EQ(identified(query, sts, make_request("POST", "/", "Action=GetCallerIdentity")), "GetCallerIdentity");
}

// --- parse ------------------------------------------------------------------

TEST_F(QueryTest, IamCreateRoleWithTags) {
  Value v = parse_ok(query, iam,
                     form("Action=CreateRole&Version=2010-05-08&RoleName=app&Path=%2Fsvc%2F"
                          "&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D"
                          "&MaxSessionDuration=7200"
                          "&Tags.member.1.Key=env&Tags.member.1.Value=prod"
                          "&Tags.member.2.Key=team&Tags.member.2.Value=a+b%2Bc"));
  EXPECT_EQ(v, (Value{{"RoleName", "app"},
                      {"Path", "/svc/"},
                      {"AssumeRolePolicyDocument", "{\"Version\":\"2012-10-17\"}"},
                      {"MaxSessionDuration", 7200},
                      {"Tags", {{{"Key", "env"}, {"Value", "prod"}}, {{"Key", "team"}, {"Value", "a b+c"}}}}}));
  EXPECT_TRUE(v["MaxSessionDuration"].is_number_integer());
}

TEST_F(QueryTest, ListStopsAtFirstGap) {
  Value v = parse_ok(query, iam,
                     form("Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=d"
                          "&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.3.Key=c&Tags.member.3.Value=3"));
  ASSERT_EQ(v["Tags"].size(), 1u);
  EXPECT_EQ(v["Tags"][0]["Key"], "a");
}

TEST_F(QueryTest, StsAssumeRole) {
  Value v = parse_ok(query, sts,
                     form("Action=AssumeRole&Version=2011-06-15"
                          "&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fapp&RoleSessionName=s1"
                          "&DurationSeconds=900&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FX"
                          "&TransitiveTagKeys.member.1=env&TransitiveTagKeys.member.2=team"));
  EXPECT_EQ(v, (Value{{"RoleArn", "arn:aws:iam::000000000000:role/app"},
                      {"RoleSessionName", "s1"},
                      {"DurationSeconds", 900},
                      {"PolicyArns", {{{"arn", "arn:aws:iam::aws:policy/X"}}}},
                      {"TransitiveTagKeys", {"env", "team"}}}));
}

TEST_F(QueryTest, EmptyListIsSentAsBareName) {
  Value v = parse_ok(query, sts, form("Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A0%3Arole%2Fr&RoleSessionName=s1&PolicyArns=&Tags="));
  EXPECT_EQ(v["PolicyArns"], Value::array());
  EXPECT_EQ(v["Tags"], Value::array());
  // A non-empty scalar under the list's own name is not a list.
  v = parse_ok(query, sts, form("Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A0%3Arole%2Fr&RoleSessionName=s1&PolicyArns=x"));
  EXPECT_FALSE(v.contains("PolicyArns"));
}

TEST_F(QueryTest, MissingRequiredIsValidationError) {
  AwsError e = parse_error(query, sts, form("Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A0%3Arole%2Fr"));
  EXPECT_EQ(e.code, "ValidationError");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.message,
            "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: "
            "Member must not be null");
  // Required members of list elements too.
  e = parse_error(query, iam, form("Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=d&Tags.member.1.Key=k"));
  EXPECT_EQ(e.code, "ValidationError");
  EXPECT_NE(e.message.find("'tags.1.member.value'"), std::string::npos) << e.message;
}

TEST_F(QueryTest, BadScalarsAreValidationErrors) {
  AwsError e = parse_error(query, sts, form("Action=AssumeRole&RoleArn=a&RoleSessionName=s&DurationSeconds=ten"));
  EXPECT_EQ(e.code, "ValidationError");
  EXPECT_EQ(e.status, 400);
  EXPECT_NE(e.message.find("DurationSeconds"), std::string::npos);
  e = parse_error(query, sts, form("Action=AssumeRole&RoleArn=a&RoleSessionName=s&DurationSeconds=99999999999"));
  EXPECT_EQ(e.code, "ValidationError");  // beyond a 32-bit integer
}

TEST_F(QueryTest, MapsWithEntryKeyValue) {
  // CloudWatch also speaks query; PutMetricData's entity attributes are maps.
  const model::Service& cw = service("cloudwatch");
  Value v = parse_ok(query, cw,
                     form("Action=PutMetricData&Version=2010-08-01&Namespace=App"
                          "&EntityMetricData.member.1.Entity.KeyAttributes.entry.1.key=Type"
                          "&EntityMetricData.member.1.Entity.KeyAttributes.entry.1.value=Service"
                          "&EntityMetricData.member.1.Entity.KeyAttributes.entry.2.key=Name"
                          "&EntityMetricData.member.1.Entity.KeyAttributes.entry.2.value=api"
                          "&EntityMetricData.member.1.MetricData.member.1.MetricName=Latency"
                          "&EntityMetricData.member.1.MetricData.member.1.Value=1.5"
                          "&EntityMetricData.member.1.MetricData.member.1.Timestamp=2026-11-21T13%3A17%3A53Z"
                          "&EntityMetricData.member.1.MetricData.member.1.Dimensions.member.1.Name=host"
                          "&EntityMetricData.member.1.MetricData.member.1.Dimensions.member.1.Value=a"));
  const Value& e = v["EntityMetricData"][0];
  EXPECT_EQ(e["Entity"]["KeyAttributes"], (Value{{"Type", "Service"}, {"Name", "api"}}));
  const Value& d = e["MetricData"][0];
  EXPECT_EQ(d["MetricName"], "Latency");
  EXPECT_DOUBLE_EQ(d["Value"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(d["Timestamp"].get<double>(), 1795267073);
  EXPECT_EQ(d["Dimensions"], (Value{{{"Name", "host"}, {"Value", "a"}}}));
}

// No query model nuage embeds has flattened input lists or maps (SQS and SNS
// do); a small model checks botocore's rules for them.
TEST_F(QueryTest, FlattenedListsAndMaps) {
  auto svc = model::parse_service("flat", R"({
    "metadata": {"apiVersion": "2012-11-05", "protocol": "query", "endpointPrefix": "flat",
                 "xmlNamespace": "http://flat/doc/"},
    "operations": {"Send": {"name": "Send", "http": {"method": "POST", "requestUri": "/"},
                            "input": {"shape": "SendIn"},
                            "output": {"shape": "SendOut", "resultWrapper": "SendResult"}}},
    "shapes": {
      "SendIn": {"type": "structure", "members": {
        "Ids": {"shape": "IdList"},
        "Names": {"shape": "NameList", "locationName": "Name"},
        "Attrs": {"shape": "AttrMap", "locationName": "Attribute"},
        "Wrapped": {"shape": "WrappedList"},
        "Labels": {"shape": "LabelMap"}}},
      "SendOut": {"type": "structure", "members": {
        "Ids": {"shape": "IdList"}, "Names": {"shape": "NameList"}, "Attrs": {"shape": "AttrMap", "locationName": "Attribute"},
        "Wrapped": {"shape": "WrappedList"}}},
      "IdList": {"type": "list", "member": {"shape": "S"}, "flattened": true},
      "NameList": {"type": "list", "member": {"shape": "S", "locationName": "Name"}, "flattened": true},
      "WrappedList": {"type": "list", "member": {"shape": "S", "locationName": "Item"}},
      "AttrMap": {"type": "map", "key": {"shape": "S", "locationName": "Name"},
                  "value": {"shape": "S", "locationName": "Value"}, "flattened": true},
      "LabelMap": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}},
      "S": {"type": "string"}}
  })");
  ASSERT_TRUE(svc);
  Value v = parse_ok(query, *svc,
                     form("Action=Send&Ids.1=a&Ids.2=b&Name.1=n1&Attribute.1.Name=k&Attribute.1.Value=v"
                          "&Attribute.2.Name=k2&Attribute.2.Value=v2&Wrapped.Item.1=w"
                          "&Labels.entry.1.key=lk&Labels.entry.1.value=lv"));
  EXPECT_EQ(v["Ids"], (Value{"a", "b"}));
  EXPECT_EQ(v["Names"], (Value{"n1"}));
  EXPECT_EQ(v["Attrs"], (Value{{"k", "v"}, {"k2", "v2"}}));
  EXPECT_EQ(v["Wrapped"], (Value{"w"}));
  EXPECT_EQ(v["Labels"], (Value{{"lk", "lv"}}));
  // Wrapped forms are not accepted for flattened members and vice versa.
  v = parse_ok(query, *svc, form("Action=Send&Ids.member.1=a&Wrapped.1=w"));
  EXPECT_FALSE(v.contains("Ids"));
  EXPECT_FALSE(v.contains("Wrapped"));

  // Serialized the same way botocore's parser reads it.
  Output out;
  out.value = {{"Ids", {"a", "b"}}, {"Names", {"n"}}, {"Attrs", {{"k", "v"}}}, {"Wrapped", {"w1", "w2"}}};
  http::Response res = query.serialize(*svc, operation(*svc, "Send"), out, "rid");
  auto doc = parse_xml(res.body);
  auto result = doc.child("SendResponse").child("SendResult");
  EXPECT_EQ(std::distance(result.children("Ids").begin(), result.children("Ids").end()), 2);
  EXPECT_STREQ(result.child("Name").child_value(), "n");
  EXPECT_STREQ(result.child("Attribute").child("Name").child_value(), "k");
  EXPECT_STREQ(result.child("Attribute").child("Value").child_value(), "v");
  EXPECT_STREQ(result.child("Wrapped").first_child().name(), "Item");
  EXPECT_STREQ(result.child("Wrapped").last_child().child_value(), "w2");
}

// --- query serializers ------------------------------------------------------

TEST_F(QueryTest, SerializesResultWrapperAndResponseMetadata) {
  Output out;
  out.value = {{"Role",
                {{"RoleName", "app"},
                 {"Path", "/"},
                 {"RoleId", "AROA1"},
                 {"Arn", "arn:aws:iam::000000000000:role/app"},
                 {"CreateDate", 1795267073},
                 {"MaxSessionDuration", 3600},
                 {"Tags", {{{"Key", "env"}, {"Value", "<prod>&"}}}}}}};
  http::Response res = query.serialize(iam, operation(iam, "CreateRole"), out, "req-1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("content-type"), "text/xml");
  EXPECT_EQ(res.headers.get("x-amzn-requestid"), "req-1");
  EXPECT_EQ(res.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
  auto doc = parse_xml(res.body);
  auto root = doc.child("CreateRoleResponse");
  ASSERT_TRUE(root);
  EXPECT_STREQ(root.attribute("xmlns").value(), "https://iam.amazonaws.com/doc/2010-05-08/");
  EXPECT_EQ(xpath_text(doc, "/CreateRoleResponse/CreateRoleResult/Role/RoleName"), "app");
  EXPECT_EQ(xpath_text(doc, "/CreateRoleResponse/CreateRoleResult/Role/CreateDate"), "2026-11-21T13:17:53Z");
  EXPECT_EQ(xpath_text(doc, "/CreateRoleResponse/CreateRoleResult/Role/MaxSessionDuration"), "3600");
  EXPECT_EQ(xpath_text(doc, "/CreateRoleResponse/CreateRoleResult/Role/Tags/member/Value"), "<prod>&");
  EXPECT_EQ(xpath_text(doc, "/CreateRoleResponse/ResponseMetadata/RequestId"), "req-1");
  // ResponseMetadata follows the result, as AWS writes it.
  EXPECT_STREQ(root.first_child().name(), "CreateRoleResult");
  EXPECT_STREQ(root.last_child().name(), "ResponseMetadata");
}

TEST_F(QueryTest, SerializesOperationWithoutOutput) {
  const model::Operation& op = operation(iam, "DeleteRole");
  ASSERT_EQ(op.output.shape, nullptr);
  http::Response res = query.serialize(iam, op, Output{}, "r");
  auto doc = parse_xml(res.body);
  EXPECT_TRUE(doc.child("DeleteRoleResponse").child("ResponseMetadata"));
  EXPECT_FALSE(doc.child("DeleteRoleResponse").child("DeleteRoleResult"));
}

TEST_F(QueryTest, SerializesErrorDocument) {
  AwsError e{"NoSuchEntity", "The role with name x cannot be found.", 404};
  http::Response res = query.serialize_error(iam, e, "req-2");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.headers.get("x-amzn-requestid"), "req-2");
  auto doc = parse_xml(res.body);
  EXPECT_STREQ(doc.child("ErrorResponse").attribute("xmlns").value(), "https://iam.amazonaws.com/doc/2010-05-08/");
  EXPECT_EQ(xpath_text(doc, "/ErrorResponse/Error/Type"), "Sender");
  EXPECT_EQ(xpath_text(doc, "/ErrorResponse/Error/Code"), "NoSuchEntity");
  EXPECT_EQ(xpath_text(doc, "/ErrorResponse/Error/Message"), "The role with name x cannot be found.");
  EXPECT_EQ(xpath_text(doc, "/ErrorResponse/RequestId"), "req-2");

  res = query.serialize_error(sts, internal_error("x"), "r");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(xpath_text(parse_xml(res.body), "/ErrorResponse/Error/Type"), "Receiver");
}

// --- ec2 --------------------------------------------------------------------

TEST_F(QueryTest, Ec2RunInstances) {
  Value v = parse_ok(ec2p, ec2,
                     form("Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=2"
                          "&InstanceType=t3.micro&DryRun=false&EbsOptimized=TRUE"
                          "&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2"
                          "&TagSpecification.1.ResourceType=instance"
                          "&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web"
                          "&TagSpecification.1.Tag.2.Key=env&TagSpecification.1.Tag.2.Value="
                          "&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fxvda"
                          "&BlockDeviceMapping.1.Ebs.VolumeSize=20&BlockDeviceMapping.1.Ebs.DeleteOnTermination=true"
                          "&Monitoring.Enabled=true"));
  EXPECT_EQ(v["ImageId"], "ami-1");
  EXPECT_EQ(v["MinCount"], 1);
  EXPECT_EQ(v["MaxCount"], 2);
  EXPECT_EQ(v["DryRun"], false);
  EXPECT_EQ(v["EbsOptimized"], true);
  EXPECT_EQ(v["SecurityGroupIds"], (Value{"sg-1", "sg-2"}));
  EXPECT_EQ(v["TagSpecifications"],
            (Value{{{"ResourceType", "instance"},
                    {"Tags", {{{"Key", "Name"}, {"Value", "web"}}, {{"Key", "env"}, {"Value", ""}}}}}}));
  EXPECT_EQ(v["BlockDeviceMappings"][0]["DeviceName"], "/dev/xvda");
  EXPECT_EQ(v["BlockDeviceMappings"][0]["Ebs"], (Value{{"VolumeSize", 20}, {"DeleteOnTermination", true}}));
  EXPECT_EQ(v["Monitoring"], (Value{{"Enabled", true}}));
}

TEST_F(QueryTest, Ec2FiltersWithValues) {
  Value v = parse_ok(ec2p, ec2,
                     form("Action=DescribeInstances&Filter.1.Name=tag%3AName&Filter.1.Value.1=web"
                          "&Filter.1.Value.2=db&Filter.2.Name=instance-state-name&Filter.2.Value.1=running"
                          "&InstanceId.1=i-1&MaxResults=5"));
  EXPECT_EQ(v["Filters"], (Value{{{"Name", "tag:Name"}, {"Values", {"web", "db"}}},
                                 {{"Name", "instance-state-name"}, {"Values", {"running"}}}}));
  EXPECT_EQ(v["InstanceIds"], (Value{"i-1"}));
  EXPECT_EQ(v["MaxResults"], 5);
  // The query protocol's "member" form is not ec2's.
  v = parse_ok(ec2p, ec2, form("Action=DescribeInstances&Filter.member.1.Name=x"));
  EXPECT_FALSE(v.contains("Filters"));
}

TEST_F(QueryTest, Ec2BadIntegerAndBoolean) {
  AwsError e = parse_error(ec2p, ec2, form("Action=RunInstances&MinCount=one&MaxCount=1"));
  EXPECT_EQ(e.code, "InvalidParameterValue");
  EXPECT_EQ(e.status, 400);
  EXPECT_NE(e.message.find("MinCount"), std::string::npos);
  e = parse_error(ec2p, ec2, form("Action=RunInstances&MinCount=1.5&MaxCount=1"));
  EXPECT_EQ(e.code, "InvalidParameterValue");
  e = parse_error(ec2p, ec2, form("Action=RunInstances&MinCount=1&MaxCount=1&DryRun=yes"));
  EXPECT_EQ(e.code, "InvalidParameterValue");
  e = parse_error(ec2p, ec2, form("Action=DescribeInstances&MaxResults="));
  EXPECT_EQ(e.code, "InvalidParameterValue");
}

TEST_F(QueryTest, Ec2MissingRequiredIsMissingParameter) {
  AwsError e = parse_error(ec2p, ec2, form("Action=RunInstances&ImageId=ami-1&MaxCount=1"));
  EXPECT_EQ(e.code, "MissingParameter");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.message, "The request must contain the parameter MinCount");
}

TEST_F(QueryTest, Ec2SerializesRequestIdAndItems) {
  Output out;
  out.value = {{"Reservations",
                {{{"ReservationId", "r-1"},
                  {"OwnerId", "000000000000"},
                  {"Instances",
                   {{{"InstanceId", "i-1"},
                     {"LaunchTime", 1795267073.5},
                     {"EbsOptimized", false},
                     {"Tags", {{{"Key", "Name"}, {"Value", "web"}}}}}}}}}}};
  http::Response res = ec2p.serialize(ec2, operation(ec2, "DescribeInstances"), out, "req-3");
  EXPECT_EQ(res.status, 200);
  auto doc = parse_xml(res.body);
  auto root = doc.child("DescribeInstancesResponse");
  ASSERT_TRUE(root);
  EXPECT_EQ(root.attribute("xmlns").value(), ec2.xml_namespace);
  // ec2: requestId first, no result wrapper, no ResponseMetadata.
  EXPECT_STREQ(root.first_child().name(), "requestId");
  EXPECT_STREQ(root.first_child().child_value(), "req-3");
  EXPECT_FALSE(root.child("ResponseMetadata"));
  EXPECT_EQ(xpath_text(doc, "/DescribeInstancesResponse/reservationSet/item/reservationId"), "r-1");
  EXPECT_EQ(xpath_text(doc, "/DescribeInstancesResponse/reservationSet/item/instancesSet/item/instanceId"), "i-1");
  EXPECT_EQ(xpath_text(doc, "/DescribeInstancesResponse/reservationSet/item/instancesSet/item/launchTime"),
            "2026-11-21T13:17:53.500Z");
  EXPECT_EQ(xpath_text(doc, "/DescribeInstancesResponse/reservationSet/item/instancesSet/item/ebsOptimized"),
            "false");
  EXPECT_EQ(xpath_text(doc, "/DescribeInstancesResponse/reservationSet/item/instancesSet/item/tagSet/item/key"),
            "Name");
}

TEST_F(QueryTest, Ec2SerializesErrorDocument) {
  AwsError e{"InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist", 400};
  http::Response res = ec2p.serialize_error(ec2, e, "req-4");
  EXPECT_EQ(res.status, 400);
  auto doc = parse_xml(res.body);
  EXPECT_EQ(xpath_text(doc, "/Response/Errors/Error/Code"), "InvalidInstanceID.NotFound");
  EXPECT_EQ(xpath_text(doc, "/Response/Errors/Error/Message"), "The instance ID 'i-1' does not exist");
  EXPECT_EQ(xpath_text(doc, "/Response/RequestID"), "req-4");
}

}  // namespace
}  // namespace nuage::protocol
