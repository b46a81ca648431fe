#include "model/model.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gateway/gateway.h"
#include "protocol/protocol.h"
#include "model/embedded.h"

namespace nuage::model {
namespace {

http::Request request_with(std::string target = "/", std::string x_amz_target = "") {
  http::Request r;
  r.method = "POST";
  r.target = std::move(target);
  if (!x_amz_target.empty()) r.headers.add("X-Amz-Target", x_amz_target);
  return r;
}

TEST(Model, EveryEmbeddedModelLoads) {
  auto names = service_names();
  ASSERT_GE(names.size(), 17u);
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const Service* svc = find_service(name);
    ASSERT_NE(svc, nullptr);
    EXPECT_EQ(svc->name, name);
    EXPECT_EQ(find_service(name), svc);  // loaded once, then cached
    EXPECT_FALSE(svc->api_version.empty());
    EXPECT_FALSE(svc->signing_name.empty());
    EXPECT_FALSE(svc->operations.empty());
    // nuage speaks at least one of the model's protocols.
    bool spoken = false;
    for (const auto& p : svc->protocols) spoken = spoken || protocol::find_protocol(p) != nullptr;
    EXPECT_TRUE(spoken);
    // Every reference resolved to a shape of the same model.
    for (const auto& [shape_name, shape] : svc->shapes) {
      for (const auto& m : shape.members) {
        ASSERT_NE(m.shape, nullptr) << shape_name << "." << m.name;
        EXPECT_EQ(svc->find_shape(m.shape->name), m.shape);
      }
      // Members in name order (the XML writer merges them with an object's keys).
      for (size_t i = 1; i < shape.members.size(); ++i)
        EXPECT_LT(shape.members[i - 1].name, shape.members[i].name) << shape_name;
      if (shape.type == Type::kList) {
        EXPECT_NE(shape.member.shape, nullptr) << shape_name;
      }
      if (shape.type == Type::kMap) {
        EXPECT_NE(shape.key.shape, nullptr) << shape_name;
        EXPECT_NE(shape.value.shape, nullptr) << shape_name;
      }
      if (!shape.payload.empty()) {
        EXPECT_NE(shape.find_member(shape.payload), nullptr) << shape_name;
      }
    }
    for (const auto& [op_name, op] : svc->operations) {
      EXPECT_EQ(op.name, op_name);
      EXPECT_FALSE(op.http_method.empty()) << op_name;
      EXPECT_EQ(op.request_uri.front(), '/') << op_name;
      if (op.input.shape) {
        EXPECT_EQ(op.input.shape->type, Type::kStructure) << op_name;
      }
      if (op.output.shape) {
        EXPECT_EQ(op.output.shape->type, Type::kStructure) << op_name;
      }
      for (const Shape* e : op.errors) EXPECT_TRUE(e != nullptr && e->exception) << op_name;
    }
  }
  EXPECT_EQ(find_service("no-such-service"), nullptr);
}

TEST(Model, EmbeddedSpecsMatchServicesList) {
  // spec/SERVICES is what tools/strip_spec.py pins; the binary embeds each.
  std::set<std::string> embedded;
  for (const auto& e : embedded_specs()) embedded.emplace(e.name);
  for (const char* name : {"sts", "iam", "ec2", "s3", "lambda", "events", "scheduler", "logs", "cloudwatch",
                           "ssm", "secretsmanager", "config", "ecs", "rds", "dynamodb", "ce", "autoscaling"})
    EXPECT_TRUE(embedded.count(name)) << name;
}

TEST(Model, ParsesMetadataAndTraits) {
  const Service* sts = find_service("sts");
  ASSERT_NE(sts, nullptr);
  EXPECT_EQ(sts->protocol, "query");
  EXPECT_EQ(sts->xml_namespace, "https://sts.amazonaws.com/doc/2011-06-15/");
  EXPECT_TRUE(sts->global);
  const Operation* assume = sts->find_operation("AssumeRole");
  ASSERT_NE(assume, nullptr);
  EXPECT_EQ(assume->result_wrapper, "AssumeRoleResult");
  EXPECT_TRUE(assume->input.shape->required.count("RoleArn"));
  const Operation* web = sts->find_operation("AssumeRoleWithWebIdentity");
  ASSERT_NE(web, nullptr);
  EXPECT_TRUE(web->unsigned_allowed);  // authtype none
  EXPECT_FALSE(assume->unsigned_allowed);

  const Service* cw = find_service("cloudwatch");
  ASSERT_NE(cw, nullptr);
  EXPECT_EQ(cw->signing_name, "monitoring");
  EXPECT_TRUE(cw->speaks("query"));
  EXPECT_TRUE(cw->speaks("json"));
  EXPECT_TRUE(cw->aws_query_compatible);

  const Service* s3 = find_service("s3");
  ASSERT_NE(s3, nullptr);
  const Operation* put = s3->find_operation("PutObject");
  ASSERT_NE(put, nullptr);
  EXPECT_EQ(put->http_method, "PUT");
  EXPECT_EQ(put->request_uri, "/{Bucket}/{Key+}");
  const Member* meta = put->input.shape->find_member("Metadata");
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->location, "headers");
  EXPECT_EQ(meta->location_name, "x-amz-meta-");
  EXPECT_EQ(put->input.shape->payload, "Body");
  // The trait sits on the reference ("Body": {"shape": "Body", "streaming": true}).
  EXPECT_TRUE(put->input.shape->find_member("Body")->is_streaming());
  EXPECT_FALSE(s3->find_operation("PutBucketPolicy")->input.shape->find_member("Policy")->is_streaming());

