// EventBridge (model "events", json protocol): event buses, rules with event
// patterns or schedules, targets, PutEvents, TestEventPattern.
//
// Scheduled rules fire on the nuage clock: each enabled rule keeps one timer
// for its next occurrence; firing delivers a "Scheduled Event" stamped with
// the occurrence's own time, then arms the next. Events from other services
// (EC2 state changes) arrive through the event bus and are matched against
// the rules of the account/region's default bus. Failed deliveries are
// retried on the clock with exponential backoff, within the target's
// RetryPolicy (185 attempts / 24 h by default).
//
// State: rules and buses in memory, written through to the table
// eventbridge_resources. Thread-safety: mutex_ guards all state; delivery
// happens outside it.
#pragma once

#include <map>
#include <mutex>

#include "common/clock.h"
#include "events/bus.h"
#include "kit/provider.h"
#include "services/eventbridge/schedule.h"
#include "services/eventbridge/targets.h"
#include "storage/database.h"

namespace nuage::services::eventbridge {

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env);
  ~Provider() override;
  std::string_view service() const override { return "events"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;

  // Delivery statistics per rule ARN (what the FailedInvocations metric counts).
  struct Stats {
    int64_t invocations = 0, failed = 0, retries = 0;
  };
  Stats stats(const std::string& rule_arn);

  using Context = kit::RequestContext;
  using Value = kit::Value;

 private:
  struct Key {
    std::string account, region, bus, name;
    bool operator<(const Key& o) const {
      return std::tie(account, region, bus, name) < std::tie(o.account, o.region, o.bus, o.name);
    }
  };
  struct Rule {
    Value doc;  // DescribeRule shape + "Targets"
    std::optional<Schedule> schedule;
    std::optional<Value> pattern;
    Clock::TimerId timer = 0;
  };

  Result<kit::Output> put_rule(Context& ctx, const Value& in);
  Result<kit::Output> describe_rule(Context& ctx, const Value& in);
  Result<kit::Output> list_rules(Context& ctx, const Value& in);
  Result<kit::Output> delete_rule(Context& ctx, const Value& in);
  Result<kit::Output> enable_rule(Context& ctx, const Value& in);
  Result<kit::Output> disable_rule(Context& ctx, const Value& in);
  Result<kit::Output> put_targets(Context& ctx, const Value& in);
  Result<kit::Output> remove_targets(Context& ctx, const Value& in);
  Result<kit::Output> list_targets_by_rule(Context& ctx, const Value& in);
  Result<kit::Output> list_rule_names_by_target(Context& ctx, const Value& in);
  Result<kit::Output> put_events(Context& ctx, const Value& in);
  Result<kit::Output> test_event_pattern(Context& ctx, const Value& in);
  Result<kit::Output> create_event_bus(Context& ctx, const Value& in);
  Result<kit::Output> delete_event_bus(Context& ctx, const Value& in);
  Result<kit::Output> describe_event_bus(Context& ctx, const Value& in);
  Result<kit::Output> list_event_buses(Context& ctx, const Value& in);
  Result<kit::Output> tag_resource(Context& ctx, const Value& in);
  Result<kit::Output> untag_resource(Context& ctx, const Value& in);
  Result<kit::Output> list_tags_for_resource(Context& ctx, const Value& in);

  // Bus name from a name or ARN ("default" when absent).
  static std::string bus_name(const Value& in, const char* member = "EventBusName");
  std::string bus_arn(const std::string& account, const std::string& region, const std::string& bus) const;
  Result<Rule*> find_rule(const Context& ctx, const Value& in);
  Status ensure_bus(const Context& ctx, const std::string& bus);
  void arm(const Key& key, Rule& rule, int64_t after_seconds);
  void disarm(Rule& rule);
  Status save(const Key& key, const Rule& rule);
  // Matches `event` (EventBridge envelope) against the bus's rules and delivers.
  void route(const std::string& account, const std::string& region, const std::string& bus, const Value& event);
  void fire(const Key& key, Clock::TimePoint due);
  struct Pending {
    Delivery delivery;
    std::string rule_arn;
    int attempt = 0;
    int max_attempts = 185;
    int64_t deadline_ms = 0;
  };
  void deliver_with_retry(Pending pending);
  static Pending pending_for(const std::string& account, const std::string& region, const std::string& rule_arn,
                             const Value& target, std::string payload, int64_t time_ms);

  storage::Database& db_;
  Clock& clock_;
  events::Bus& bus_;
  events::Bus::SubscriptionId subscription_ = 0;
  uint64_t rewind_listener_ = 0;
  Targets targets_;
  std::mutex mutex_;
  std::map<Key, Rule> rules_;
  std::map<Key, Value> buses_;  // name == bus
  std::map<std::string, Stats> stats_;
};

}  // namespace nuage::services::eventbridge
