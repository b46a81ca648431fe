// S3's IAM actions and resources: most S3 operations are not
// "s3:<OperationName>" (ListObjectsV2 is s3:ListBucket, CopyObject is
// s3:PutObject on the target plus s3:GetObject on the source, an object
// operation with a VersionId is its ...Version action), and their resources
// are bucket or object ARNs. Also the condition keys S3 requests set.
// Thread-safety: pure functions over immutable tables.
#pragma once

#include "kit/provider.h"

namespace nuage::services::s3 {

// The (action, resource) pairs of one S3 call.
std::vector<kit::ActionTarget> authorization_targets(const kit::RequestContext& ctx, const kit::Value& in);
// s3:prefix, s3:delimiter, s3:max-keys, s3:x-amz-acl, ...
void add_condition_keys(const kit::RequestContext& ctx, const kit::Value& in, policy::Context& keys);

}  // namespace nuage::services::s3
