// Lambda layers: PublishLayerVersion, GetLayerVersion(ByArn),
// ListLayers, ListLayerVersions, DeleteLayerVersion, and the layer
// versions a function configuration names. A deleted version leaves the
// store; its number is never reused (the layer keeps its next number), and
// functions that use it keep running, as on AWS.
// Thread-safety: handlers take Shared::mutex (never while calling S3).
#pragma once

#include "kit/provider.h"
#include "services/lambda/code.h"
#include "services/lambda/resources.h"

namespace nuage::services::lambda {

class Layers {
 public:
  Layers(Shared& shared, Code& code) : shared_(shared), code_(code) {}
  void register_operations(kit::OperationTable& table);

  // Under Shared::mutex: the layer version ARNs of a configuration (at most
  // 5) → [{Arn, CodeSize, blob, sha_hex, unzipped}].
  Result<Value> resolve(const Value& arns) const;

 private:
  Result<Output> publish_layer_version(Context& ctx, const Value& in);
  Result<Output> get_layer_version(Context& ctx, const Value& in);
  Result<Output> get_layer_version_by_arn(Context& ctx, const Value& in);
  Result<Output> list_layers(Context& ctx, const Value& in);
  Result<Output> list_layer_versions(Context& ctx, const Value& in);
  Result<Output> delete_layer_version(Context& ctx, const Value& in);
  Result<Output> answer_version(const LayerRef& layer, int64_t version) const;

  Shared& shared_;
  Code& code_;
};

}  // namespace nuage::services::lambda
