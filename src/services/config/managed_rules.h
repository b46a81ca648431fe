// The AWS managed rules nuage evaluates natively (Source.Owner AWS): their
// identifiers, the resource types they judge, whether they also run
// periodically, the InputParameters they accept, and their verdict on a
// resource's latest configuration item, as AWS documents each rule:
//   INCOMING_SSH_DISABLED (restricted-ssh), RESTRICTED_INCOMING_TRAFFIC
//   (restricted-common-ports, blockedPort1..5 / blockedPorts),
//   VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS (authorizedTcpPorts /
//   authorizedUdpPorts), VPC_DEFAULT_SECURITY_GROUP_CLOSED,
//   S3_BUCKET_VERSIONING_ENABLED (isMfaDeleteEnabled), REQUIRED_TAGS
//   (tag1Key..tag6Key, tag1Value..tag6Value), EC2_INSTANCE_NO_PUBLIC_IP.
// Any other identifier is unknown to nuage and refused at PutConfigRule.
//
// Thread-safety: immutable data and pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "services/config/items.h"

namespace nuage::services::config {

struct Verdict {
  std::string compliance;  // COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE
  std::string annotation;
};

struct ManagedRule {
  std::string identifier;
  std::vector<std::string> resource_types;
  bool periodic = false;  // every managed rule here is also triggered by changes
  // Validates the rule's InputParameters (an object); the error is AWS's
  // InvalidParameterValueException. `rule_name` words the message.
  Status (*check)(const std::string& rule_name, const Value& parameters) = nullptr;
  // The verdict on a resource's latest item (never a deleted one).
  Verdict (*evaluate)(const Item& item, const Value& parameters) = nullptr;
};

// The rule `identifier` names; nullptr for one nuage does not know.
const ManagedRule* find_managed_rule(const std::string& identifier);

// "443,1020-1025" -> [[443,443],[1020,1025]]; nullopt when malformed.
std::optional<std::vector<std::pair<int, int>>> parse_port_ranges(const std::string& text);

}  // namespace nuage::services::config
