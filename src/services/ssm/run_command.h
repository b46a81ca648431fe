// SSM Run Command: SendCommand with AWS-RunShellScript (Parameters
// commands, workingDirectory, executionTimeout) to managed instances
// (managed_instances.h) chosen by InstanceIds or Targets (InstanceIds,
// tag:<key>, tag-key), with MaxConcurrency, MaxErrors and TimeoutSeconds;
// GetCommandInvocation, ListCommands, ListCommandInvocations (Details),
// CancelCommand. AWS-RunPowerShellScript is refused (nuage's instances have
// no PowerShell); other documents are unknown.
//
// Each invocation really runs: `bash -c` of the joined command lines, as
// root in the instance's environment (runtime/instance_environment.h), on
// this object's worker threads (never a request or I/O thread), at most
// MaxConcurrency of a command at once and kWorkers in all; the rest wait,
// Pending, in a bounded queue. Output is kept bounded (the first 4 MiB of
// each stream); StandardOutputContent and StandardErrorContent carry the
// first 24,000 and 8,000 characters, and the full text goes to S3 under
// AWS's key layout (written with the instance profile role's credentials,
// as the agent does) and to CloudWatch Logs when asked.
//
// State: commands (kind "command") and invocations (kind
// "command-invocation", id "<command-id>/<instance-id>") in the SSM
// provider's resource store, stored at every status change, so they
// survive a restart. An invocation still Pending when nuage stopped never
// ran: open() marks it Failed/Undeliverable; one InProgress died with
// nuage's sandbox: Failed/Failed with ResponseCode -1.
//
// Thread-safety: the store and the dispatch state are guarded by the SSM
// provider's mutex, never held while a command runs or while EC2, IAM, S3
// or Logs are called.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kit/environment.h"
#include "kit/provider.h"
#include "runtime/sandbox.h"
#include "runtime/workers.h"
#include "services/ssm/managed_instances.h"
#include "storage/resource_store.h"

namespace nuage::services::ssm {

class RunCommand {
 public:
  static constexpr int kWorkers = 4;

  RunCommand(kit::Environment& env, std::mutex& mutex, std::unique_ptr<storage::ResourceStore>& store,
             const ManagedInstances& instances);
  ~RunCommand();
  void register_operations(kit::OperationTable& table);
  // After the store opened: ends the invocations nuage's last run left unfinished.
  Status recover();
  // Cancels every running invocation (the store is being cleared); under the mutex.
  void reset();
  // Stops the workers (server shutdown).
  void stop();

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;
  using Scope = storage::Scope;
  Result<Output> send_command(Context& ctx, const Value& in);
  Result<Output> get_command_invocation(Context& ctx, const Value& in);
  Result<Output> list_commands(Context& ctx, const Value& in);
  Result<Output> list_command_invocations(Context& ctx, const Value& in);
  Result<Output> cancel_command(Context& ctx, const Value& in);

  // Under the mutex: starts the command's next invocations as MaxConcurrency
  // allows, and stops starting them once MaxErrors is exceeded.
  Status dispatch(const Scope& scope, const std::string& command_id);
  // On a worker: runs one invocation and records its end.
  void execute(const Scope& scope, const std::string& command_id, const std::string& instance_id);
  // Under the mutex: the command's counts, Status and StatusDetails from its invocations.
  Status refresh_command(const Scope& scope, const std::string& command_id);
  // Under the mutex: stores an invocation's end (terminal status, output, times).
  Status end_invocation(const Scope& scope, Value invocation, const std::string& status, const std::string& details);
  // Writes the full output to S3 and CloudWatch Logs as the command asks; the
  // URLs it answers with are set on `invocation`.
  void deliver_output(const Scope& scope, const Value& command, const Value& invocation, const std::string& out,
                      const std::string& err);

  kit::Environment& env_;
  std::mutex& mutex_;
  std::unique_ptr<storage::ResourceStore>& store_;
  const ManagedInstances& instances_;
  runtime::SandboxMode mode_;
  int64_t sequence_ = 0;  // orders commands newest first
  // Under mutex_: invocations started and not yet ended, "<command>/<instance>" -> cancel flag.
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> running_;
  // Under mutex_: how many of a command's invocations are started and not ended.
  std::map<std::string, int64_t> active_;
  runtime::Workers workers_{kWorkers, 10000};
};

}  // namespace nuage::services::ssm
