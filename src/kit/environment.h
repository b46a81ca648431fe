// What every provider is given: the shared database, the clock, the event
// bus, the work folder, the sinks through which services write logs and
// metrics to CloudWatch, and one interface for calling another service's
// operation or assuming a role as a service principal. Providers hold their
// Environment, never the gateway or another provider.
//
// The environment is made once by `nuage serve` (and by `nuage operations`,
// with no work folder) before the providers; the gateway and the providers
// that implement a sink register themselves in it before serving starts.
//
// Thread-safety: the members are set before serving and read-only
// afterwards; what they point to is safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "common/clock.h"
#include "common/error.h"
#include "events/bus.h"
#include "kit/logs_sink.h"
#include "kit/metrics_sink.h"
#include "kit/value.h"
#include "storage/database.h"

namespace nuage::runtime {
class Budget;
}

namespace nuage::kit {

// Calls an operation of another service from inside nuage (an alarm action
// stopping an instance, a schedule invoking a Lambda function): the same
// handler, input checks and authorization as a request, without HTTP.
// `caller` is who acts (a role session, a service principal, or the account
// root for AWS-managed actions); the account comes from it.
class ServiceCalls {
 public:
  virtual ~ServiceCalls() = default;
  virtual Result<Output> call(const std::string& service, const std::string& operation, const Value& input,
                              const auth::Credential& caller, const std::string& region) = 0;
};

// Server settings providers read (from `nuage serve`'s options).
struct Settings {
  std::string default_region = "us-east-1";
  // Clock seconds an EC2 instance spends pending/stopping/shutting-down.
  int ec2_transition_seconds = 0;
  bool iam_enforcement = true;
  // The RDS engines that get a real server (rds/engine.h Engines::enable):
  // "all", "none", or engine names separated by commas.
  std::string rds_engines = "all";
  // DynamoDB refuses requests beyond a table's capacity (services/dynamodb/throttling.h).
  bool dynamodb_throttling = true;
};

struct Environment {
  storage::Database& db;
  Clock& clock;
  events::Bus& bus;
  // Where providers keep files (blobs, extracted code, sandboxes): the data
  // folder, or a temporary one when ephemeral. Empty: nothing is kept on
  // disk and nothing runs (`nuage operations`).
  std::filesystem::path work_dir = {};
  // Folders sandboxed code must never see (nuage's data folder).
  std::vector<std::filesystem::path> hidden = {};
  // nuage's port once it listens (for AWS_ENDPOINT_URL in sandboxes and
  // download URLs); 0 before.
  std::function<uint16_t()> port = [] { return uint16_t{0}; };
  Settings settings = {};

  // The access keys the gateway verifies signatures with; IAM and STS
  // register the keys they issue.
  auth::CredentialStore* credentials = nullptr;
  // Set before serving: the gateway, and the providers that are sinks.
  ServiceCalls* calls = nullptr;
  LogsSink* logs = nullptr;
  MetricsSink* metrics = nullptr;
  // The memory budget every sandboxed process draws on (runtime/budget.h):
  // Lambda environments now, EC2 instances' commands and ECS containers as
  // they land. Set by `nuage serve` (--sandbox-memory); null: a provider that
  // runs sandboxes makes one from the machine's memory.
  runtime::Budget* sandboxes = nullptr;

  // calls->call(...); NotImplemented-style error if no gateway is set.
  Result<Output> call(const std::string& service, const std::string& operation, const Value& input,
                      const auth::Credential& caller, const std::string& region) const;
  // Assumes `role_arn` as the service principal `service`
  // ("lambda.amazonaws.com"), through STS, so the role's trust policy
  // decides. `duration_seconds` 0: STS's default.
  Result<auth::Credential> assume_role(const std::string& role_arn, const std::string& service,
                                       const std::string& account, const std::string& region,
                                       const std::string& session_name, int duration_seconds = 0) const;
  // The principal a service acts as when it calls on its own authority.
  // `source_arn`: the resource it acts for (a rule, a schedule), for
  // aws:SourceArn in resource policies.
  static auth::Credential service_principal(const std::string& service, const std::string& account,
                                            const std::string& source_arn = "");
};

}  // namespace nuage::kit
