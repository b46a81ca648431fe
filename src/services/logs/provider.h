// CloudWatch Logs (json protocol, Logs_20140328): log groups with retention
// and tags, log streams, events (PutLogEvents with AWS's batch rules,
// GetLogEvents, FilterLogEvents with filter patterns). It is also the Sink
// through which other services (Lambda) write their logs.
//
// State lives in SQLite only (tables logs_groups, logs_streams, logs_events);
// events are indexed by (stream, timestamp) and (group, timestamp). Retention
// is applied by the nuage clock: reads never return events older than the
// group's retention, and a daily clock timer (while any group has a
// retention policy) deletes them.
//
// Thread-safety: every handler runs its reads and writes in one database
// transaction (the database serializes them), so a request is all or nothing.
#pragma once

#include <mutex>
#include <string>

#include "common/clock.h"
#include "kit/environment.h"
#include "kit/provider.h"
#include "kit/tagging.h"
#include "kit/logs_sink.h"
#include "storage/database.h"

namespace nuage::services::logs {

class Provider : public kit::Provider, public kit::LogsSink, public kit::Taggable {
 public:
  explicit Provider(kit::Environment& env);
  ~Provider() override;
  std::string_view service() const override { return "logs"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;

  Status write(const std::string& account, const std::string& region, const std::string& group,
               const std::string& stream, const std::vector<kit::LogEvent>& events) override;

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

  struct Group {
    int64_t id = 0;
    std::string name;
    int64_t created_ms = 0;
    int64_t retention_days = 0;  // 0: never expire
    std::string kms_key;
    std::string log_class;
    Value tags = Value::object();
  };

  Result<Output> create_log_group(Context& ctx, const Value& in);
  Result<Output> delete_log_group(Context& ctx, const Value& in);
  Result<Output> describe_log_groups(Context& ctx, const Value& in);
  Result<Output> put_retention_policy(Context& ctx, const Value& in);
  Result<Output> delete_retention_policy(Context& ctx, const Value& in);
  Result<Output> create_log_stream(Context& ctx, const Value& in);
  Result<Output> delete_log_stream(Context& ctx, const Value& in);
  Result<Output> describe_log_streams(Context& ctx, const Value& in);
  Result<Output> put_log_events(Context& ctx, const Value& in);
  Result<Output> get_log_events(Context& ctx, const Value& in);
  Result<Output> filter_log_events(Context& ctx, const Value& in);
  // Log groups' tags (kit::Taggable), by ARN or group name.
  Result<storage::Tags> tags(const Context& ctx, const std::string& ref) override;
  Status change_tags(const Context& ctx, const std::string& ref, const storage::Tags& add,
                     const std::vector<std::string>& remove) override;

  // The group named by logGroupName or logGroupIdentifier (name or ARN).
  Result<std::string> group_name_of(const Value& in);
  Result<Group> find_group(const std::string& account, const std::string& region, const std::string& name);
  Result<int64_t> find_stream(int64_t group_id, const std::string& name);
  Result<int64_t> create_group_row(const std::string& account, const std::string& region, const std::string& name,
                                   const Value& in, int64_t now);
  Result<int64_t> create_stream_row(int64_t group_id, const std::string& name, int64_t now);
  // Appends already-validated events in one transaction's scope.
  Status insert_events(int64_t group_id, int64_t stream_id, const std::vector<kit::LogEvent>& events, int64_t now);
  // Oldest timestamp (ms) a reader of this group may see (retention), or 0.
  int64_t cutoff_ms(const Group& g) const;
  int64_t now_ms() const;
  void purge_expired();
  void schedule_purge();
  std::string group_arn(const std::string& region, const std::string& account, const std::string& name) const;

  storage::Database& db_;
  Clock& clock_;
  std::mutex timer_mu_;
  Clock::TimerId purge_timer_ = 0;  // 0: no retention policy, no timer
  bool stopping_ = false;
};

}  // namespace nuage::services::logs
