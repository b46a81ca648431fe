// SSM Parameter Store: parameters with versions, scoped by account and
// region, kept in the resource store (kind "parameter", id = the name),
// SecureString values encrypted by KMS (secure_string.h);
// Automation (automation.h) and Run Command (run_command.h), whose
// executions, commands and invocations share the store; managed instances
// (managed_instances.h).
// Thread-safety: handlers run under mutex_; those that call KMS take it
// themselves and release it around the call.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kit/environment.h"
#include "kit/errors.h"
#include "kit/provider.h"
#include "services/ssm/automation.h"
#include "services/ssm/managed_instances.h"
#include "services/ssm/run_command.h"
#include "storage/resource_store.h"

namespace nuage::services::ssm {

// A parameter as GetParameter answers it, found under the mutex: the stored
// value (a SecureString's ciphertext), its clear value when it was stored
// in clear by an older nuage, and whether KMS must decrypt it.
struct View {
  kit::Value parameter;
  std::optional<std::string> clear;
  bool encrypted = false;
};

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  std::string_view service() const override { return "ssm"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void close() override;
  void reset() override;

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;
  Result<Output> put_parameter(Context& ctx, const Value& in);
  Result<Output> get_parameter(Context& ctx, const Value& in);
  Result<Output> get_parameters(Context& ctx, const Value& in);
  Result<Output> get_parameters_by_path(Context& ctx, const Value& in);
  // Answers the views found under the mutex, SecureStrings decrypted by KMS
  // when asked (without the mutex): into out[member], or "Parameter" when null.
  Result<Output> answer(Context& ctx, std::vector<View> views, bool decrypt, Output out, const char* member);
  Result<Output> delete_parameter(Context& ctx, const Value& in);
  Result<Output> delete_parameters(Context& ctx, const Value& in);

  kit::Environment& env_;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  Automation automation_{env_, mutex_, store_};
  ManagedInstances managed_{env_};
  RunCommand run_command_{env_, mutex_, store_, managed_};
};

}  // namespace nuage::services::ssm
