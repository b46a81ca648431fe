// STS: who is calling (GetCallerIdentity). AssumeRole and the session
// credentials land with the IAM/STS issue.
// Thread-safety: stateless.
#pragma once

#include "gateway/provider.h"

namespace nuage::services::sts {

class Provider : public gateway::Provider {
 public:
  std::string_view service() const override { return "sts"; }
  void register_operations(gateway::OperationTable& table) override;
  void reset() override {}
};

}  // namespace nuage::services::sts