  const Service* ec2 = find_service("ec2");
  ASSERT_NE(ec2, nullptr);
  const Member* tags = ec2->find_operation("RunInstances")->input.shape->find_member("TagSpecifications");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->location_name, "TagSpecification");
}

// The gateway names a model from the SigV4 credential scope: every model's
// signing name must lead back to that model, for a request to one of its
// operations (API Gateway's v1 and v2 share "apigateway": v2's paths tell).
TEST(Model, SigningNamesMapBackToModels) {
  for (const auto& name : service_names()) {
    const Service* svc = find_service(name);
    ASSERT_NE(svc, nullptr);
    ASSERT_FALSE(svc->operations.empty());
    std::string uri = svc->operations.begin()->second.request_uri;
    // A json service's target goes along: DynamoDB Streams shares DynamoDB's
    // signing name and is told apart by it.
    std::string target = svc->speaks("json") ? svc->target_prefix + "." + svc->operations.begin()->first : "";
    EXPECT_EQ(gateway::detect_service(request_with(uri.substr(0, uri.find('?')), target), svc->signing_name), name)
        << "signing name " << svc->signing_name;
  }
}

// Without a credential scope, json services are found by their X-Amz-Target
// prefix: the gateway's table must match each model's targetPrefix.
TEST(Model, TargetPrefixesOfJsonServicesMatchGateway) {
  int json_services = 0;
  for (const auto& name : service_names()) {
    const Service* svc = find_service(name);
    ASSERT_NE(svc, nullptr);
    if (!svc->speaks("json")) continue;
    ++json_services;
    ASSERT_FALSE(svc->target_prefix.empty()) << name;
    const std::string& op = svc->operations.begin()->first;
    EXPECT_EQ(gateway::detect_service(request_with("/", svc->target_prefix + "." + op), ""), name)
        << "X-Amz-Target prefix " << svc->target_prefix;
  }
  EXPECT_GE(json_services, 9);
}

TEST(Model, ParseServiceFromText) {
  auto svc = parse_service("mini", R"({
    "metadata": {"apiVersion": "2020-01-01", "protocol": "json", "targetPrefix": "Mini",
                 "endpointPrefix": "mini", "jsonVersion": "1.0"},
    "operations": {"Do": {"name": "Do", "http": {"method": "POST", "requestUri": "/"},
                          "input": {"shape": "DoIn"}}},
    "shapes": {"DoIn": {"type": "structure", "required": ["A"],
                        "members": {"A": {"shape": "S", "locationName": "a"}, "L": {"shape": "L"}}},
               "S": {"type": "string"},
               "L": {"type": "list", "member": {"shape": "S"}, "flattened": true}}
  })");
  ASSERT_TRUE(svc);
  EXPECT_EQ(svc->signing_name, "mini");  // falls back to endpointPrefix
  EXPECT_EQ(svc->protocols, std::vector<std::string>{"json"});
  const Operation* op = svc->find_operation("Do");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->input.shape->members.size(), 2u);
  EXPECT_EQ(op->input.shape->find_member("A")->wire_name(), "a");
  EXPECT_EQ(op->input.shape->find_member("L")->wire_name(), "L");
  EXPECT_TRUE(svc->find_shape("L")->flattened);
  EXPECT_EQ(op->input.shape->find_member("nope"), nullptr);
  EXPECT_EQ(svc->find_operation("Nope"), nullptr);
}

}  // namespace
}  // namespace nuage::model
