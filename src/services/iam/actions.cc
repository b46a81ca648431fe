#include "services/iam/actions.h"

#include <map>

#include "common/text.h"
#include "model/model.h"

namespace nuage::services::iam {

using protocol::Value;

namespace {

std::string s(const Value& in, const char* key) {
  return in.is_object() && in.contains(key) && in[key].is_string() ? in[key].get<std::string>() : "";
}

// S3 operations whose IAM action is not "s3:<OperationName>".
const std::map<std::string, std::string, std::less<>> kS3Actions = {
    {"ListObjects", "ListBucket"},
    {"ListObjectsV2", "ListBucket"},
    {"HeadBucket", "ListBucket"},
    {"ListObjectVersions", "ListBucketVersions"},
    {"HeadObject", "GetObject"},
    {"GetObjectAttributes", "GetObject"},
    {"SelectObjectContent", "GetObject"},
    {"ListBuckets", "ListAllMyBuckets"},
    {"ListDirectoryBuckets", "ListAllMyDirectoryBuckets"},
    {"ListMultipartUploads", "ListBucketMultipartUploads"},
    {"ListParts", "ListMultipartUploadParts"},
    {"CreateMultipartUpload", "PutObject"},
    {"UploadPart", "PutObject"},
    {"UploadPartCopy", "PutObject"},
    {"CompleteMultipartUpload", "PutObject"},
    {"CopyObject", "PutObject"},
    {"DeleteObjects", "DeleteObject"},
    {"DeleteBucketTagging", "PutBucketTagging"},
    {"GetBucketCors", "GetBucketCORS"},
    {"PutBucketCors", "PutBucketCORS"},
    {"DeleteBucketCors", "PutBucketCORS"},
    {"GetBucketLifecycle", "GetLifecycleConfiguration"},
    {"GetBucketLifecycleConfiguration", "GetLifecycleConfiguration"},
    {"PutBucketLifecycle", "PutLifecycleConfiguration"},
    {"PutBucketLifecycleConfiguration", "PutLifecycleConfiguration"},
    {"DeleteBucketLifecycle", "PutLifecycleConfiguration"},
    {"GetBucketEncryption", "GetEncryptionConfiguration"},
    {"PutBucketEncryption", "PutEncryptionConfiguration"},
    {"DeleteBucketEncryption", "PutEncryptionConfiguration"},
    {"GetBucketNotification", "GetBucketNotification"},
    {"GetBucketNotificationConfiguration", "GetBucketNotification"},
    {"PutBucketNotificationConfiguration", "PutBucketNotification"},
    {"GetBucketReplication", "GetReplicationConfiguration"},
    {"PutBucketReplication", "PutReplicationConfiguration"},
    {"DeleteBucketReplication", "PutReplicationConfiguration"},
    {"GetObjectLockConfiguration", "GetBucketObjectLockConfiguration"},
    {"PutObjectLockConfiguration", "PutBucketObjectLockConfiguration"},
    {"GetPublicAccessBlock", "GetBucketPublicAccessBlock"},
    {"PutPublicAccessBlock", "PutBucketPublicAccessBlock"},
    {"DeletePublicAccessBlock", "PutBucketPublicAccessBlock"},
    {"DeleteBucketOwnershipControls", "PutBucketOwnershipControls"},
    {"GetBucketAccelerateConfiguration", "GetAccelerateConfiguration"},
    {"PutBucketAccelerateConfiguration", "PutAccelerateConfiguration"},
    {"GetBucketAnalyticsConfiguration", "GetAnalyticsConfiguration"},
    {"ListBucketAnalyticsConfigurations", "GetAnalyticsConfiguration"},
    {"PutBucketAnalyticsConfiguration", "PutAnalyticsConfiguration"},
    {"DeleteBucketAnalyticsConfiguration", "PutAnalyticsConfiguration"},
    {"GetBucketInventoryConfiguration", "GetInventoryConfiguration"},
    {"ListBucketInventoryConfigurations", "GetInventoryConfiguration"},
    {"PutBucketInventoryConfiguration", "PutInventoryConfiguration"},
    {"DeleteBucketInventoryConfiguration", "PutInventoryConfiguration"},
    {"GetBucketMetricsConfiguration", "GetMetricsConfiguration"},
    {"ListBucketMetricsConfigurations", "GetMetricsConfiguration"},
    {"PutBucketMetricsConfiguration", "PutMetricsConfiguration"},
    {"DeleteBucketMetricsConfiguration", "PutMetricsConfiguration"},
    {"GetBucketIntelligentTieringConfiguration", "GetIntelligentTieringConfiguration"},
    {"ListBucketIntelligentTieringConfigurations", "GetIntelligentTieringConfiguration"},
    {"PutBucketIntelligentTieringConfiguration", "PutIntelligentTieringConfiguration"},
    {"DeleteBucketIntelligentTieringConfiguration", "PutIntelligentTieringConfiguration"},
    {"GetBucketRequestPayment", "GetBucketRequestPayment"},
    {"PutBucketRequestPayment", "PutBucketRequestPayment"},
    {"CreateSession", "CreateSession"},
};

// S3 object operations that become "...Version" when a VersionId is given.
const char* kVersioned[] = {"GetObject", "DeleteObject", "GetObjectAcl", "PutObjectAcl",
                            "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"};

OperationAuthorization s3(const std::string& op, const Value& in) {
  OperationAuthorization auth;
  std::string action = op;
  if (auto it = kS3Actions.find(op); it != kS3Actions.end()) action = it->second;
  std::string bucket = s(in, "Bucket"), key = s(in, "Key");
  if (!key.empty() && !s(in, "VersionId").empty())
    for (const char* v : kVersioned)
      if (action == v) action += "Version";
  std::string prefix = op == "WriteGetObjectResponse" ? "s3-object-lambda:" : op == "CreateSession" ? "s3express:" : "s3:";
  if (bucket.empty()) {
    auth.targets.push_back({prefix + action, "*"});
    return auth;
  }
  std::string base = "arn:aws:s3:::" + bucket;
  if (op == "DeleteObjects" && in.contains("Delete") && in["Delete"].contains("Objects")) {
    for (const auto& o : in["Delete"]["Objects"]) auth.targets.push_back({prefix + action, base + "/" + s(o, "Key")});
  } else {
    auth.targets.push_back({prefix + action, key.empty() ? base : base + "/" + key});
  }
  if (op == "CopyObject" || op == "UploadPartCopy") {
    // The source is read too: CopySource is "bucket/key[?versionId=...]".
    std::string source = s(in, "CopySource");
    source = source.substr(0, source.find('?'));
    if (!source.empty() && source[0] == '/') source = source.substr(1);
    if (!source.empty()) auth.targets.push_back({"s3:GetObject", "arn:aws:s3:::" + text::uri_decode(source).value_or(source)});
  }
  return auth;
}

std::string or_arn(const std::string& value, const std::string& arn) {
  return text::starts_with(value, "arn:") ? value : arn;
}

// The resource ARN(s) for one operation of the other services.
std::vector<std::string> resources(const std::string& service, const std::string& op, const Value& in,
                                   const std::string& region, const std::string& account) {
  const std::string ra = region + ":" + account + ":";
  std::vector<std::string> out;
  if (service == "ec2") {
    static const std::pair<const char*, const char*> kIds[] = {
        {"InstanceIds", "instance/"}, {"InstanceId", "instance/"}, {"VolumeId", "volume/"},
        {"VolumeIds", "volume/"},     {"SnapshotId", "snapshot/"}, {"ImageId", "image/"},
        {"GroupId", "security-group/"}, {"VpcId", "vpc/"},       {"SubnetId", "subnet/"},
        {"NetworkInterfaceId", "network-interface/"}, {"KeyName", "key-pair/"}};
    if (op.rfind("Describe", 0) == 0) return {"*"};
    for (const auto& [member, kind] : kIds) {
      if (!in.contains(member)) continue;
      const Value& v = in[member];
      if (v.is_array()) {
        for (const auto& id : v) out.push_back("arn:aws:ec2:" + ra + kind + id.get<std::string>());
      } else if (v.is_string()) {
        out.push_back("arn:aws:ec2:" + ra + kind + v.get<std::string>());
      }
      if (!out.empty()) return out;
    }
    return {"*"};
  }
  if (service == "iam") {
    std::string iam = "arn:aws:iam::" + account + ":";
    if (!s(in, "PolicyArn").empty() && s(in, "UserName").empty() && s(in, "RoleName").empty() &&
        s(in, "GroupName").empty())
      return {s(in, "PolicyArn")};
    if (!s(in, "UserName").empty() && s(in, "GroupName").empty()) return {iam + "user/" + s(in, "UserName")};
    if (!s(in, "GroupName").empty()) return {iam + "group/" + s(in, "GroupName")};
    if (!s(in, "RoleName").empty() && op.find("InstanceProfile") == std::string::npos)
      return {iam + "role/" + s(in, "RoleName")};
    if (!s(in, "InstanceProfileName").empty()) return {iam + "instance-profile/" + s(in, "InstanceProfileName")};
    if (op == "CreatePolicy") return {iam + "policy/" + s(in, "PolicyName")};
    if (op == "SimulatePrincipalPolicy" && !s(in, "PolicySourceArn").empty()) return {s(in, "PolicySourceArn")};
    if (op == "CreateAccessKey" || op == "ListAccessKeys" || op == "UpdateAccessKey" || op == "DeleteAccessKey")
      return {"*"};  // the caller's own user (filled in by AWS); "*" here
    return {"*"};
  }
  if (service == "sts") {
    if (!s(in, "RoleArn").empty()) return {s(in, "RoleArn")};
    return {"*"};
  }
  if (service == "ssm") {
    auto param = [&](std::string name) {
      if (text::starts_with(name, "arn:")) return name;
      name = name.substr(0, name.find(':'));
      return "arn:aws:ssm:" + ra + "parameter" + (name.empty() || name[0] == '/' ? name : "/" + name);
    };
    if (!s(in, "Name").empty()) return {param(s(in, "Name"))};
    if (in.contains("Names"))
      for (const auto& n : in["Names"]) out.push_back(param(n.get<std::string>()));
    if (!s(in, "Path").empty()) return {param(s(in, "Path"))};
    return out.empty() ? std::vector<std::string>{"*"} : out;
  }
  if (service == "lambda") {
    std::string fn = s(in, "FunctionName");
    if (fn.empty()) return {"*"};
    return {or_arn(fn, "arn:aws:lambda:" + ra + "function:" + fn)};
  }
  if (service == "logs") {
    std::string group = s(in, "logGroupName");
    if (group.empty()) return {"*"};
    std::string arn = "arn:aws:logs:" + ra + "log-group:" + group;
    std::string stream = s(in, "logStreamName");
    return {stream.empty() ? arn + ":*" : arn + ":log-stream:" + stream};
  }
  if (service == "events") {
    std::string name = s(in, "Name").empty() ? s(in, "Rule") : s(in, "Name");
    std::string bus = s(in, "EventBusName");
    if (op.find("EventBus") != std::string::npos && !name.empty()) return {"arn:aws:events:" + ra + "event-bus/" + name};
    if (name.empty()) return {"*"};
    return {or_arn(name, "arn:aws:events:" + ra + "rule/" + (bus.empty() || bus == "default" ? "" : bus + "/") + name)};
  }
  if (service == "secretsmanager") {
    std::string id = s(in, "SecretId").empty() ? s(in, "Name") : s(in, "SecretId");
    if (id.empty()) return {"*"};
    return {or_arn(id, "arn:aws:secretsmanager:" + ra + "secret:" + id)};
  }
  if (service == "dynamodb") {
    std::string table = s(in, "TableName");
    if (table.empty()) return {"*"};
    return {or_arn(table, "arn:aws:dynamodb:" + ra + "table/" + table)};
  }
  if (service == "cloudwatch") {
    std::string alarm = s(in, "AlarmName");
    if (!alarm.empty()) return {"arn:aws:cloudwatch:" + ra + "alarm:" + alarm};
    if (in.contains("AlarmNames"))
      for (const auto& a : in["AlarmNames"]) out.push_back("arn:aws:cloudwatch:" + ra + "alarm:" + a.get<std::string>());
    return out.empty() ? std::vector<std::string>{"*"} : out;
  }
  if (service == "scheduler") {
    std::string name = s(in, "Name");
    if (name.empty()) return {"*"};
    std::string group = s(in, "GroupName").empty() ? "default" : s(in, "GroupName");
    return {"arn:aws:scheduler:" + ra + "schedule/" + group + "/" + name};
  }
  if (service == "rds") {
    std::string id = s(in, "DBInstanceIdentifier");
    if (id.empty()) return {"*"};
    return {or_arn(id, "arn:aws:rds:" + ra + "db:" + id)};
  }
  return {"*"};
}

// Operations whose IAM action name differs from the operation name.
std::string action_name(const std::string& service, const std::string& op) {
  if (service == "lambda") {
    if (op == "Invoke" || op == "InvokeWithResponseStream") return "InvokeFunction";
    if (op == "InvokeAsync") return "InvokeAsync";
  }
  if (service == "cloudwatch" && op == "PutMetricData") return "PutMetricData";
  return op;
}

}  // namespace

OperationAuthorization authorization_for(const std::string& service, const std::string& operation,
                                         const Value& input, const std::string& region,
                                         const std::string& account) {
  if (service == "s3") return s3(operation, input);
  OperationAuthorization auth;
  if (service == "sts" && (operation == "GetCallerIdentity" || operation == "AssumeRole" ||
                           operation == "AssumeRoleWithWebIdentity" || operation == "AssumeRoleWithSAML")) {
    auth.decided_elsewhere = true;
    return auth;
  }
  std::string action = service + ":" + action_name(service, operation);
  for (auto& r : resources(service, operation, input, region, account)) auth.targets.push_back({action, std::move(r)});
  return auth;
}

void add_request_keys(const std::string& service, const std::string& operation, const Value& in,
                      nuage::policy::Context& context) {
  if (!in.is_object()) return;
  // Tags in the request: a list of {Key, Value} (query/json services), a map
  // (Lambda, logs), or EC2's TagSpecifications.
  std::vector<std::string> keys;
  auto tag_list = [&](const Value& tags) {
    if (tags.is_array()) {
      for (const auto& t : tags) {
        std::string k = s(t, "Key");
        if (k.empty()) continue;
        context.set("aws:RequestTag/" + k, s(t, "Value"));
        keys.push_back(k);
      }
    } else if (tags.is_object()) {
      for (const auto& [k, v] : tags.items()) {
        context.set("aws:RequestTag/" + k, v.is_string() ? v.get<std::string>() : v.dump());
        keys.push_back(k);
      }
    }
  };
  for (const char* member : {"Tags", "tags"})
    if (in.contains(member)) tag_list(in[member]);
  if (in.contains("TagSpecifications"))
    for (const auto& spec : in["TagSpecifications"])
      if (spec.contains("Tags")) tag_list(spec["Tags"]);
  if (in.contains("TagKeys") && in["TagKeys"].is_array())
    for (const auto& k : in["TagKeys"])
      if (k.is_string()) keys.push_back(k);
  if (!keys.empty()) context.set_multi("aws:TagKeys", keys);

  if (service == "s3") {
    if (in.contains("Prefix")) context.set("s3:prefix", s(in, "Prefix"));
    if (in.contains("Delimiter")) context.set("s3:delimiter", s(in, "Delimiter"));
    if (in.contains("MaxKeys")) context.set("s3:max-keys", in["MaxKeys"].dump());
    if (in.contains("ACL")) context.set("s3:x-amz-acl", s(in, "ACL"));
    if (in.contains("VersionId")) context.set("s3:VersionId", s(in, "VersionId"));
    if (in.contains("ServerSideEncryption")) context.set("s3:x-amz-server-side-encryption", s(in, "ServerSideEncryption"));
  } else if (service == "ec2") {
    if (in.contains("InstanceType")) context.set("ec2:InstanceType", s(in, "InstanceType"));
  } else if (service == "iam") {
    if (in.contains("PolicyArn") && operation.find("Attach") != std::string::npos)
      context.set("iam:PolicyARN", s(in, "PolicyArn"));
    if (in.contains("PermissionsBoundary")) context.set("iam:PermissionsBoundary", s(in, "PermissionsBoundary"));
  } else if (service == "sts") {
    if (in.contains("RoleSessionName")) context.set("sts:RoleSessionName", s(in, "RoleSessionName"));
    if (in.contains("ExternalId")) context.set("sts:ExternalId", s(in, "ExternalId"));
    if (in.contains("SourceIdentity")) context.set("sts:SourceIdentity", s(in, "SourceIdentity"));
    if (in.contains("DurationSeconds")) context.set("sts:DurationSeconds", in["DurationSeconds"].dump());
  }
}

std::string access_denied_code(const std::string& service) {
  if (service == "ec2") return "UnauthorizedOperation";
  const model::Service* svc = model::find_service(service);
  if (svc && (svc->protocol == "json" || svc->protocol == "rest-json")) return "AccessDeniedException";
  return "AccessDenied";
}

}  // namespace nuage::services::iam
