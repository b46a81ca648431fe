// SSM Automation: the AWS-owned runbooks nuage runs for real, those AWS
// Config remediates security groups with:
//   AWS-DisablePublicAccessForSecurityGroup (GroupId, IpAddressToBlock):
//     revokes SSH (22) and RDP (3389) open to 0.0.0.0/0 and ::/0 (and to
//     IpAddressToBlock), one aws:executeAwsApi step each, every step run
//     (onFailure Continue) and the execution Failed if one failed;
//   AWS-DisableIncomingSSHOnPort22 (SecurityGroupIds): removes every
//     ingress permission that opens TCP 22 to the world.
// Their steps call EC2 through the environment with the credentials of the
// AutomationAssumeRole (assumed as ssm.amazonaws.com, so its trust and
// permission policies decide) or, without one, of the caller; a service
// starting a runbook (AWS Config) must name a role.
//
// Operations: GetDocument (for the runbooks), StartAutomationExecution
// (runs the document to its end before answering), GetAutomationExecution,
// DescribeAutomationExecutions. Executions are kept in the SSM provider's
// store (kind "automation-execution").
//
// Thread-safety: the store is guarded by the SSM provider's mutex, never
// held while a runbook calls EC2.
#pragma once

#include <memory>
#include <mutex>

#include "kit/environment.h"
#include "kit/provider.h"
#include "storage/resource_store.h"

namespace nuage::services::ssm {

class Automation {
 public:
  Automation(kit::Environment& env, std::mutex& mutex, std::unique_ptr<storage::ResourceStore>& store)
      : env_(env), mutex_(mutex), store_(store) {}
  void register_operations(kit::OperationTable& table);

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;
  Result<Output> get_document(Context& ctx, const Value& in);
  Result<Output> start_execution(Context& ctx, const Value& in);
  Result<Output> get_execution(Context& ctx, const Value& in);
  Result<Output> describe_executions(Context& ctx, const Value& in);

  kit::Environment& env_;
  std::mutex& mutex_;
  std::unique_ptr<storage::ResourceStore>& store_;
};

}  // namespace nuage::services::ssm
