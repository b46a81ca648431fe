// Throttling of DynamoDB requests: every table and global secondary index
// has a meter for reads and one for writes (services/dynamodb/throughput.h),
// a token bucket when the table is PROVISIONED, a per-second window when it
// is PAY_PER_REQUEST. A request names what it would consume (a Demand);
// admit() serves it only when every meter it touches has room — a write
// that a GSI cannot take is refused for the table too — and then takes the
// units from each. What is refused answers ProvisionedThroughputExceeded-
// Exception with AWS's ThrottlingReasons (Table/Index, Read/Write, and the
// limit type, with the resource's ARN).
//
// Meters live in memory, keyed by the table's id (a table re-created is a
// new table) and follow the stored description: UpdateTable moves them to
// its new capacity or billing mode at once. A
// restart starts every bucket full again.
//
// Every call also publishes the AWS/DynamoDB metrics of what it consumed
// and what it refused to CloudWatch (through the environment's sink):
// ConsumedRead/WriteCapacityUnits and Read/WriteThrottleEvents by TableName
// (and GlobalSecondaryIndexName), ThrottledRequests by TableName and
// Operation.
//
// Thread-safety: none; the provider calls it under its lock.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kit/environment.h"
#include "kit/errors.h"
#include "services/dynamodb/capacity.h"
#include "services/dynamodb/throughput.h"

namespace nuage::services::dynamodb {

// One refused resource: a ThrottlingReason.
struct Refusal {
  std::string reason;    // "TableWriteProvisionedThroughputExceeded"
  std::string resource;  // the table's or index's ARN
  std::string index;     // the GSI's name, empty for the table
  bool on_demand = false;
};

class Throttles {
 public:
  explicit Throttles(kit::Environment& env) : env_(env) {}

  // Serves (takes the units and returns no refusal) or refuses `demand` on
  // the table `doc` (a stored description). Refusals take nothing.
  std::vector<Refusal> admit(const kit::Value& doc, const Demand& demand);
  // The error a refused request answers.
  AwsError error(const std::vector<Refusal>& refusals) const;
  // Publishes what a call on `doc` consumed and refused (none: nothing).
  void publish(const std::string& account, const std::string& region, const kit::Value& doc,
               const std::string& operation, const Demand& consumed, const std::vector<Refusal>& refused);
  // Moves the meters to a table's new capacity (UpdateTable) from now on.
  void follow(const kit::Value& doc);
  // Forgets a deleted table's meters; clear(): all (reset).
  void forget(const std::string& table_id);
  void clear() { meters_.clear(); }

 private:
  struct Meter {
    std::string mode;  // the billing mode the meter was made for
    std::optional<TokenBucket> bucket;
    std::optional<OnDemandWindow> window;
  };
  // (table id, index name or "", write)
  using Key = std::tuple<std::string, std::string, bool>;
  Meter& meter(const kit::Value& doc, const kit::Value& throughput_of, const std::string& index, bool write);

  kit::Environment& env_;
  std::map<Key, Meter> meters_;
};

}  // namespace nuage::services::dynamodb
