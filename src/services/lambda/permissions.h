// Resource-based policies: a function's (AddPermission, RemovePermission,
// GetPolicy) and a layer version's (AddLayerVersionPermission,
// RemoveLayerVersionPermission, GetLayerVersionPolicy). These policies are
// what the authorizer judges calls on functions and layers by
// (kit::OperationTable::set_resource_policies): an AWS service invoking a
// function (an EventBridge rule, a Scheduler schedule) and callers of other
// accounts need their grant.
// Thread-safety: handlers run under Shared::mutex; resource_policy takes it.
#pragma once

#include <functional>
#include <optional>

#include "kit/provider.h"
#include "services/lambda/resources.h"

namespace nuage::services::lambda {

class Permissions {
 public:
  explicit Permissions(Shared& shared) : shared_(shared) {}
  void register_operations(kit::OperationTable& table);

  // The owner and policy of the function or layer (version) a target's ARN
  // names; nullopt when it names none of the caller's account.
  std::optional<policy::ResourcePolicy> resource_policy(const Context& ctx, const kit::ActionTarget& target);

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
  policy::PolicyCache policies_{policy::PolicyKind::kResource};
};

}  // namespace nuage::services::lambda
