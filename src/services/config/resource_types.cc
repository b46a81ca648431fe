#include "services/config/resource_types.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/text.h"
#include "common/time.h"
#include "model/model.h"

namespace nuage::services::config {

namespace {

const char* kNotApplicable = "Not Applicable";

std::string lower_first(const std::string& name) {
  std::string out = name;
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}


// `doc` as the Java-style bean AWS Config records: the shape's members with
// their first letter lowered, timestamps as ISO 8601 with milliseconds.
Value bean(const Value& doc, const model::Shape& shape) {
  if (doc.is_null()) return doc;
  switch (shape.type) {
    case model::Type::kStructure: {
      Value out = Value::object();
      if (!doc.is_object()) return out;
      for (const auto& m : shape.members) {
        auto it = doc.find(m.name);
        if (it == doc.end() || it->is_null()) continue;
        out[lower_first(m.name)] = bean(*it, *m.shape);
      }
      return out;
    }
    case model::Type::kList: {
      Value out = Value::array();
      if (doc.is_array())
        for (const auto& v : doc) out.push_back(bean(v, *shape.member.shape));
      return out;
    }
    case model::Type::kMap: {
      Value out = Value::object();
      if (doc.is_object())
        for (const auto& [k, v] : doc.items()) out[k] = bean(v, *shape.value.shape);
      return out;
    }
    case model::Type::kTimestamp: {
      auto secs = kit::timestamp_seconds(doc);
      return secs ? Value(timefmt::iso8601_millis(*secs)) : doc;
    }
    default:
      return doc;
  }
}

Value model_bean(const char* service, const char* shape_name, const Value& doc) {
  const model::Service* svc = model::find_service(service);
  const model::Shape* shape = svc ? svc->find_shape(shape_name) : nullptr;
  return shape ? bean(doc, *shape) : Value::object();
}

std::string str(const Value& doc, const char* member) {
  auto it = doc.find(member);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

Value tag_map(const Value& list) {
  Value out = Value::object();
  if (list.is_array())
    for (const auto& t : list)
      if (t.is_object()) out[t.value("Key", "")] = t.value("Value", "");
  if (list.is_object())
    for (const auto& [k, v] : list.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

void relate(Value& relationships, const std::string& name, const std::string& type, const std::string& id,
            const std::string& resource_name = "") {
  if (id.empty() && resource_name.empty()) return;
  Value r = {{"relationshipName", name}, {"resourceType", type}};
  if (!id.empty()) r["resourceId"] = id;
  if (!resource_name.empty()) r["resourceName"] = resource_name;
  for (const auto& existing : relationships)
    if (existing == r) return;
  relationships.push_back(std::move(r));
}

std::string ec2_arn(const std::string& region, const std::string& account, const std::string& kind,
                    const std::string& id) {
  return "arn:aws:ec2:" + region + ":" + account + ":" + kind + "/" + id;
}

// --- EC2 ---------------------------------------------------------------------

// AWS Config lists a security group's CIDRs twice: ipRanges (the bare
// blocks, the SDK's legacy member) and ipv4Ranges (with descriptions).
Value security_group_permissions(Value permissions) {
  for (auto& p : permissions) {
    Value ranges = p.value("ipRanges", Value::array());
    Value bare = Value::array();
    for (const auto& r : ranges) bare.push_back(r.value("cidrIp", ""));
    p["ipv4Ranges"] = ranges;
    p["ipRanges"] = bare;
    for (const char* list : {"ipv6Ranges", "prefixListIds", "userIdGroupPairs"})
      if (!p.contains(list)) p[list] = Value::array();
  }
  return permissions;
}

void describe_ec2(Described& d, const std::string& kind, const std::string& account, const std::string& region,
                  const Value& doc) {
  d.aws_region = region;
  d.availability_zone = kNotApplicable;
  if (kind == "security-group") {
    d.id = str(doc, "GroupId");
    d.name = str(doc, "GroupName");
    d.arn = ec2_arn(region, account, kind, d.id);
    Value c = model_bean("ec2", "SecurityGroup", doc);
    c.erase("securityGroupArn");
    c["ipPermissions"] = security_group_permissions(c.value("ipPermissions", Value::array()));
    c["ipPermissionsEgress"] = security_group_permissions(c.value("ipPermissionsEgress", Value::array()));
    if (!c.contains("tags")) c["tags"] = Value::array();
    d.configuration = std::move(c);
    relate(d.relationships, "Is contained in Vpc", "AWS::EC2::VPC", str(doc, "VpcId"));
  } else if (kind == "instance") {
    d.id = str(doc, "InstanceId");
    d.arn = ec2_arn(region, account, kind, d.id);
    d.configuration = model_bean("ec2", "Instance", doc);
    if (doc.contains("Placement")) d.availability_zone = str(doc["Placement"], "AvailabilityZone");
    if (auto t = kit::timestamp_seconds(doc.value("LaunchTime", Value()))) d.created = *t;
    for (const auto& ni : doc.value("NetworkInterfaces", Value::array()))
      relate(d.relationships, "Contains NetworkInterface", "AWS::EC2::NetworkInterface", str(ni, "NetworkInterfaceId"));
    for (const auto& g : doc.value("SecurityGroups", Value::array()))
      relate(d.relationships, "Is associated with SecurityGroup", "AWS::EC2::SecurityGroup", str(g, "GroupId"));
    for (const auto& b : doc.value("BlockDeviceMappings", Value::array()))
      if (b.contains("Ebs")) relate(d.relationships, "Is attached to Volume", "AWS::EC2::Volume", str(b["Ebs"], "VolumeId"));
    relate(d.relationships, "Is contained in Subnet", "AWS::EC2::Subnet", str(doc, "SubnetId"));
    relate(d.relationships, "Is contained in Vpc", "AWS::EC2::VPC", str(doc, "VpcId"));
  } else if (kind == "vpc") {
    d.id = str(doc, "VpcId");
    d.arn = ec2_arn(region, account, kind, d.id);
    d.availability_zone = "Multiple Availability Zones";
    d.configuration = model_bean("ec2", "Vpc", doc);
  } else if (kind == "subnet") {
    d.id = str(doc, "SubnetId");
    d.arn = ec2_arn(region, account, kind, d.id);
    d.availability_zone = str(doc, "AvailabilityZone");
    d.configuration = model_bean("ec2", "Subnet", doc);
    relate(d.relationships, "Is contained in Vpc", "AWS::EC2::VPC", str(doc, "VpcId"));
  } else if (kind == "volume") {
    d.id = str(doc, "VolumeId");
    d.arn = ec2_arn(region, account, kind, d.id);
    d.availability_zone = str(doc, "AvailabilityZone");
    if (auto t = kit::timestamp_seconds(doc.value("CreateTime", Value()))) d.created = *t;
    d.configuration = model_bean("ec2", "Volume", doc);
    for (const auto& a : doc.value("Attachments", Value::array()))
      relate(d.relationships, "Is attached to Instance", "AWS::EC2::Instance", str(a, "InstanceId"));
  } else if (kind == "network-interface") {
    d.id = str(doc, "NetworkInterfaceId");
    d.arn = ec2_arn(region, account, kind, d.id);
    d.availability_zone = str(doc, "AvailabilityZone");
    d.configuration = model_bean("ec2", "NetworkInterface", doc);
    if (doc.contains("Attachment"))
      relate(d.relationships, "Is attached to Instance", "AWS::EC2::Instance", str(doc["Attachment"], "InstanceId"));
    for (const auto& g : doc.value("Groups", Value::array()))
      relate(d.relationships, "Is associated with SecurityGroup", "AWS::EC2::SecurityGroup", str(g, "GroupId"));
    relate(d.relationships, "Is contained in Subnet", "AWS::EC2::Subnet", str(doc, "SubnetId"));
    relate(d.relationships, "Is contained in Vpc", "AWS::EC2::VPC", str(doc, "VpcId"));
  } else if (kind == "route-table") {
    d.id = str(doc, "RouteTableId");
    d.arn = ec2_arn(region, account, kind, d.id);
    d.configuration = model_bean("ec2", "RouteTable", doc);
    relate(d.relationships, "Is contained in Vpc", "AWS::EC2::VPC", str(doc, "VpcId"));
    for (const auto& a : doc.value("Associations", Value::array()))
      relate(d.relationships, "Is associated with Subnet", "AWS::EC2::Subnet", str(a, "SubnetId"));
  } else if (kind == "internet-gateway") {
    d.id = str(doc, "InternetGatewayId");
    d.arn = ec2_arn(region, account, kind, d.id);
    d.configuration = model_bean("ec2", "InternetGateway", doc);
    for (const auto& a : doc.value("Attachments", Value::array()))
      relate(d.relationships, "Is attached to Vpc", "AWS::EC2::VPC", str(a, "VpcId"));
  }
  d.tags = tag_map(doc.value(kind == "network-interface" ? "TagSet" : "Tags", Value::array()));
}

// --- S3 ----------------------------------------------------------------------
// The bucket's document (s3/provider.cc announces it): {Name, Region,
// Created, Versioning, Config {tagging, policy, cors, lifecycle, notification}}.

Value lower_keys(const Value& v) {
  if (v.is_object()) {
    Value out = Value::object();
    for (const auto& [k, x] : v.items()) out[lower_first(k)] = lower_keys(x);
    return out;
  }
  if (v.is_array()) {
    Value out = Value::array();
    for (const auto& x : v) out.push_back(lower_keys(x));
    return out;
  }
  return v;
}

// S3's NotificationConfiguration as AWS Config shows it: {id: {events,
// filter.s3KeyFilter.filterRules, objectPrefixes, functionARN | queueARN |
// topicARN, type}}.
Value bucket_notifications(const Value& notification) {
  static const char* kKinds[][4] = {
      {"LambdaFunctionConfigurations", "LambdaFunctionArn", "functionARN", "LambdaConfiguration"},
      {"QueueConfigurations", "QueueArn", "queueARN", "QueueConfiguration"},
      {"TopicConfigurations", "TopicArn", "topicARN", "TopicConfiguration"}};
  Value out = Value::object();
  for (const auto& [list, arn, member, type] : kKinds) {
    for (const auto& c : notification.value(list, Value::array())) {
      Value rules = Value::array();
      for (const auto& r : c.value("Filter", Value::object()).value("Key", Value::object()).value("FilterRules", Value::array()))
        rules.push_back({{"name", r.value("Name", "")}, {"value", r.value("Value", "")}});
      Value entry = {{"events", c.value("Events", Value::array())},
                     {"filter", rules.empty() ? Value() : Value{{"s3KeyFilter", {{"filterRules", rules}}}}},
                     {"objectPrefixes", Value::array()},
                     {member, c.value(arn, "")},
                     {"type", type}};
      out[c.value("Id", "")] = std::move(entry);
    }
  }
  return out;
}

void describe_bucket(Described& d, const std::string& account, const Value& doc) {
  d.id = d.name = str(doc, "Name");
  d.arn = "arn:aws:s3:::" + d.id;
  d.aws_region = str(doc, "Region");
  d.availability_zone = "Regional";
  if (auto t = kit::timestamp_seconds(doc.value("Created", Value()))) d.created = *t;
  d.configuration = {{"name", d.id},
                     {"owner", {{"displayName", nullptr}, {"id", account}}},
                     {"creationDate", d.created ? Value(timefmt::iso8601_millis(*d.created)) : Value()}};
  const Value config = doc.value("Config", Value::object());
  std::string versioning = str(doc, "Versioning");
  d.supplementary["BucketVersioningConfiguration"] = {{"status", versioning.empty() ? "Off" : versioning},
                                                      {"isMfaDeleteEnabled", nullptr}};
  d.supplementary["BucketPolicy"] = {
      {"policyText", config.contains("policy") ? config["policy"] : Value()}};
  d.supplementary["BucketLoggingConfiguration"] = {{"destinationBucketName", nullptr}, {"logFilePrefix", nullptr}};
  d.supplementary["BucketNotificationConfiguration"] = {
      {"configurations", bucket_notifications(config.value("notification", Value::object()))}};
  d.supplementary["IsRequesterPaysEnabled"] = false;
  if (config.contains("lifecycle"))
    d.supplementary["BucketLifecycleConfiguration"] = {
        {"rules", lower_keys(config["lifecycle"].value("Rules", Value::array()))}};
  if (config.contains("cors"))
    d.supplementary["BucketCorsConfiguration"] = {
        {"corsRules", lower_keys(config["cors"].value("CORSRules", Value::array()))}};
  Value tags = config.contains("tagging") ? tag_map(config["tagging"].value("TagSet", Value::array())) : Value::object();
  if (!tags.empty()) d.supplementary["BucketTaggingConfiguration"] = {{"tagSets", {{{"tags", tags}}}}};
  d.tags = std::move(tags);
}

// --- IAM ---------------------------------------------------------------------
// IAM's documents (iam/provider.cc): entities {kind, name, path, id, arn,
// created, tags, inline {name: document}, attached [arns], boundary,
// groups, trust, description, max_session} and customer managed policies
// {name, path, id, arn, description, created, updated, default, versions}.

std::string url_encoded(const Value& text) {
  return text.is_string() ? text::uri_encode(text.get<std::string>()) : "";
}

Value policy_list(const Value& inline_policies) {
  Value out = Value::array();
  if (inline_policies.is_object())
    for (const auto& [name, text] : inline_policies.items())
      out.push_back({{"policyName", name}, {"policyDocument", url_encoded(text)}});
  return out;
}

Value attached_policies(const Value& arns, Value& relationships) {
  Value out = Value::array();
  if (!arns.is_array()) return out;
  for (const auto& a : arns) {
    std::string arn = a.is_string() ? a.get<std::string>() : "";
    std::string name = arn.substr(arn.rfind('/') + 1);
    out.push_back({{"policyArn", arn}, {"policyName", name}});
    if (arn.find(":aws:policy/") == std::string::npos)
      relate(relationships, "Is attached to CustomerManagedPolicy", "AWS::IAM::Policy", "", name);
  }
  return out;
}

Value tag_list_bean(const Value& tags) {
  Value out = Value::array();
  const Value map = tag_map(tags);
  for (const auto& [k, v] : map.items()) out.push_back({{"key", k}, {"value", v}});
  return out;
}

Value boundary(const Value& doc) {
  std::string arn = str(doc, "boundary");
  if (arn.empty()) return Value();
  return {{"permissionsBoundaryType", "PermissionsBoundaryPolicy"}, {"permissionsBoundaryArn", arn}};
}

bool describe_iam(Described& d, const std::string& kind, const Value& doc) {
  d.aws_region = kGlobalRegion;
  d.availability_zone = kNotApplicable;
  d.id = str(doc, "id");
  d.name = str(doc, "name");
  d.arn = str(doc, "arn");
  if (auto t = kit::timestamp_seconds(doc.value("created", Value()))) d.created = *t;
  std::string created = d.created ? timefmt::iso8601_millis(*d.created) : "";
  Value c = {{"path", str(doc, "path")}, {"arn", d.arn}, {"createDate", created}};
  if (kind == "role") {
    c["roleName"] = d.name;
    c["roleId"] = d.id;
    c["assumeRolePolicyDocument"] = url_encoded(doc.value("trust", Value()));
    c["instanceProfileList"] = Value::array();
    c["rolePolicyList"] = policy_list(doc.value("inline", Value()));
    c["attachedManagedPolicies"] = attached_policies(doc.value("attached", Value()), d.relationships);
    c["permissionsBoundary"] = boundary(doc);
    c["tags"] = tag_list_bean(doc.value("tags", Value()));
    c["roleLastUsed"] = nullptr;
    c["description"] = doc.value("description", "").empty() ? Value() : Value(doc["description"]);
    c["maxSessionDuration"] = doc.value("max_session", int64_t{3600});
  } else if (kind == "user") {
    c["userName"] = d.name;
    c["userId"] = d.id;
    c["userPolicyList"] = policy_list(doc.value("inline", Value()));
    c["groupList"] = doc.value("groups", Value::array());
    c["attachedManagedPolicies"] = attached_policies(doc.value("attached", Value()), d.relationships);
    c["permissionsBoundary"] = boundary(doc);
    c["tags"] = tag_list_bean(doc.value("tags", Value()));
    for (const auto& g : c["groupList"])
      if (g.is_string()) relate(d.relationships, "Is attached to Group", "AWS::IAM::Group", "", g.get<std::string>());
  } else if (kind == "group") {
    c["groupName"] = d.name;
    c["groupId"] = d.id;
    c["groupPolicyList"] = policy_list(doc.value("inline", Value()));
    c["attachedManagedPolicies"] = attached_policies(doc.value("attached", Value()), d.relationships);
  } else if (kind == "policy") {
    c["policyName"] = d.name;
    c["policyId"] = d.id;
    c["defaultVersionId"] = str(doc, "default");
    c["isAttachable"] = true;
    c["permissionsBoundaryUsageCount"] = 0;
    c["description"] = doc.value("description", "").empty() ? Value() : Value(doc["description"]);
    auto updated = kit::timestamp_seconds(doc.value("updated", Value()));
    c["updateDate"] = updated ? Value(timefmt::iso8601_millis(*updated)) : Value(created);
    Value versions = Value::array();
    const Value stored = doc.value("versions", Value::object());
    for (const auto& [vid, v] : stored.items()) {
      auto vt = kit::timestamp_seconds(v.value("created", Value()));
      versions.push_back({{"document", url_encoded(v.value("doc", Value()))},
                          {"versionId", vid},
                          {"isDefaultVersion", vid == c["defaultVersionId"]},
                          {"createDate", vt ? Value(timefmt::iso8601_millis(*vt)) : Value()}});
    }
    c["policyVersionList"] = std::move(versions);
  } else {
    return false;
  }
  d.tags = tag_map(doc.value("tags", Value()));
  d.configuration = std::move(c);
  return !d.id.empty();
}

// --- Lambda ------------------------------------------------------------------
// The function's document (lambda/resources.h): {latest {config}, tags}.

void describe_function(Described& d, const Value& doc) {
  const Value config = doc.contains("latest") ? doc["latest"].value("config", Value::object()) : Value::object();
  d.id = d.name = str(config, "FunctionName");
  d.arn = str(config, "FunctionArn");
  d.availability_zone = kNotApplicable;
  d.configuration = model_bean("lambda", "FunctionConfiguration", config);
  std::string role = str(config, "Role");
  if (!role.empty()) relate(d.relationships, "Is associated with Role", "AWS::IAM::Role", "", role.substr(role.rfind('/') + 1));
  d.tags = tag_map(doc.value("tags", Value::object()));
}

// --- RDS -----------------------------------------------------------------------
// DB instances and clusters, identified as AWS Config does: by their
// resource ids (DbiResourceId, DbClusterResourceId), named by identifier.

void describe_rds(Described& d, const std::string& kind, const std::string& region, const Value& doc) {
  d.aws_region = region;
  d.availability_zone = kNotApplicable;
  if (kind == "db-instance") {
    d.id = str(doc, "DbiResourceId");
    d.name = str(doc, "DBInstanceIdentifier");
    d.arn = str(doc, "DBInstanceArn");
    d.availability_zone = str(doc, "AvailabilityZone");
    d.configuration = model_bean("rds", "DBInstance", doc);
    if (auto t = kit::timestamp_seconds(doc.value("InstanceCreateTime", Value()))) d.created = *t;
    for (const auto& g : doc.value("VpcSecurityGroups", Value::array()))
      relate(d.relationships, "Is associated with SecurityGroup", "AWS::EC2::SecurityGroup",
             str(g, "VpcSecurityGroupId"));
  } else {
    d.id = str(doc, "DbClusterResourceId");
    d.name = str(doc, "DBClusterIdentifier");
    d.arn = str(doc, "DBClusterArn");
    d.configuration = model_bean("rds", "DBCluster", doc);
    if (auto t = kit::timestamp_seconds(doc.value("ClusterCreateTime", Value()))) d.created = *t;
    for (const auto& m : doc.value("DBClusterMembers", Value::array()))
      relate(d.relationships, "Contains DBInstance", "AWS::RDS::DBInstance", "", str(m, "DBInstanceIdentifier"));
  }
  d.tags = tag_map(doc.value("TagList", Value::array()));
}

struct TypeOf {
  const char* service;
  const char* kind;
  const char* type;
};
constexpr TypeOf kTypes[] = {
    {"ec2", "security-group", "AWS::EC2::SecurityGroup"},
    {"ec2", "instance", "AWS::EC2::Instance"},
    {"ec2", "vpc", "AWS::EC2::VPC"},
    {"ec2", "subnet", "AWS::EC2::Subnet"},
    {"ec2", "volume", "AWS::EC2::Volume"},
    {"ec2", "network-interface", "AWS::EC2::NetworkInterface"},
    {"ec2", "route-table", "AWS::EC2::RouteTable"},
    {"ec2", "internet-gateway", "AWS::EC2::InternetGateway"},
    {"s3", "bucket", "AWS::S3::Bucket"},
    {"iam", "role", "AWS::IAM::Role"},
    {"iam", "user", "AWS::IAM::User"},
    {"iam", "group", "AWS::IAM::Group"},
    {"iam", "policy", "AWS::IAM::Policy"},
    {"lambda", "function", "AWS::Lambda::Function"},
    {"rds", "db-instance", "AWS::RDS::DBInstance"},
    {"rds", "db-cluster", "AWS::RDS::DBCluster"},
};

}  // namespace

std::string resource_type_of(const std::string& service, const std::string& kind) {
  for (const auto& t : kTypes)
    if (service == t.service && kind == t.kind) return t.type;
  return "";
}

std::optional<Described> describe(const std::string& service, const std::string& kind, const std::string& account,
                                  const std::string& region, const Value& doc) {
  Described d;
  d.type = resource_type_of(service, kind);
  if (d.type.empty() || !doc.is_object()) return std::nullopt;
  if (service == "ec2") {
    describe_ec2(d, kind, account, region, doc);
  } else if (service == "s3") {
    describe_bucket(d, account, doc);
  } else if (service == "iam") {
    if (!describe_iam(d, kind, doc)) return std::nullopt;
  } else if (service == "lambda") {
    d.aws_region = region;
    describe_function(d, doc);
  } else if (service == "rds") {
    describe_rds(d, kind, region, doc);
  }
  if (d.id.empty()) return std::nullopt;
  return d;
}

const std::vector<std::string>& recorded_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> out;
    for (const auto& t : kTypes) out.push_back(t.type);
    out.push_back("AWS::Config::ResourceCompliance");
    std::sort(out.begin(), out.end());
    return out;
  }();
  return types;
}

bool is_recorded_type(const std::string& type) {
  const auto& types = recorded_types();
  return std::binary_search(types.begin(), types.end(), type);
}

bool is_global_type(const std::string& type) { return text::starts_with(type, "AWS::IAM::"); }

bool is_known_type(const std::string& type) {
  static const std::set<std::string, std::less<>> known = [] {
    std::set<std::string, std::less<>> out;
    const model::Service* svc = model::find_service("config");
    const model::Shape* shape = svc ? svc->find_shape("ResourceType") : nullptr;
    if (shape) out.insert(shape->enum_values.begin(), shape->enum_values.end());
    return out;
  }();
  return known.count(type) > 0;
}

}  // namespace nuage::services::config
