// Time to live (UpdateTimeToLive, DescribeTimeToLive) and the sweeper that
// removes expired items on nuage's clock, and DescribeLimits.
//
// A table's setting is kept in its document as "_TimeToLive" {AttributeName,
// Enabled, UpdatedAt}. An item expires when the clock passes the epoch
// seconds of its TTL attribute (a number); AWS removes such items within a
// few days, nuage the moment the clock passes them, so a test sees exactly
// what expires when. As on AWS, expiry times more than five years in the
// past are ignored, and the removals consume no capacity; each sweep
// publishes AWS/DynamoDB TimeToLiveDeletedItemCount.
//
// One clock timer serves every table: it is armed for the earliest expiry
// of all TTL-enabled tables, re-armed after each sweep and whenever a write
// (store_item) or an UpdateTimeToLive brings an earlier one.
#include <spdlog/spdlog.h>

#include <cmath>

#include "common/time.h"
#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/provider.h"

namespace nuage::services::dynamodb {

using kit::Output;
using kit::Value;
using Context = kit::RequestContext;

namespace {

constexpr double kIgnoredPastSeconds = 5 * 365.25 * 86400;  // AWS ignores expiry times older than five years
constexpr double kUpdateIntervalSeconds = 3600;            // one change of the setting per hour

const Value* time_to_live(const Value& doc) {
  auto it = doc.find("_TimeToLive");
  return it != doc.end() && it->value("Enabled", false) ? &*it : nullptr;
}

}  // namespace

Result<Output> Provider::update_time_to_live(Context& ctx, const Value& in) {
  auto found = table(ctx, in.at("TableName"));
  if (!found) return found.take_error();
  const Value& spec = in.at("TimeToLiveSpecification");
  bool enable = spec.at("Enabled");
  std::string attribute = spec.at("AttributeName");
  Value doc = **found;
  Value current = doc.value("_TimeToLive", Value::object());
  bool enabled = current.value("Enabled", false);
  double now = timefmt::epoch_seconds(ctx.clock->now());
  if (enable && enabled) return validation("TimeToLive is already enabled");
  if (!enable && !enabled) return validation("TimeToLive is already disabled");
  if (!enable && current.value("AttributeName", "") != attribute)
    return validation("TimeToLive is active on a different AttributeName: current AttributeName is " +
                      current.value("AttributeName", ""));
  if (current.contains("UpdatedAt") && now - current["UpdatedAt"].get<double>() < kUpdateIntervalSeconds)
    return validation("Time to live has been modified multiple times within a fixed interval");
  doc["_TimeToLive"] = {{"AttributeName", attribute}, {"Enabled", enable}, {"UpdatedAt", now}};
  std::string name = doc["TableName"];
  NUAGE_TRY(store_->put(scope_of(ctx), kTable, name, std::move(doc)));
  if (enable) arm_expiry_sweep();
  Output out;
  out.value["TimeToLiveSpecification"] = {{"AttributeName", attribute}, {"Enabled", enable}};
  return out;
}

Result<Output> Provider::describe_time_to_live(Context& ctx, const Value& in) {
  auto found = table(ctx, in.at("TableName"));
  if (!found) return found.take_error();
  Output out;
  Value description = {{"TimeToLiveStatus", "DISABLED"}};
  if (const Value* ttl = time_to_live(**found))
    description = {{"TimeToLiveStatus", "ENABLED"}, {"AttributeName", (*ttl)["AttributeName"]}};
  out.value["TimeToLiveDescription"] = description;
  return out;
}

Result<Output> Provider::describe_limits(Context&, const Value&) {
  // AWS's default quotas per account and Region, which the throttling
  // model also assumes (services/dynamodb/throttling.h).
  Output out;
  out.value = {{"AccountMaxReadCapacityUnits", 80000},
               {"AccountMaxWriteCapacityUnits", 80000},
               {"TableMaxReadCapacityUnits", 40000},
               {"TableMaxWriteCapacityUnits", 40000}};
  return out;
}

void Provider::note_expiry(const Value& doc, const Value& item) {
  const Value* ttl = time_to_live(doc);
  if (!ttl) return;
  auto it = item.find((*ttl)["AttributeName"].get<std::string>());
  if (it == item.end() || !it->is_object() || !it->contains("N")) return;
  char* end = nullptr;
  std::string text = (*it)["N"];
  double at = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(at)) return;
  if (at < timefmt::epoch_seconds(env_.clock.now()) - kIgnoredPastSeconds) return;
  if (!sweep_timer_ || at < sweep_due_) arm_sweep_at(at);
}

