// EventBridge Scheduler (model "scheduler", rest-json): schedule groups and
// schedules with at(), rate() and cron() expressions evaluated in a time zone
// (ScheduleExpressionTimezone), start/end dates, flexible time windows,
// ActionAfterCompletion, and targets (Lambda, universal aws-sdk targets...).
//
// Firing: each enabled schedule keeps one clock timer for its next nominal
// occurrence plus its flexible-window offset (deterministic: a hash of the
// group and name, within MaximumWindowInMinutes). Firing assumes the target's
// RoleArn as scheduler.amazonaws.com and delivers through events::Targets,
// so the role's identity policies decide what the call may do; failures are
// retried on the clock per the target's RetryPolicy. A schedule with no
// further occurrence and ActionAfterCompletion DELETE is deleted once it has
// fired.
//
// State: schedules (kind "schedule", id "<group>/<name>": a group's
// schedules are one range) and groups (kind "group", id the name; "default"
// is implicit) in a storage::ResourceStore, re-armed at start; beside it, in
// memory only, each schedule's parsed expression, time zone and timer.
// Thread-safety: mutex_ guards all state; delivery happens outside it.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "common/clock.h"
#include "events/schedule.h"
#include "events/targets.h"
#include "kit/provider.h"
#include "kit/tagging.h"
#include "storage/resource_store.h"

namespace nuage::services::scheduler {

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env);
  ~Provider() override;  // cancels the schedules' timers (the clock outlives providers)
  std::string_view service() const override { return "scheduler"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;

  // Delivery statistics per schedule ARN.
  struct Stats {
    int64_t invocations = 0, failed = 0, retries = 0;
  };
  Stats stats(const std::string& schedule_arn);

  using Context = kit::RequestContext;
  using Value = kit::Value;

 private:
  // What a schedule needs at run time and the store does not keep.
  struct Armed {
    events::Schedule schedule;
    events::TimeZone zone;
    Clock::TimerId timer = 0;
  };
  // A validated CreateSchedule/UpdateSchedule: the document to store
  // (GetSchedule shape + internal "_Anchor") and its parsed expression.
  struct Built {
    Value doc;
    Armed armed;
  };

  Result<kit::Output> create_schedule(Context& ctx, const Value& in);
  // The store id of the schedule the request names (GroupName, Name);
  // ResourceNotFound for a missing group or schedule.
  Result<std::string> find_schedule(Context& ctx, const Value& in);
  Result<kit::Output> update_schedule(Context& ctx, const Value& in);
  Result<kit::Output> get_schedule(Context& ctx, const Value& in);
  Result<kit::Output> delete_schedule(Context& ctx, const Value& in);
  Result<kit::Output> list_schedules(Context& ctx, const Value& in);
  Result<kit::Output> create_group(Context& ctx, const Value& in);
  Result<kit::Output> get_group(Context& ctx, const Value& in);
  Result<kit::Output> delete_group(Context& ctx, const Value& in);
  Result<kit::Output> list_groups(Context& ctx, const Value& in);

  // Validates a CreateSchedule/UpdateSchedule input (doc without dates of record).
  Result<Built> build(const Context& ctx, const Value& in, const std::string& group);
  Result<Value> group_doc(const Context& ctx, const std::string& group) const;  // caller holds mutex_
  // The schedule group an ARN names (only groups carry tags).
  Result<kit::TaggedResource> resolve(const Context& ctx, const std::string& arn) const;
  // Stores a schedule and arms it from now.
  Status store_schedule(const storage::Scope& scope, const std::string& id, Built built);
  Status erase_schedule(const storage::Scope& scope, const std::string& id);
  // Arms the timer for the first occurrence after `after` (UTC seconds);
  // false when the schedule has no further occurrence. Caller holds mutex_.
  bool arm(const storage::Scope& scope, const std::string& id, Armed& armed, int64_t after);
  void disarm(Armed& armed);
  void fire(const storage::Scope& scope, const std::string& id, int64_t nominal, Clock::TimePoint due);

  kit::Environment& env_;
  Clock& clock_;
  events::Targets targets_;
  uint64_t rewind_listener_ = 0;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  std::map<storage::Scope, std::map<std::string, Armed>> armed_;  // by scope, schedule id
  std::map<std::string, Stats> stats_;
};

}  // namespace nuage::services::scheduler
