// Lambda functions: CreateFunction, GetFunction(Configuration),
// ListFunctions, UpdateFunctionCode, UpdateFunctionConfiguration,
// DeleteFunction, Put/Get/DeleteFunctionConcurrency, GetAccountSettings.
//
// State and LastUpdateStatus are decided "on the next read": CreateFunction
// answers Pending, updates answer InProgress, what is stored is already
// Active / Successful (boto3's function_active_v2 / function_updated_v2
// waiters pass at the next read).
//
// Thread-safety: handlers take Shared::mutex, never while calling STS or S3.
#pragma once

#include "kit/provider.h"
#include "services/lambda/code.h"
#include "services/lambda/invoke.h"
#include "services/lambda/layers.h"
#include "services/lambda/resources.h"
#include "services/lambda/roles.h"

namespace nuage::services::lambda {

class Functions {
 public:
  Functions(Shared& shared, Code& code, Roles& roles, Layers& layers, Invoker& invoker)
      : shared_(shared), code_(code), roles_(roles), layers_(layers), invoker_(invoker) {}
  void register_operations(kit::OperationTable& table);

 private:
  Result<Output> create_function(Context& ctx, const Value& in);
  Result<Output> get_function(Context& ctx, const Value& in);
  Result<Output> get_function_configuration(Context& ctx, const Value& in);
  Result<Output> list_functions(Context& ctx, const Value& in);
  Result<Output> update_function_code(Context& ctx, const Value& in);
  Result<Output> update_function_configuration(Context& ctx, const Value& in);
  Result<Output> delete_function(Context& ctx, const Value& in);
  Result<Output> put_concurrency(Context& ctx, const Value& in);
  Result<Output> get_concurrency(Context& ctx, const Value& in);
  Result<Output> delete_concurrency(Context& ctx, const Value& in);
  Result<Output> get_account_settings(Context& ctx, const Value& in);
  // The answer to an update of code or configuration, once stored.
  Output updated(const Ref& ref, Output out);

  Shared& shared_;
  Code& code_;
  Roles& roles_;
  Layers& layers_;
  Invoker& invoker_;
};

}  // namespace nuage::services::lambda