void Provider::arm_expiry_sweep() {
  double now = timefmt::epoch_seconds(env_.clock.now());
  std::optional<double> earliest;
  store_->for_each(kTable, [&](const storage::Scope&, const std::string&, const Value& doc) {
    const Value* ttl = time_to_live(doc);
    if (!ttl) return;
    auto next = items_->next_expiry(doc.at("TableId"), (*ttl)["AttributeName"], now - kIgnoredPastSeconds);
    if (!next) spdlog::warn("dynamodb: cannot read the expiry times of {}: {}", doc.value("TableName", ""),
                            next.error().message);
    else if (*next && (!earliest || **next < *earliest)) earliest = **next;
  });
  if (sweep_timer_) env_.clock.cancel(*sweep_timer_);
  sweep_timer_.reset();
  if (earliest) arm_sweep_at(*earliest);
}

void Provider::arm_sweep_at(double at) {
  if (closed_) return;
  if (sweep_timer_) env_.clock.cancel(*sweep_timer_);
  sweep_due_ = at;
  // Due just after the expiry instant: an item expires once the clock has
  // passed its time.
  sweep_timer_ = env_.clock.schedule(timefmt::from_epoch_seconds(at) + std::chrono::milliseconds(1),
                                     [this](Clock::TimePoint) { sweep_expired(); });
}

void Provider::sweep_expired() {
  std::lock_guard lock(mutex_);
  if (closed_ || !store_) return;
  sweep_timer_.reset();
  double now = timefmt::epoch_seconds(env_.clock.now());
  std::vector<kit::MetricSample> samples;
  store_->for_each(kTable, [&](const storage::Scope& scope, const std::string& name, const Value& doc) {
    const Value* ttl = time_to_live(doc);
    if (!ttl) return;
    // The items and their stream records (REMOVE, by the service) in one transaction.
    size_t count = 0;
    Status status = env_.db.transaction([&]() -> Status {
      auto removed = items_->expire(doc.at("TableId"), (*ttl)["AttributeName"], now - kIgnoredPastSeconds, now);
      if (!removed) return removed.error();
      count = removed->size();
      for (const auto& row : *removed) {
        Value old = from_stored_form(row.item.item);
        Value keys = Value::object();
        for (const auto& k : doc.at("KeySchema")) {
          std::string attribute = k.at("AttributeName");
          if (old.contains(attribute)) keys[attribute] = old[attribute];
        }
        NUAGE_TRY(append_record(doc, keys, old, std::nullopt, true));
      }
      return Status::Ok();
    });
    if (!status.ok()) {
      spdlog::warn("dynamodb: cannot remove the expired items of {}: {}", name, status.error().message);
      return;
    }
    if (count == 0) return;
    kit::MetricSample s;
    s.account = scope.account;
    s.region = scope.region;
    s.name_space = "AWS/DynamoDB";
    s.metric = "TimeToLiveDeletedItemCount";
    s.dimensions = {{"TableName", name}};
    s.value = static_cast<double>(count);
    s.unit = "Count";
    s.timestamp = env_.clock.now();
    samples.push_back(std::move(s));
  });
  if (env_.metrics && !samples.empty()) {
    Status s = env_.metrics->record(samples);
    if (!s.ok()) spdlog::warn("dynamodb: cannot publish TimeToLiveDeletedItemCount: {}", s.error().message);
  }
  arm_expiry_sweep();
}

void Provider::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  if (sweep_timer_) env_.clock.cancel(*sweep_timer_);
  sweep_timer_.reset();
}

}  // namespace nuage::services::dynamodb
