// CloudWatch metrics and alarms (model "cloudwatch", signing name
// "monitoring"; smithy-rpc-v2-cbor, json and query protocols).
//
// Metrics: every PutMetricData datum is one row of cw_datapoints (sample
// count, sum, min, max and, for values, the value/count pairs percentiles
// need), indexed by (account, region, namespace, name, dimensions, time);
// cw_metrics lists each metric once for ListMetrics. Statistics are computed
// at read time over period buckets aligned to the epoch.
//
// Built-in AWS/EC2 metrics (CPUUtilization, NetworkIn, NetworkOut,
// StatusCheckFailed, every 5 minutes per running instance): the provider
// listens to EC2's state-change events on the bus and records each
// instance's running intervals (cw_ec2_running); the datapoints of those
// intervals are generated when read, deterministically from the instance id
// and the timestamp, so none exist while an instance is stopped. AWS/Lambda
// metrics arrive through MetricsSink (metrics_sink.h).
//
// Alarms (alarms.cc): evaluated by a clock timer at every minute boundary
// while any alarm exists (each alarm at the end of each of its periods); state changes are recorded
// in the history and run the alarm's actions: EC2 stop/terminate/reboot
// (arn:aws:automate:<region>:ec2:<action>) and Lambda functions, through the
// gateway (set_service_caller).
//
// Thread-safety: handlers and timers may run concurrently; every read-modify-
// write runs in one database transaction, and alarm evaluation is serialized
// by alarms_mutex_. Actions run after it is released, since they call other
// services (whose events come back to this provider through the bus).
#pragma once

#include <functional>
#include <mutex>

#include "common/clock.h"
#include "events/bus.h"
#include "kit/provider.h"
#include "kit/environment.h"
#include "kit/metrics_sink.h"
#include "storage/database.h"

namespace nuage::services::cloudwatch {

class Provider : public kit::Provider, public kit::MetricsSink {
 public:
  // Registers itself as the environment's metrics sink.
  explicit Provider(kit::Environment& env);
  ~Provider() override;
  std::string_view service() const override { return "cloudwatch"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;
  Status record(const std::vector<kit::MetricSample>& samples) override;

  // One stored (or generated) datum.
  struct Raw {
    double ts = 0;
    double count = 0, sum = 0, min = 0, max = 0;
    std::vector<std::pair<double, double>> values;  // (value, count); empty for statistic sets
    std::string unit;
  };
  using Dims = std::vector<std::pair<std::string, std::string>>;  // sorted by name

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

  // --- metrics (provider.cc)
  Result<Output> put_metric_data(Context& ctx, const Value& in);
  Result<Output> get_metric_statistics(Context& ctx, const Value& in);
  Result<Output> get_metric_data(Context& ctx, const Value& in);
  Result<Output> list_metrics(Context& ctx, const Value& in);
  Status store_datum(const std::string& account, const std::string& region, const std::string& ns,
                     const std::string& name, const Dims& dims, const Raw& raw, double now);
  // Data of one metric in [start, end), stored and generated.
  Result<std::vector<Raw>> load(const std::string& account, const std::string& region, const std::string& ns,
                                const std::string& name, const Dims& dims, double start, double end,
                                const std::string& unit);
  // One statistic ("Average", "p99", ...) per period bucket.
  Result<std::map<double, double>> statistic_series(const std::string& account, const std::string& region,
                                                    const Value& metric, const std::string& stat, int64_t period,
                                                    double start, double end, const std::string& unit);
  void on_event(const events::Event& e);
  void ec2_points(const std::string& account, const std::string& region, const std::string& metric,
                  const std::string& instance, double start, double end, std::vector<Raw>& out);

  // --- alarms (alarms.cc)
  Result<Output> put_metric_alarm(Context& ctx, const Value& in);
  Result<Output> describe_alarms(Context& ctx, const Value& in);
  Result<Output> describe_alarms_for_metric(Context& ctx, const Value& in);
  Result<Output> delete_alarms(Context& ctx, const Value& in);
  Result<Output> set_alarm_state(Context& ctx, const Value& in);
  Result<Output> describe_alarm_history(Context& ctx, const Value& in);
  Result<Output> enable_alarm_actions(Context& ctx, const Value& in);
  Result<Output> disable_alarm_actions(Context& ctx, const Value& in);
  struct Action {
    std::string account, region, arn;
    Value alarm;      // the alarm after the change
    Value previous;   // its previous state {value, reason, timestamp}
  };
  // Moves an alarm to `state`, records history; returns the actions to run.
  std::vector<Action> change_state(const std::string& account, const std::string& region, Value& alarm,
                                   const std::string& state, const std::string& reason,
                                   const Value& reason_data, double now);
  Status save_alarm(const std::string& account, const std::string& region, const Value& alarm);
  Status add_history(const std::string& account, const std::string& region, const std::string& alarm,
                     const std::string& type, const std::string& summary, const Value& data, double now);
  void run_actions(const std::vector<Action>& actions);
  void evaluate_alarms(double now);
  void schedule_evaluation();

  kit::Environment& env_;
  storage::Database& db_;
  Clock& clock_;
  events::Bus& bus_;
  events::Bus::SubscriptionId subscription_ = 0;
  std::mutex alarms_mutex_;
  Clock::TimerId eval_timer_ = 0;  // 0: no alarms, no timer
  uint64_t rewind_listener_ = 0;
  bool stopping_ = false;
};

// Canonical form of a Dimensions list (sorted by name), and its key text.
Provider::Dims canonical_dims(const kit::Value& dimensions);
std::string dims_key(const Provider::Dims& dims);

}  // namespace nuage::services::cloudwatch
