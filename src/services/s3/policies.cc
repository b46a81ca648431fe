// Bucket policies as S3 judges them: validated and refused when Block Public
// Access forbids them (PutBucketPolicy), GetBucketPolicyStatus, the bucket's
// Block Public Access configuration, and the lookup the authorizer calls for
// every S3 request (kit::OperationTable::set_resource_policies), which hands
// the bucket's owner and compiled policy to policy::evaluate_access.
#include <set>

#include "common/documents.h"
#include "services/s3/internal.h"

namespace nuage::services::s3 {

using namespace detail;
using Output = Provider::Output;

namespace {

// The bucket a target's resource ARN names ("arn:aws:s3:::bucket[/key]").
std::string bucket_of(const std::string& resource) {
  const std::string prefix = "arn:aws:s3:::";
  if (!text::starts_with(resource, prefix)) return "";
  std::string rest = resource.substr(prefix.size());
  return rest.substr(0, rest.find('/'));
}

bool setting(const Value& config, const char* name) {
  auto it = config.find(name);
  return it != config.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

bool Provider::blocks(const Bucket& bucket, const char* setting_name) const {
  auto it = bucket.config.find("public_access_block");
  return it != bucket.config.end() && setting(*it, setting_name);
}

Result<policy::PolicyPtr> Provider::compiled_policy(const std::string& document) {
  auto compiled = policies_.compile(document);
  if (!compiled) return errors("MalformedPolicy", compiled.error().message);
  return *compiled;
}

std::optional<policy::ResourcePolicy> Provider::bucket_policy(const Context& ctx, const kit::ActionTarget& target) {
  // CreateBucket and ListBuckets are not the business of any bucket policy
  // (a taken name is BucketAlreadyExists, whoever owns it).
  if (target.action == "s3:CreateBucket") return std::nullopt;
  std::string name = bucket_of(target.resource);
  if (name.empty()) return std::nullopt;
  std::optional<policy::ResourcePolicy> out;
  Value config;
  Status read = db_.exec("SELECT account, config FROM s3_buckets WHERE name = ?", {name}, [&](const storage::Row& r) {
    out = policy::ResourcePolicy{r.text(0), "arn:aws:s3:::" + name, nullptr, false};
    config = Value::parse(r.text(1), nullptr, false);
  });
  if (!read.ok() || !out || !config.is_object()) return out;
  // The owner's root may always read, replace and delete the bucket policy,
  // so a policy can never lock the account out of its own bucket.
  static const std::set<std::string> kLockoutExempt = {"s3:GetBucketPolicy", "s3:PutBucketPolicy",
                                                       "s3:DeleteBucketPolicy"};
  if (!ctx.anonymous && ctx.caller.type == auth::PrincipalType::kRoot && ctx.caller.account_id == out->owner_account &&
      kLockoutExempt.count(target.action))
    return out;
  auto document = config.find("policy");
  if (document == config.end() || !document->is_string()) return out;
  auto compiled = compiled_policy(document->get<std::string>());
  if (!compiled) return out;  // validated when it was put; an older row may not have been
  out->policy = *compiled;
  auto block = config.find("public_access_block");
  out->restrict_to_owner =
      block != config.end() && setting(*block, "RestrictPublicBuckets") && policy::is_public(**compiled);
  return out;
}

Result<Output> Provider::get_bucket_policy_status(Context& ctx, const Value& in) {
  std::string name = in.at("Bucket");
  auto b = find_bucket(ctx, name);
  if (!b) return b.error();
  auto document = b->config.find("policy");
  if (document == b->config.end())
    return errors("NoSuchBucketPolicy", "The bucket policy does not exist", Value{{"BucketName", name}});
  auto compiled = compiled_policy(document->get<std::string>());
  Output out;
  out.value["PolicyStatus"]["IsPublic"] = compiled && policy::is_public(**compiled);
  return out;
}

Status Provider::check_bucket_policy(const Context& ctx, const Bucket& bucket, const std::string& document) {
  Value parsed = documents::parse_json_or_discarded(document);
  if (parsed.is_discarded() || !parsed.is_object())
    return errors("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'");
  if (!parsed.contains("Statement")) return errors("MalformedPolicy", "Missing required field Statement");
  auto compiled = compiled_policy(document);
  if (!compiled) return compiled.error();
  if (blocks(bucket, "BlockPublicPolicy") && policy::is_public(**compiled))
    return errors("AccessDenied", "User: " + ctx.caller.arn +
                                      " is not authorized to perform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::" +
                                      bucket.name +
                                      "\" because public policies are prevented by the BlockPublicPolicy setting in "
                                      "S3 Block Public Access.");
  return Status::Ok();
}

Status Provider::check_acl(const Bucket& bucket, const Value& in) const {
  static const std::set<std::string> kPublicAcls = {"public-read", "public-read-write", "authenticated-read"};
  auto acl = in.find("ACL");
  bool public_grant = acl != in.end() && acl->is_string() && kPublicAcls.count(acl->get<std::string>());
  for (const char* grant : {"GrantRead", "GrantReadACP", "GrantWrite", "GrantWriteACP", "GrantFullControl"}) {
    auto g = in.find(grant);
    if (g != in.end() && g->is_string() && g->get<std::string>().find("acs.amazonaws.com/groups/global/") != std::string::npos)
      public_grant = true;
  }
  if (public_grant && blocks(bucket, "BlockPublicAcls")) return access_denied();
  return Status::Ok();
}

}  // namespace nuage::services::s3
