// SSM Parameter Store: parameters with versions, kept in the shared
// database (table ssm_parameters), scoped by account and region.
// Thread-safety: every handler runs its reads and writes in one database
// transaction, so concurrent requests see whole updates.
#pragma once

#include "gateway/provider.h"
#include "storage/database.h"

namespace nuage::services::ssm {

class Provider : public gateway::Provider {
 public:
  explicit Provider(storage::Database& db);
  std::string_view service() const override { return "ssm"; }
  void register_operations(gateway::OperationTable& table) override;
  void reset() override;

 private:
  using Context = gateway::RequestContext;
  using Value = gateway::Value;
  Result<gateway::Output> put_parameter(Context& ctx, const Value& in);
  Result<gateway::Output> get_parameter(Context& ctx, const Value& in);
  Result<gateway::Output> get_parameters(Context& ctx, const Value& in);
  Result<gateway::Output> delete_parameter(Context& ctx, const Value& in);
  Result<gateway::Output> delete_parameters(Context& ctx, const Value& in);

  // The stored parameter document, or null.
  Result<Value> load(const Context& ctx, const std::string& name);
  Status store(const Context& ctx, const std::string& name, const Value& doc);

  storage::Database& db_;
};

}  // namespace nuage::services::ssm
