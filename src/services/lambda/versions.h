// Function versions and aliases: PublishVersion (nothing changed since the
// last publication: that version again), ListVersionsByFunction, and
// Create/Get/Update/Delete/ListAliases. Versions are snapshots of $LATEST's
// entry kept in the function's document; an alias names a version.
// Thread-safety: handlers run under Shared::mutex.
#pragma once

#include "kit/provider.h"
#include "services/lambda/resources.h"

namespace nuage::services::lambda {

class Versions {
 public:
  explicit Versions(Shared& shared) : shared_(shared) {}
  void register_operations(kit::OperationTable& table);

  // Publishes $LATEST of `doc` as its next version and returns the new
  // version's entry (CreateFunction and UpdateFunctionCode with Publish too).
  static Value& publish(Value& doc);

 private:
  Result<Output> publish_version(Context& ctx, const Value& in);
  Result<Output> list_versions(Context& ctx, const Value& in);
  Result<Output> create_alias(Context& ctx, const Value& in);
  Result<Output> get_alias(Context& ctx, const Value& in);
  Result<Output> update_alias(Context& ctx, const Value& in);
  Result<Output> delete_alias(Context& ctx, const Value& in);
  Result<Output> list_aliases(Context& ctx, const Value& in);

  Shared& shared_;
};

// PreconditionFailedException for a RevisionId that is not the current one.
AwsError revision_mismatch();

}  // namespace nuage::services::lambda
