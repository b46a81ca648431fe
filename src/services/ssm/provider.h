// SSM Parameter Store: parameters with versions, scoped by account and
// region, kept in the resource store (kind "parameter", id = the name);
// and Automation (automation.h), whose executions share the store.
// Thread-safety: handlers run under mutex_.
#pragma once

#include <memory>
#include <mutex>

#include "kit/environment.h"
#include "kit/errors.h"
#include "kit/provider.h"
#include "services/ssm/automation.h"
#include "storage/resource_store.h"

namespace nuage::services::ssm {

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  std::string_view service() const override { return "ssm"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;
  Result<Output> put_parameter(Context& ctx, const Value& in);
  Result<Output> get_parameter(Context& ctx, const Value& in);
  Result<Output> get_parameters(Context& ctx, const Value& in);
  Result<Output> delete_parameter(Context& ctx, const Value& in);
  Result<Output> delete_parameters(Context& ctx, const Value& in);

  kit::Environment& env_;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  Automation automation_{env_, mutex_, store_};
};

}  // namespace nuage::services::ssm
