// EventBridge (model "events", json protocol): event buses, rules with event
// patterns or schedules, targets, PutEvents, TestEventPattern, tags on rules
// and buses.
//
// Scheduled rules fire on the nuage clock: each enabled rule keeps one timer
// for its next occurrence; firing delivers a "Scheduled Event" stamped with
// the occurrence's own time, then arms the next. Events from other services
// (EC2 state changes) arrive through the event bus and are matched against
// the rules of the account/region's default bus. Failed deliveries are
// retried on the clock with exponential backoff, within the target's
// RetryPolicy (185 attempts / 24 h by default).
//
// State: rules (kind "rule", id "<bus>/<name>": a bus's rules are one range)
// and custom buses (kind "bus", id the name; "default" is implicit) in a
// storage::ResourceStore; beside it, in memory only, each rule's parsed
// schedule or pattern and its timer. Thread-safety: mutex_ guards all state;
// delivery happens outside it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "common/clock.h"
#include "events/bus.h"
#include "events/schedule.h"
#include "events/targets.h"
#include "kit/provider.h"
#include "kit/tagging.h"
#include "storage/resource_store.h"

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
  // What a rule needs at run time and the store does not keep.
  struct Armed {
    std::optional<events::Schedule> schedule;
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

  // Bus name from a name or ARN ("default" when absent).
  static std::string bus_name(const Value& in, const char* member = "EventBusName");
  std::string bus_arn(const std::string& account, const std::string& region, const std::string& bus) const;
  // The store id of the rule the request names (Name or Rule, EventBusName),
  // or ResourceNotFound for a missing bus or rule.
  Result<std::string> find_rule(const Context& ctx, const Value& in);
  Status ensure_bus(const Context& ctx, const std::string& bus);
  // The tagged resource an ARN names (a rule or a custom bus).
  Result<kit::TaggedResource> resolve(const Context& ctx, const std::string& arn) const;
  // (Re)arms a rule's timer for its first occurrence after `after_seconds`
  // (a scheduled, enabled rule), from its stored document.
  void arm(const storage::Scope& scope, const std::string& id, int64_t after_seconds);
  void disarm(Armed& armed);
  void disarm_all();
  Armed* armed(const storage::Scope& scope, const std::string& id);
  // Matches `event` (EventBridge envelope) against the bus's rules and delivers.
  void route(const std::string& account, const std::string& region, const std::string& bus, const Value& event);
  void fire(const storage::Scope& scope, const std::string& id, Clock::TimePoint due);
  struct Pending {
    events::Delivery delivery;
    std::string rule_arn;
    int attempt = 0;
    int max_attempts = 185;
    int64_t deadline_ms = 0;
  };
  void deliver_with_retry(Pending pending);
  static Pending pending_for(const std::string& account, const std::string& region, const std::string& rule_arn,
                             const Value& target, std::string payload, int64_t time_ms);

  kit::Environment& env_;
  Clock& clock_;
  events::Bus& bus_;
  events::Bus::SubscriptionId subscription_ = 0;
  uint64_t rewind_listener_ = 0;
  events::Targets targets_;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  std::map<storage::Scope, std::map<std::string, Armed>> armed_;  // by scope, rule id
  std::map<std::string, Stats> stats_;
};

}  // namespace nuage::services::eventbridge
