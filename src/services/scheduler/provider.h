// EventBridge Scheduler (model "scheduler", rest-json): schedule groups and
// schedules with at(), rate() and cron() expressions evaluated in a time zone
// (ScheduleExpressionTimezone), start/end dates, flexible time windows,
// ActionAfterCompletion, and targets (Lambda, universal aws-sdk targets...).
//
// Firing: each enabled schedule keeps one clock timer for its next nominal
// occurrence plus its flexible-window offset (deterministic: a hash of the
// group and name, within MaximumWindowInMinutes). Firing assumes the target's
// RoleArn as scheduler.amazonaws.com and delivers through
// eventbridge::Targets, so the role's identity policies decide what the call
// may do; failures are retried on the clock per the target's RetryPolicy.
// A schedule with no further occurrence and ActionAfterCompletion DELETE is
// deleted once it has fired.
//
// State: in memory, written through to the table scheduler_resources and
// re-armed at start. Thread-safety: mutex_ guards all state; delivery
// happens outside it.
#pragma once

#include <map>
#include <mutex>
#include <tuple>

#include "common/clock.h"
#include "kit/provider.h"
#include "services/eventbridge/schedule.h"
#include "services/eventbridge/targets.h"
#include "storage/database.h"

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
  struct Key {
    std::string account, region, group, name;  // name "" for a group
    bool operator<(const Key& o) const {
      return std::tie(account, region, group, name) < std::tie(o.account, o.region, o.group, o.name);
    }
  };
  struct Entry {
    Value doc;  // GetSchedule shape + internal "_Anchor"
    eventbridge::Schedule schedule;
    eventbridge::TimeZone zone;
    Clock::TimerId timer = 0;
  };

  Result<kit::Output> create_schedule(Context& ctx, const Value& in);
  // The schedule the request names (GroupName, Name); ResourceNotFound for
  // a missing group or schedule.
  Result<std::map<Key, Entry>::iterator> find_schedule(Context& ctx, const Value& in);
  Result<kit::Output> update_schedule(Context& ctx, const Value& in);
  Result<kit::Output> get_schedule(Context& ctx, const Value& in);
  Result<kit::Output> delete_schedule(Context& ctx, const Value& in);
  Result<kit::Output> list_schedules(Context& ctx, const Value& in);
  Result<kit::Output> create_group(Context& ctx, const Value& in);
  Result<kit::Output> get_group(Context& ctx, const Value& in);
  Result<kit::Output> delete_group(Context& ctx, const Value& in);
  Result<kit::Output> list_groups(Context& ctx, const Value& in);
  Result<kit::Output> tag_resource(Context& ctx, const Value& in);
  Result<kit::Output> untag_resource(Context& ctx, const Value& in);
  Result<kit::Output> list_tags(Context& ctx, const Value& in);

  // Validates a CreateSchedule/UpdateSchedule input into an entry (doc without dates of record).
  Result<Entry> build(const Context& ctx, const Value& in, const std::string& group);
  Result<Value> group_doc(const Context& ctx, const std::string& group) const;  // caller holds mutex_
  Result<Value*> group_by_arn(const std::string& arn);
  Status save(const Key& key, const Value& doc);
  Status erase(const Key& key);
  // Arms the timer for the first occurrence after `after` (UTC seconds);
  // false when the schedule has no further occurrence. Caller holds mutex_.
  bool arm(const Key& key, Entry& entry, int64_t after);
  void disarm(Entry& entry);
  void fire(const Key& key, int64_t nominal, Clock::TimePoint due);

  storage::Database& db_;
  Clock& clock_;
  eventbridge::Targets targets_;
  uint64_t rewind_listener_ = 0;
  std::mutex mutex_;
  std::map<Key, Entry> schedules_;
  std::map<Key, Value> groups_;  // name == ""; "default" is implicit
  std::map<std::string, Stats> stats_;
};

}  // namespace nuage::services::scheduler
