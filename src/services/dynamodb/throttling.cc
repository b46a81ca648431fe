#include "services/dynamodb/throttling.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "services/dynamodb/provider.h"

namespace nuage::services::dynamodb {

using kit::Value;

namespace {

// A new on-demand table serves 4,000 write and 12,000 read request units a
// second: twice a "previous peak" of half those.
constexpr double kOnDemandWritePeak = 2000;
constexpr double kOnDemandReadPeak = 6000;

std::string billing_mode(const Value& doc) {
  if (!doc.contains("BillingModeSummary")) return "PROVISIONED";
  return doc["BillingModeSummary"].value("BillingMode", "PROVISIONED");
}

double provisioned_rate(const Value& throughput_of, bool write) {
  const Value& tp = throughput_of.value("ProvisionedThroughput", Value::object());
  return static_cast<double>(tp.value(write ? "WriteCapacityUnits" : "ReadCapacityUnits", int64_t{0}));
}

double on_demand_maximum(const Value& throughput_of, bool write) {
  const Value& od = throughput_of.value("OnDemandThroughput", Value::object());
  return static_cast<double>(od.value(write ? "MaxWriteRequestUnits" : "MaxReadRequestUnits", int64_t{-1}));
}

const Value* global_index(const Value& doc, const std::string& name) {
  if (!doc.contains("GlobalSecondaryIndexes")) return nullptr;
  for (const auto& index : doc["GlobalSecondaryIndexes"])
    if (index.at("IndexName") == name) return &index;
  return nullptr;
}

}  // namespace

Throttles::Meter& Throttles::meter(const Value& doc, const Value& throughput_of, const std::string& index, bool write) {
  auto now = env_.clock.now();
  std::string mode = billing_mode(doc);
  Meter& m = meters_[{doc.at("TableId").get<std::string>(), index, write}];
  if (m.mode != mode) {
    // A table switched to on-demand starts from half its provisioned rate
    // as its previous peak, when that is above a new table's.
    double peak = write ? kOnDemandWritePeak : kOnDemandReadPeak;
    if (m.bucket) peak = std::max(peak, m.bucket->rate() / 2);
    m = Meter{mode, std::nullopt, std::nullopt};
    if (mode == "PAY_PER_REQUEST") m.window.emplace(peak, on_demand_maximum(throughput_of, write));
    else m.bucket.emplace(provisioned_rate(throughput_of, write), now);
  }
  if (m.bucket && m.bucket->rate() != provisioned_rate(throughput_of, write))
    m.bucket->set_rate(provisioned_rate(throughput_of, write), now);
  if (m.window) m.window->set_maximum(on_demand_maximum(throughput_of, write));
  return m;
}

std::vector<Refusal> Throttles::admit(const Value& doc, const Demand& demand) {
  std::vector<Refusal> refused;
  if (!env_.settings.dynamodb_throttling) return refused;
  auto now = env_.clock.now();
  struct Touch {
    Meter* meter;
    double units;
    std::string index;
  };
  std::vector<Touch> touched;
  // Local indexes share the table's capacity.
  double table_units = demand.table;
  for (const auto& [name, units] : demand.local_indexes) table_units += units;
  if (table_units > 0) touched.push_back({&meter(doc, doc, "", demand.write), table_units, ""});
  for (const auto& [name, units] : demand.global_indexes) {
    const Value* index = global_index(doc, name);
    if (!index || units <= 0) continue;
    touched.push_back({&meter(doc, *index, name, demand.write), units, name});
  }
  std::string operation = demand.write ? "Write" : "Read";
  for (const auto& t : touched) {
    std::string limit;
    bool on_demand = false;
    if (t.meter->bucket) {
      if (!t.meter->bucket->fits(t.units, now)) limit = "ProvisionedThroughputExceeded";
    } else {
      on_demand = true;
      switch (t.meter->window->check(t.units, now)) {
        case OnDemandLimit::kNone: break;
        case OnDemandLimit::kMaximum: limit = "MaxOnDemandThroughputExceeded"; break;
        case OnDemandLimit::kAccount: limit = "AccountLimitExceeded"; break;
        // Traffic beyond twice the previous peak is refused by partitions
        // that have not split yet: AWS's key-range limit.
        case OnDemandLimit::kPeak: limit = "KeyRangeThroughputExceeded"; break;
      }
    }
    if (limit.empty()) continue;
    std::string arn = doc.at("TableArn");
    if (!t.index.empty()) arn += "/index/" + t.index;
    refused.push_back({(t.index.empty() ? "Table" : "Index") + operation + limit, arn, t.index, on_demand});
  }
  if (!refused.empty()) return refused;
  for (const auto& t : touched) {
    if (t.meter->bucket) t.meter->bucket->take(t.units, now);
    else t.meter->window->take(t.units, now);
  }
  return refused;
}

AwsError Throttles::error(const std::vector<Refusal>& refusals) const {
  Value reasons = Value::array();
  bool index = false, on_demand = false;
  for (const auto& r : refusals) {
    reasons.push_back({{"reason", r.reason}, {"resource", r.resource}});
    index |= !r.index.empty();
    on_demand |= r.on_demand;
  }
  std::string message =
      on_demand ? "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling "
                  "your table or index so please try again shortly. If exceptions persist, check if you have a hot key: "
                  "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
      : index ? "The level of configured provisioned throughput for one or more global secondary indexes of the table "
                "was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary "
                "indexes with the UpdateTable API"
              : "The level of configured provisioned throughput for the table was exceeded. Consider increasing your "
                "provisioning level with the UpdateTable API.";
  return errors("ProvisionedThroughputExceededException", message, {{"ThrottlingReasons", reasons}});
}

void Throttles::publish(const std::string& account, const std::string& region, const Value& doc,
                        const std::string& operation, const Demand& consumed, const std::vector<Refusal>& refused) {
  if (!env_.metrics) return;
  std::vector<kit::MetricSample> samples;
  std::string table = doc.at("TableName");
  auto add = [&](const std::string& metric, const std::string& index, double value,
                 std::vector<std::pair<std::string, std::string>> extra = {}) {
    kit::MetricSample s;
    s.account = account;
    s.region = region;
    s.name_space = "AWS/DynamoDB";
    s.metric = metric;
    s.dimensions = {{"TableName", table}};
    if (!index.empty()) s.dimensions.emplace_back("GlobalSecondaryIndexName", index);
    for (auto& d : extra) s.dimensions.push_back(std::move(d));
    s.value = value;
    s.unit = "Count";
    s.timestamp = env_.clock.now();
    samples.push_back(std::move(s));
  };
  std::string direction = consumed.write ? "Write" : "Read";
  std::string consumed_metric = "Consumed" + direction + "CapacityUnits";
  double table_units = consumed.table;
  for (const auto& [name, units] : consumed.local_indexes) table_units += units;
  if (table_units > 0) add(consumed_metric, "", table_units);
  for (const auto& [index, units] : consumed.global_indexes)
    if (units > 0) add(consumed_metric, index, units);
  for (const auto& r : refused) add(direction + "ThrottleEvents", r.index, 1);
  if (!refused.empty()) add("ThrottledRequests", "", 1, {{"Operation", operation}});
  if (samples.empty()) return;
  Status s = env_.metrics->record(samples);
  if (!s.ok()) spdlog::warn("dynamodb: cannot publish metrics of {}: {}", table, s.error().message);
}

void Throttles::follow(const Value& doc) {
  for (bool write : {false, true}) {
    meter(doc, doc, "", write);
    for (const auto& index : doc.value("GlobalSecondaryIndexes", Value::array()))
      meter(doc, index, index.at("IndexName"), write);
  }
}

void Throttles::forget(const std::string& table_id) {
  for (auto it = meters_.begin(); it != meters_.end();)
    it = std::get<0>(it->first) == table_id ? meters_.erase(it) : std::next(it);
}

}  // namespace nuage::services::dynamodb
