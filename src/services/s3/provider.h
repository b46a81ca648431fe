// Amazon S3 (rest-xml): buckets, objects with versions, multipart uploads,
// tagging, policies (evaluated: anonymous and cross-account access through
// the authorizer), Block Public Access, CORS and lifecycle configuration,
// event notifications to Lambda, SQS, SNS and EventBridge.
//
// State lives in the shared database (tables s3_buckets, s3_objects,
// s3_uploads, s3_parts); object bytes live in a BlobStore of their own.
// Every object version and every uploaded part names one immutable blob.
// An upload streams from the request body (memory or spooled file) through
// MD5/checksum computation into a blob file, which is renamed into place
// before the row naming it is committed: a crash leaves at most an
// unreferenced file (collected at start), never a partial object. Blobs a
// committed change no longer names are removed after the commit.
//
// Thread-safety: handlers run concurrently; each one's reads and writes go
// through one database transaction, so requests see whole updates.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kit/environment.h"
#include "kit/provider.h"
#include "policy/resource_access.h"
#include "services/s3/checksum.h"
#include "services/s3/notifications.h"
#include "storage/blob_store.h"
#include "storage/database.h"

namespace nuage::services::s3 {

class Provider : public kit::Provider {
 public:
  // The object bytes go to <work folder>/blobs (the file system of the
  // HTTP spool folder, so a spooled body is adopted with a rename).
  explicit Provider(kit::Environment& env);
  ~Provider() override;
  std::string_view service() const override { return "s3"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;

  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

  struct Bucket {
    std::string name, account, region, versioning;  // versioning: "", "Enabled", "Suspended"
    double created = 0;
    Value config = Value::object();  // tags, policy, cors, lifecycle
  };
  struct Object {
    int64_t id = 0;  // insertion order: the newest version has the largest id
    std::string bucket, key, version_id, blob, etag;
    bool latest = false, delete_marker = false;
    int64_t size = 0;
    double modified = 0;
    Value meta = Value::object();  // content headers, Metadata, StorageClass, Tags, Checksum, PartsCount
  };
  // A body that has been stored as a blob (not yet named by any row).
  struct Stored {
    std::string blob, md5_hex;
    int64_t size = 0;
    std::optional<ChecksumAlgorithm> algorithm;
    std::string checksum;  // base64, when algorithm is set
  };

 private:
  // Buckets (provider.cc)
  Result<Output> create_bucket(Context& ctx, const Value& in);
  Result<Output> delete_bucket(Context& ctx, const Value& in);
  Result<Output> head_bucket(Context& ctx, const Value& in);
  Result<Output> list_buckets(Context& ctx, const Value& in);
  Result<Output> get_bucket_location(Context& ctx, const Value& in);
  Result<Output> put_bucket_versioning(Context& ctx, const Value& in);
  Result<Output> get_bucket_versioning(Context& ctx, const Value& in);
  // Stored configuration documents: tags, policy, CORS, lifecycle.
  Result<Output> put_bucket_config(Context& ctx, const Value& in, const std::string& field);
  Result<Output> get_bucket_config(Context& ctx, const Value& in, const std::string& field);
  Result<Output> delete_bucket_config(Context& ctx, const Value& in, const std::string& field);

  // Bucket policies and Block Public Access (policies.cc)
  Result<Output> get_bucket_policy_status(Context& ctx, const Value& in);
  // MalformedPolicy for a document S3 would refuse; AccessDenied for a public
  // one when the bucket's BlockPublicPolicy is on.
  Status check_bucket_policy(const Context& ctx, const Bucket& bucket, const std::string& document);
  // The bucket's owner and policy governing one (action, resource) of a call
  // (kit::ResourcePolicies), for the authorizer.
  std::optional<policy::ResourcePolicy> bucket_policy(const Context& ctx, const kit::ActionTarget& target);
  Result<policy::PolicyPtr> compiled_policy(const std::string& document);

  // Objects (objects.cc)
  Result<Output> put_object(Context& ctx, const Value& in);
  Result<Output> get_object(Context& ctx, const Value& in, bool head);
  Result<Output> delete_object(Context& ctx, const Value& in);
  Result<Output> delete_objects(Context& ctx, const Value& in);
  Result<Output> copy_object(Context& ctx, const Value& in);
  Result<Output> put_object_tagging(Context& ctx, const Value& in);
  Result<Output> get_object_tagging(Context& ctx, const Value& in);
  Result<Output> delete_object_tagging(Context& ctx, const Value& in);
  // Replaces an object's tags; `event` is the notification it causes.
  Result<Output> set_object_tags(Context& ctx, const Value& in, const Value& tags, const char* event);
  // The object an x-amz-copy-source names, after its x-amz-copy-source-if-*
  // conditions; `source_version` is set to the version to report.
  Result<Object> copy_source(const Context& ctx, const std::string& source, const Value& in,
                             std::string& source_version);

  // Event notifications (notifications.cc)
  Result<Output> put_bucket_notification(Context& ctx, const Value& in);
  Result<Output> get_bucket_notification(Context& ctx, const Value& in);
  // InvalidArgument naming each destination S3 may not deliver to (a Lambda
  // function whose policy does not allow S3, a queue or topic the
  // s3:TestEvent cannot reach).
  Status validate_destinations(const Context& ctx, const Bucket& bucket, const Value& configuration);
  // Sends `message` to one destination as s3.amazonaws.com acting for the bucket.
  Status deliver_notification(const Bucket& bucket, const std::string& list, const std::string& arn,
                              const std::string& message);
  void publish_to_eventbridge(const Context& ctx, const Bucket& bucket, const std::vector<ObjectEvent>& events);

  // Listings (listing.cc)
  Result<Output> list_objects(Context& ctx, const Value& in, bool v2);
  Result<Output> list_object_versions(Context& ctx, const Value& in);

  // Multipart uploads (multipart.cc)
  Result<Output> create_multipart_upload(Context& ctx, const Value& in);
  Result<Output> upload_part(Context& ctx, const Value& in);
  Result<Output> upload_part_copy(Context& ctx, const Value& in);
  Result<Output> complete_multipart_upload(Context& ctx, const Value& in);
  Result<Output> abort_multipart_upload(Context& ctx, const Value& in);
  Result<Output> list_parts(Context& ctx, const Value& in);
  Result<Output> list_multipart_uploads(Context& ctx, const Value& in);

 public:
  // Shared helpers (used across the provider's files).
  Result<Bucket> find_bucket(const Context& ctx, const std::string& name);
  // The object's current version (version_id empty) or the named version;
  // nullopt when there is none.
  Result<std::optional<Object>> find_object(const std::string& bucket, const std::string& key,
                                            const std::string& version_id);
  // Stores the request body (plain, or aws-chunked) as a blob, verifying
  // Content-MD5 and x-amz-checksum-* while it streams.
  Result<Stored> store_body(Context& ctx, const Value& in);
  // Copies bytes [offset, offset+length) of a blob into a new blob.
  Result<Stored> copy_blob(const std::string& blob, int64_t offset, int64_t length);
  // Adds a new version of bucket/key (replacing the "null" version unless
  // versioning is Enabled) inside the caller's transaction; blobs no longer
  // named are appended to `garbage`. Returns the new version id.
  Result<std::string> insert_version(const Bucket& bucket, Object obj, std::vector<std::string>& garbage);
  // Removes one version row inside the caller's transaction, promoting the
  // next newest to latest.
  Status remove_version(const Object& obj, std::vector<std::string>& garbage);
  void discard(const std::vector<std::string>& blobs);
  // Whether the bucket's Block Public Access configuration has `setting` on.
  bool blocks(const Bucket& bucket, const char* setting) const;
  // AccessDenied for a request granting public access by ACL (x-amz-acl,
  // x-amz-grant-*) when the bucket's BlockPublicAcls is on.
  Status check_acl(const Bucket& bucket, const Value& in) const;
  // After a committed change: the records the bucket's notification
  // configuration asks for (and its EventBridge events), sent before the
  // request is answered. notifications.cc.
  void notify(const Context& ctx, const Bucket& bucket, const std::vector<ObjectEvent>& events);
  static bool notifies(const Bucket& bucket) { return bucket.config.contains("notification"); }
  storage::Database& db() { return db_; }
  storage::BlobStore& blobs() { return blobs_; }

 private:
  void collect_garbage();  // unreferenced blobs left by a crash
  // Announces a committed change of the bucket `name` on the bus as a
  // ResourceChange (kind "bucket"; AWS Config records it); `deleted` is the
  // bucket as it was before a deletion. announce.cc.
  void announce_bucket(const std::string& name, const std::optional<Bucket>& deleted = std::nullopt);
  // The bus's inventory request: every bucket of the account (and region).
  void announce_buckets(const std::string& account, const std::string& region);

  kit::Environment& env_;
  storage::Database& db_;
  events::Bus& bus_;
  const Clock& clock_;
  events::Bus::SubscriptionId inventory_source_ = 0;
  storage::BlobStore blobs_;
  // Compiled bucket policies: the authorizer looks one up on every request.
  policy::PolicyCache policies_{policy::PolicyKind::kResource};
};

}  // namespace nuage::services::s3
