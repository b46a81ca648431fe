// What S3 tells the event bus of its buckets (AWS Config records them as
// AWS::S3::Bucket): after each committed change of a bucket's row, and for
// the bus's inventory requests, a ResourceChange of kind "bucket" whose
// document is {Name, Region, Created, Versioning, Config}. Objects are not
// announced.
#include "services/s3/internal.h"

namespace nuage::services::s3 {

using detail::kBucketColumns;
using detail::read_bucket;

namespace {

kit::Value bucket_document(const Provider::Bucket& b) {
  return {{"Name", b.name}, {"Region", b.region}, {"Created", b.created}, {"Versioning", b.versioning},
          {"Config", b.config}};
}

void publish(events::Bus& bus, const Clock& clock, const Provider::Bucket& b, bool deleted) {
  events::ResourceChange change;
  change.service = "s3";
  change.kind = "bucket";
  change.account = b.account;
  change.region = b.region;
  change.id = b.name;
  auto doc = std::make_shared<const kit::Value>(bucket_document(b));
  if (deleted) change.deleted = std::move(doc);
  else change.document = std::move(doc);
  change.time = clock.now();
  bus.publish_change(std::move(change));
}

}  // namespace

void Provider::announce_bucket(const std::string& name, const std::optional<Bucket>& deleted) {
  if (!bus_.has_change_subscribers()) return;
  if (deleted) return publish(bus_, clock_, *deleted, true);
  (void)db_.exec(std::string("SELECT ") + kBucketColumns + " FROM s3_buckets WHERE name = ?", {name},
                 [&](const storage::Row& r) { publish(bus_, clock_, read_bucket(r), false); });
}

void Provider::announce_buckets(const std::string& account, const std::string& region) {
  (void)db_.exec(std::string("SELECT ") + kBucketColumns + " FROM s3_buckets WHERE account = ?",
                 {account}, [&](const storage::Row& r) {
                   Bucket b = read_bucket(r);
                   if (region.empty() || b.region == region) publish(bus_, clock_, b, false);
                 });
}

}  // namespace nuage::services::s3
