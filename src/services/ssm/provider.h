// SSM Parameter Store: parameters with versions, labels, tags and policies,
// scoped by account and region, kept in the resource store (kind
// "parameter", id = the name; the document's shape: parameter_versions.h),
// SecureString values encrypted by KMS (secure_string.h); changes announced
// to EventBridge as "Parameter Store Change" events and policies applied on
// the clock (parameter_policies.h). Automation (automation.h) and Run
// Command (run_command.h), whose executions, commands and invocations share
// the store; managed instances (managed_instances.h).
//
// Feature files: provider.cc (put, get, by path, delete), labels.cc
// (LabelParameterVersion, UnlabelParameterVersion, GetParameterHistory),
// describe.cc (DescribeParameters and the filters it shares with
// GetParametersByPath), tags.cc, parameter_policies.cc.
//
// Thread-safety: handlers run under mutex_; those that call KMS or publish
// events take it themselves and release it around the call. Policy timers
// fire on the clock's thread and take mutex_.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "events/bus.h"
#include "kit/environment.h"
#include "kit/errors.h"
#include "kit/provider.h"
#include "services/ssm/automation.h"
#include "services/ssm/managed_instances.h"
#include "services/ssm/run_command.h"
#include "storage/resource_store.h"

namespace nuage::services::ssm {

inline constexpr const char* kParameter = "parameter";

inline storage::Scope scope_of(const kit::RequestContext& ctx) { return {ctx.account_id, ctx.region}; }
std::string parameter_arn(const storage::Scope& scope, const std::string& name);

// A parameter as GetParameter answers it, found under the mutex: the stored
// value (a SecureString's ciphertext), its clear value when it was stored
// in clear by an older nuage, and whether KMS must decrypt it.
struct View {
  kit::Value parameter;
  std::optional<std::string> clear;
  bool encrypted = false;
  bool envelope = false;  // sealed under a KMS data key (secure_string.h)
};

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  ~Provider() override;
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
  Result<Output> get_parameter_history(Context& ctx, const Value& in);
  Result<Output> delete_parameter(Context& ctx, const Value& in);
  Result<Output> delete_parameters(Context& ctx, const Value& in);
  Result<Output> label_parameter_version(Context& ctx, const Value& in);
  Result<Output> unlabel_parameter_version(Context& ctx, const Value& in);
  Result<Output> describe_parameters(Context& ctx, const Value& in);
  Result<Output> add_tags_to_resource(Context& ctx, const Value& in);
  Result<Output> remove_tags_from_resource(Context& ctx, const Value& in);
  Result<Output> list_tags_for_resource(Context& ctx, const Value& in);

  // Under mutex_: the version a selector ("name", "name:3", "name:label",
  // an ARN) names, as GetParameter shows it.
  Result<View> find_view(const storage::Scope& scope, const std::string& spec) const;
  View public_view(const storage::Scope& scope, const Value& doc, const Value& entry,
                   const std::string& selector) const;
  // Answers the views found under the mutex, SecureStrings decrypted by KMS
  // when asked (without the mutex): into out[member], or "Parameter" when null.
  Result<Output> answer(Context& ctx, std::vector<View> views, bool decrypt, Output out, const char* member);
  // Under mutex_: removes a parameter, its timers, and announces it.
  Status erase_parameter(const storage::Scope& scope, const std::string& name);
  // Under mutex_: queues a "Parameter Store Change" event; publish_pending()
  // sends the queue once the mutex is released (the bus delivers in the
  // publisher's thread).
  void announce(const storage::Scope& scope, const Value& doc, const std::string& operation);
  void publish_pending();

  // parameter_policies.cc, under mutex_: one clock timer per parameter, for
  // the earliest of its pending policies.
  void arm_policies(const storage::Scope& scope, const std::string& name);
  void disarm_policies(const storage::Scope& scope, const std::string& name);
  void arm_all_policies();
  void disarm_all_policies();
  void on_policy_due(const storage::Scope& scope, const std::string& name);

  kit::Environment& env_;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  std::vector<events::Event> pending_events_;
  std::map<std::string, Clock::TimerId> policy_timers_;  // by parameter ARN
  Automation automation_{env_, mutex_, store_};
  ManagedInstances managed_{env_};
  RunCommand run_command_{env_, mutex_, store_, managed_};
};

}  // namespace nuage::services::ssm
