// Which EC2 instances Systems Manager manages, as AWS decides it: a running
// instance whose instance profile's role allows the SSM agent
// (ssm:UpdateInstanceInformation and ec2messages:GetMessages, which the
// AmazonSSMManagedInstanceCore managed policy grants), evaluated by IAM's
// policy engine (SimulatePrincipalPolicy). Instances are read from EC2 and
// roles from IAM through the environment's service calls, as the account's
// root — no table of another service is read.
//
// Operation: DescribeInstanceInformation (Filters and
// InstanceInformationFilterList: InstanceIds, PingStatus, PlatformTypes,
// ResourceType, tag:<key>; MaxResults/NextToken). Every managed instance is
// Online: its agent is nuage itself.
//
// Thread-safety: stateless; safe from any thread (never called with the
// SSM provider's mutex held: it calls EC2 and IAM).
#pragma once

#include <string>
#include <vector>

#include "kit/environment.h"
#include "kit/provider.h"

namespace nuage::services::ssm {

struct ManagedInstance {
  std::string instance_id;
  std::string state;        // EC2's state name
  std::string hostname;     // PrivateDnsName
  std::string private_ip;
  std::string role_arn;     // the instance profile's role ("" without one)
  bool managed = false;     // running, with a role that allows SSM
  kit::Value tags = kit::Value::array();
};

class ManagedInstances {
 public:
  explicit ManagedInstances(kit::Environment& env) : env_(env) {}
  void register_operations(kit::OperationTable& table);

  // The account's instances in the region (terminated ones left out), each
  // with whether SSM manages it. `ids` empty: all of them.
  Result<std::vector<ManagedInstance>> list(const std::string& account, const std::string& region,
                                            const std::vector<std::string>& ids) const;

 private:
  Result<kit::Output> describe_instance_information(kit::RequestContext& ctx, const kit::Value& in);
  // Whether the role allows the SSM agent's actions.
  bool role_allows_ssm(const std::string& account, const std::string& region, const std::string& role_arn) const;

  kit::Environment& env_;
};

// The account's root, for calls nuage makes on an account's behalf.
auth::Credential account_root(const std::string& account);

}  // namespace nuage::services::ssm
