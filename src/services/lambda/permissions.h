// Resource-based policies: a function's (AddPermission, RemovePermission,
// GetPolicy) and a layer version's (AddLayerVersionPermission,
// RemoveLayerVersionPermission, GetLayerVersionPolicy), and the check that
// an AWS service (an EventBridge rule, a CloudWatch alarm) invoking a
// function is granted it by the function's policy.
// Thread-safety: handlers run under Shared::mutex.
#pragma once

#include <functional>

#include "kit/provider.h"
#include "services/lambda/resources.h"

namespace nuage::services::lambda {

class Permissions {
 public:
  explicit Permissions(Shared& shared) : shared_(shared) {}
  void register_operations(kit::OperationTable& table);

  // AccessDeniedException unless the function's statements `policy` let the
  // calling service principal invoke `ref` (aws:SourceArn, aws:SourceAccount).
  static Status check_service_invoke(const Context& ctx, const Ref& ref, const Value& policy);

 private:
  Result<Output> add_permission(Context& ctx, const Value& in);
  Result<Output> remove_permission(Context& ctx, const Value& in);
  Result<Output> get_policy(Context& ctx, const Value& in);
  Result<Output> add_layer_permission(Context& ctx, const Value& in);
  Result<Output> remove_layer_permission(Context& ctx, const Value& in);
  Result<Output> get_layer_policy(Context& ctx, const Value& in);
  // Applies `change` to the layer version `in` names (LayerName,
  // VersionNumber) and stores it.
  Status change_layer_policy(const Context& ctx, const Value& in, const std::function<Status(Value& doc)>& change);

  Shared& shared_;
};

}  // namespace nuage::services::lambda
