#include "services/s3/authorization.h"

#include <map>

#include "common/text.h"

namespace nuage::services::s3 {

using kit::Value;

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

std::vector<kit::ActionTarget> targets(const std::string& op, const Value& in) {
  std::vector<kit::ActionTarget> out;
  std::string action = op;
  if (auto it = kS3Actions.find(op); it != kS3Actions.end()) action = it->second;
  std::string bucket = s(in, "Bucket"), key = s(in, "Key");
  if (!key.empty() && !s(in, "VersionId").empty())
    for (const char* v : kVersioned)
      if (action == v) action += "Version";
  std::string prefix = op == "WriteGetObjectResponse" ? "s3-object-lambda:" : op == "CreateSession" ? "s3express:" : "s3:";
  if (bucket.empty()) {
    out.push_back({prefix + action, "*"});
    return out;
  }
  std::string base = "arn:aws:s3:::" + bucket;
  if (op == "DeleteObjects" && in.contains("Delete") && in["Delete"].contains("Objects")) {
    for (const auto& o : in["Delete"]["Objects"]) out.push_back({prefix + action, base + "/" + s(o, "Key")});
  } else {
    out.push_back({prefix + action, key.empty() ? base : base + "/" + key});
  }
  if (op == "CopyObject" || op == "UploadPartCopy") {
    // The source is read too: CopySource is "bucket/key[?versionId=...]".
    std::string source = s(in, "CopySource");
    source = source.substr(0, source.find('?'));
    if (!source.empty() && source[0] == '/') source = source.substr(1);
    if (!source.empty()) out.push_back({"s3:GetObject", "arn:aws:s3:::" + text::uri_decode(source).value_or(source)});
  }
  return out;
}

}  // namespace

std::vector<kit::ActionTarget> authorization_targets(const kit::RequestContext& ctx, const Value& in) {
  return targets(ctx.operation, in);
}

void add_condition_keys(const kit::RequestContext&, const Value& in, policy::Context& context) {
  if (!in.is_object()) return;
  if (in.contains("Prefix")) context.set("s3:prefix", s(in, "Prefix"));
  if (in.contains("Delimiter")) context.set("s3:delimiter", s(in, "Delimiter"));
  if (in.contains("MaxKeys")) context.set("s3:max-keys", in["MaxKeys"].dump());
  if (in.contains("ACL")) context.set("s3:x-amz-acl", s(in, "ACL"));
  if (in.contains("VersionId")) context.set("s3:VersionId", s(in, "VersionId"));
  if (in.contains("ServerSideEncryption")) context.set("s3:x-amz-server-side-encryption", s(in, "ServerSideEncryption"));
}

}  // namespace nuage::services::s3
