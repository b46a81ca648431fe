// CloudWatch alarms: definitions, evaluation on the clock, state history and
// actions. See provider.h.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "common/text.h"
#include "common/documents.h"
#include "common/time.h"
#include "services/cloudwatch/metric_math.h"
#include "services/cloudwatch/errors.h"
#include "services/cloudwatch/provider.h"

namespace nuage::services::cloudwatch {

using kit::Output;
using kit::Value;
using Context = kit::RequestContext;

namespace {

AwsError validation(const std::string& message) { return errors("ValidationError", message); }
AwsError alarm_not_found(const std::string& name) {
  return errors("ResourceNotFound", "Alarm " + name + " not found");
}

const char* kStates[] = {"OK", "ALARM", "INSUFFICIENT_DATA"};
const char* kOperators[] = {"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                            "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
                            "LessThanLowerThreshold", "GreaterThanUpperThreshold"};

bool breaches(const std::string& op, double v, double threshold) {
  if (op == "GreaterThanOrEqualToThreshold") return v >= threshold;
  if (op == "GreaterThanThreshold") return v > threshold;
  if (op == "LessThanThreshold") return v < threshold;
  if (op == "LessThanOrEqualToThreshold") return v <= threshold;
  return false;
}


// "2026-11-21T05:00:00.000+0000", as alarm history and payloads write times.
std::string history_time(double t) {
  std::string s = timefmt::iso8601_millis(t);
  return s.substr(0, s.size() - 1) + "+0000";
}

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

Status Provider::save_alarm(const std::string& account, const std::string& region, const Value& alarm) {
  return db_.exec(
      "INSERT INTO cw_alarms (account, region, name, doc) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc",
      {account, region, alarm["AlarmName"].get<std::string>(), alarm.dump()});
}

Status Provider::add_history(const std::string& account, const std::string& region, const std::string& alarm,
                             const std::string& type, const std::string& summary, const Value& data, double now) {
  Value item = {{"AlarmName", alarm},         {"AlarmType", "MetricAlarm"}, {"Timestamp", now},
                {"HistoryItemType", type},    {"HistorySummary", summary},  {"HistoryData", data.dump()}};
  return db_.exec("INSERT INTO cw_alarm_history (account, region, alarm, ts, doc) VALUES (?, ?, ?, ?, ?)",
                  {account, region, alarm, now, item.dump()});
}

Result<Output> Provider::put_metric_alarm(Context& ctx, const Value& in) {
  std::string name = in.at("AlarmName");
  bool has_metric = in.contains("MetricName") || in.contains("Namespace");
  bool has_metrics = in.contains("Metrics");
  if (has_metric == has_metrics)
    return validation("Exactly one element of the metrics list should return data.");
  if (has_metric && (!in.contains("MetricName") || !in.contains("Namespace")))
    return validation("Both MetricName and Namespace are required.");
  if (!in.contains("EvaluationPeriods"))
    return errors("MissingParameter", "The parameter EvaluationPeriods is required.");
  if (!in.contains("ComparisonOperator"))
    return errors("MissingParameter", "The parameter ComparisonOperator is required.");
  std::string op = in["ComparisonOperator"];
  if (std::find(std::begin(kOperators), std::end(kOperators), op) == std::end(kOperators))
    return validation("1 validation error detected: Value '" + op +
                      "' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set");
  if (has_metric) {
    if (in.contains("Statistic") == in.contains("ExtendedStatistic"))
      return errors("InvalidParameterCombination", "Exactly one of Statistic and ExtendedStatistic must be specified.");
    if (!in.contains("Period")) return errors("MissingParameter", "The parameter Period is required.");
    int64_t period = in["Period"];
    if (!(period == 10 || period == 30 || (period >= 60 && period % 60 == 0)))
      return validation("Period must be 10, 30 or a multiple of 60");
  }
  if (!in.contains("Threshold") && !in.contains("ThresholdMetricId"))
    return errors("MissingParameter", "The parameter Threshold is required.");
  int64_t periods = in["EvaluationPeriods"];
  if (periods < 1) return validation("EvaluationPeriods must be greater than or equal to 1");
  if (in.value("DatapointsToAlarm", periods) > periods || in.value("DatapointsToAlarm", periods) < 1)
    return validation("DatapointsToAlarm must be between 1 and EvaluationPeriods");
  std::string treat = in.value("TreatMissingData", "missing");
  if (treat != "missing" && treat != "ignore" && treat != "breaching" && treat != "notBreaching")
    return validation("The value " + treat + " is not a valid TreatMissingData value.");
  for (const char* list : {"AlarmActions", "OKActions", "InsufficientDataActions"})
    for (const auto& a : in.value(list, Value::array())) {
      std::string arn = a;
      if (!text::starts_with(arn, "arn:"))
        return validation("Invalid arn syntax: " + arn);
    }

  double now = timefmt::epoch_seconds(clock_.now());
  std::lock_guard lock(alarms_mutex_);
  NUAGE_TRY(db_.transaction([&]() -> Status {
    Value existing;
    NUAGE_TRY(db_.exec("SELECT doc FROM cw_alarms WHERE account = ? AND region = ? AND name = ?",
                       {ctx.account_id, ctx.region, name}, [&](const storage::Row& r) { existing = Value::parse(r.text(0)); }));
    Value alarm = Value::object();
    for (const auto& [k, v] : in.items())
      if (k != "Tags") alarm[k] = v;
    alarm["AlarmArn"] = "arn:aws:cloudwatch:" + ctx.region + ":" + ctx.account_id + ":alarm:" + name;
    alarm["ActionsEnabled"] = in.value("ActionsEnabled", true);
    for (const char* list : {"AlarmActions", "OKActions", "InsufficientDataActions"})
      if (!alarm.contains(list)) alarm[list] = Value::array();
    if (!alarm.contains("Dimensions") && has_metric) alarm["Dimensions"] = Value::array();
    alarm["TreatMissingData"] = treat;
    alarm["AlarmConfigurationUpdatedTimestamp"] = now;
    if (existing.is_null()) {
      alarm["StateValue"] = "INSUFFICIENT_DATA";
      alarm["StateReason"] = "Unchecked: Initial alarm creation";
      alarm["StateUpdatedTimestamp"] = now;
      alarm["StateTransitionedTimestamp"] = now;
    } else {
      for (const char* k : {"StateValue", "StateReason", "StateReasonData", "StateUpdatedTimestamp",
                            "StateTransitionedTimestamp"})
        if (existing.contains(k)) alarm[k] = existing[k];
    }
    alarm["_Tags"] = in.value("Tags", Value::array());
    NUAGE_TRY(save_alarm(ctx.account_id, ctx.region, alarm));
    Value data = {{"type", existing.is_null() ? "Create" : "Update"}, {"version", "1.0"}};
    return add_history(ctx.account_id, ctx.region, name, "ConfigurationUpdate",
                       "Alarm \"" + name + "\" " + (existing.is_null() ? "created" : "updated"), data, now);
  }));
  schedule_evaluation();
  return Output{};
}

static Value public_alarm(const Value& doc) {
  Value out = Value::object();
  for (const auto& [k, v] : doc.items())
    if (k[0] != '_') out[k] = v;
  return out;
}

Result<Output> Provider::describe_alarms(Context& ctx, const Value& in) {
  Value names = in.value("AlarmNames", Value::array());
  std::string prefix = in.value("AlarmNamePrefix", ""), state = in.value("StateValue", "");
  std::string action_prefix = in.value("ActionPrefix", "");
  int64_t max = in.value("MaxRecords", int64_t{50});
  if (max < 1 || max > 100) return validation("MaxRecords must be between 1 and 100");
  if (!names.empty() && !prefix.empty())
    return errors("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix are mutually exclusive parameters.");
  std::string after;
  if (in.contains("NextToken")) {
    auto raw = text::base64_decode(in["NextToken"].get<std::string>());
    if (!raw || raw->rfind("a:", 0) != 0) return errors("InvalidNextToken", "The service couldn't process the "
                                                                              "NextToken.");
    after = raw->substr(2);
  }
  Output out;
  out.value["MetricAlarms"] = Value::array();
  out.value["CompositeAlarms"] = Value::array();
  Value types = in.value("AlarmTypes", Value::array());
  if (!types.empty() && std::find(types.begin(), types.end(), "MetricAlarm") == types.end()) return out;
  std::string last;
  bool more = false;
  NUAGE_TRY(db_.exec("SELECT name, doc FROM cw_alarms WHERE account = ? AND region = ? AND name > ? ORDER BY name",
                     {ctx.account_id, ctx.region, after}, [&](const storage::Row& r) {
                       std::string name = r.text(0);
                       if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) return;
                       if (!text::starts_with(name, prefix)) return;
                       Value doc = Value::parse(r.text(1));
                       if (!state.empty() && doc["StateValue"] != state) return;
                       if (!action_prefix.empty()) {
                         bool any = false;
                         for (const char* list : {"AlarmActions", "OKActions", "InsufficientDataActions"})
                           for (const auto& a : doc[list]) any = any || text::starts_with(a.get<std::string>(), action_prefix);
                         if (!any) return;
                       }
                       if (static_cast<int64_t>(out.value["MetricAlarms"].size()) >= max) {
                         more = true;
                         return;
                       }
                       out.value["MetricAlarms"].push_back(public_alarm(doc));
                       last = name;
                     }));
  if (more) out.value["NextToken"] = text::base64_encode("a:" + last);
  return out;
}

Result<Output> Provider::describe_alarms_for_metric(Context& ctx, const Value& in) {
  Dims dims = canonical_dims(in.value("Dimensions", Value::array()));
  Output out;
  out.value["MetricAlarms"] = Value::array();
  NUAGE_TRY(db_.exec("SELECT doc FROM cw_alarms WHERE account = ? AND region = ? ORDER BY name",
                     {ctx.account_id, ctx.region}, [&](const storage::Row& r) {
                       Value doc = Value::parse(r.text(0));
                       if (doc.value("Namespace", "") != in["Namespace"] || doc.value("MetricName", "") != in["MetricName"])
                         return;
                       if (in.contains("Dimensions") && canonical_dims(doc["Dimensions"]) != dims) return;
                       for (const char* k : {"Statistic", "ExtendedStatistic", "Period", "Unit"})
                         if (in.contains(k) && doc.value(k, Value()) != in[k]) return;
                       out.value["MetricAlarms"].push_back(public_alarm(doc));
                     }));
  return out;
}

Result<Output> Provider::delete_alarms(Context& ctx, const Value& in) {
  std::lock_guard lock(alarms_mutex_);
  NUAGE_TRY(db_.transaction([&]() -> Status {
    for (const auto& n : in.at("AlarmNames")) {
      bool found = false;
      NUAGE_TRY(db_.exec("SELECT 1 FROM cw_alarms WHERE account = ? AND region = ? AND name = ?",
                         {ctx.account_id, ctx.region, n.get<std::string>()}, [&](const storage::Row&) { found = true; }));
      if (!found) return alarm_not_found(n.get<std::string>());
    }
    for (const auto& n : in.at("AlarmNames"))
      NUAGE_TRY(db_.exec("DELETE FROM cw_alarms WHERE account = ? AND region = ? AND name = ?",
                         {ctx.account_id, ctx.region, n.get<std::string>()}));
    return Status::Ok();
  }));
  return Output{};
}

static Result<Output> toggle_actions(storage::Database& db, const Context& ctx, const Value& in, bool enabled) {
  NUAGE_TRY(db.transaction([&]() -> Status {
    for (const auto& n : in.at("AlarmNames")) {
      Value doc;
      NUAGE_TRY(db.exec("SELECT doc FROM cw_alarms WHERE account = ? AND region = ? AND name = ?",
                        {ctx.account_id, ctx.region, n.get<std::string>()},
                        [&](const storage::Row& r) { doc = Value::parse(r.text(0)); }));
      if (doc.is_null()) continue;
      doc["ActionsEnabled"] = enabled;
      NUAGE_TRY(db.exec("UPDATE cw_alarms SET doc = ? WHERE account = ? AND region = ? AND name = ?",
                        {doc.dump(), ctx.account_id, ctx.region, n.get<std::string>()}));
    }
    return Status::Ok();
  }));
  return Output{};
}

Result<Output> Provider::enable_alarm_actions(Context& ctx, const Value& in) {
  std::lock_guard lock(alarms_mutex_);
  return toggle_actions(db_, ctx, in, true);
}

Result<Output> Provider::disable_alarm_actions(Context& ctx, const Value& in) {
  std::lock_guard lock(alarms_mutex_);
  return toggle_actions(db_, ctx, in, false);
}

std::vector<Provider::Action> Provider::change_state(const std::string& account, const std::string& region,
                                                     Value& alarm, const std::string& state,
                                                     const std::string& reason, const Value& reason_data,
                                                     double now) {
  std::vector<Action> actions;
  std::string old_state = alarm["StateValue"];
  Value previous = {{"value", old_state}, {"reason", alarm.value("StateReason", "")},
                    {"timestamp", history_time(alarm.value("StateUpdatedTimestamp", now))}};
  alarm["StateReason"] = reason;
  if (!reason_data.is_null()) alarm["StateReasonData"] = reason_data.is_string() ? reason_data : Value(reason_data.dump());
  alarm["StateUpdatedTimestamp"] = now;
  if (old_state == state) return actions;
  alarm["StateValue"] = state;
  alarm["StateTransitionedTimestamp"] = now;
  std::string name = alarm["AlarmName"];
  Value data = {{"version", "1.0"},
                {"oldState", {{"stateValue", old_state}, {"stateReason", previous["reason"]}}},
                {"newState", {{"stateValue", state}, {"stateReason", reason}}}};
  (void)add_history(account, region, name, "StateUpdate",
                    "Alarm updated from " + old_state + " to " + state, data, now);
  if (alarm.value("ActionsEnabled", true)) {
    const char* list = state == "ALARM" ? "AlarmActions" : state == "OK" ? "OKActions" : "InsufficientDataActions";
    for (const auto& arn : alarm.value(list, Value::array())) actions.push_back({account, region, arn, alarm, previous});
  }
  return actions;
}

Result<Output> Provider::set_alarm_state(Context& ctx, const Value& in) {
  std::string name = in.at("AlarmName"), state = in.at("StateValue");
  if (std::find(std::begin(kStates), std::end(kStates), state) == std::end(kStates))
    return validation("1 validation error detected: Value '" + state +
                      "' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: "
                      "[INSUFFICIENT_DATA, ALARM, OK]");
  if (in.contains("StateReasonData")) {
    auto parsed = documents::parse_json_or_discarded(in["StateReasonData"].get<std::string>());
    if (parsed.is_discarded()) return errors("InvalidFormat", "StateReasonData must be valid JSON");
  }
  double now = timefmt::epoch_seconds(clock_.now());
  std::vector<Action> actions;
  {
    std::lock_guard lock(alarms_mutex_);
    NUAGE_TRY(db_.transaction([&]() -> Status {
      Value alarm;
      NUAGE_TRY(db_.exec("SELECT doc FROM cw_alarms WHERE account = ? AND region = ? AND name = ?",
                         {ctx.account_id, ctx.region, name}, [&](const storage::Row& r) { alarm = Value::parse(r.text(0)); }));
      if (alarm.is_null()) return alarm_not_found(name);
      actions = change_state(ctx.account_id, ctx.region, alarm, state, in.at("StateReason"),
                             in.value("StateReasonData", Value()), now);
      return save_alarm(ctx.account_id, ctx.region, alarm);
    }));
  }
  run_actions(actions);
  return Output{};
}

Result<Output> Provider::describe_alarm_history(Context& ctx, const Value& in) {
  std::string name = in.value("AlarmName", ""), type = in.value("HistoryItemType", "");
  double start = in.value("StartDate", 0.0), end = in.value("EndDate", 1e18);
  int64_t max = in.value("MaxRecords", int64_t{100});
  bool ascending = in.value("ScanBy", "TimestampDescending") == "TimestampAscending";
  int64_t offset = 0;
  if (in.contains("NextToken")) {
    auto raw = text::base64_decode(in["NextToken"].get<std::string>());
    if (!raw || raw->rfind("h:", 0) != 0) return errors("InvalidNextToken", "The service couldn't process the "
                                                                              "NextToken.");
    offset = std::strtoll(raw->c_str() + 2, nullptr, 10);
  }
  Output out;
  out.value["AlarmHistoryItems"] = Value::array();
  NUAGE_TRY(db_.exec(std::string("SELECT doc FROM cw_alarm_history WHERE account = ? AND region = ? AND "
                                 "(? = '' OR alarm = ?) AND ts >= ? AND ts <= ? ORDER BY ts ") +
                         (ascending ? "ASC, id ASC" : "DESC, id DESC") + " LIMIT -1 OFFSET ?",
                     {ctx.account_id, ctx.region, name, name, start, end, offset}, [&](const storage::Row& r) {
                       Value item = Value::parse(r.text(0));
                       if (!type.empty() && item["HistoryItemType"] != type) return;
                       ++offset;
                       if (static_cast<int64_t>(out.value["AlarmHistoryItems"].size()) >= max) {
                         if (!out.value.contains("NextToken"))
                           out.value["NextToken"] = text::base64_encode("h:" + std::to_string(offset - 1));
                         return;
                       }
                       out.value["AlarmHistoryItems"].push_back(std::move(item));
                     }));
  return out;
}

// --- evaluation -------------------------------------------------------------

// The evaluation timer runs only while alarms exist: a clock moved years
// ahead must not fire a minute timer millions of times for nothing.
// Called with alarms_mutex_ held.
void Provider::schedule_evaluation() {
  if (eval_timer_ || stopping_) return;
  bool any = false;
  (void)db_.exec("SELECT 1 FROM cw_alarms LIMIT 1", {}, [&](const storage::Row&) { any = true; });
  if (!any) return;
  double now = timefmt::epoch_seconds(clock_.now());
  double next = (std::floor(now / 60) + 1) * 60;
  eval_timer_ = clock_.schedule(timefmt::from_epoch_seconds(next), [this](Clock::TimePoint due) {
    {
      std::lock_guard lock(alarms_mutex_);
      eval_timer_ = 0;
    }
    evaluate_alarms(timefmt::epoch_seconds(due));
    std::lock_guard lock(alarms_mutex_);
    schedule_evaluation();
  });
}

void Provider::evaluate_alarms(double now) {
  std::vector<Action> actions;
  {
    std::lock_guard lock(alarms_mutex_);
    if (stopping_) return;
    struct Row {
      std::string account, region;
      Value alarm;
    };
    std::vector<Row> rows;
    (void)db_.exec("SELECT account, region, doc FROM cw_alarms", {},
                   [&](const storage::Row& r) { rows.push_back({r.text(0), r.text(1), Value::parse(r.text(2))}); });
    for (auto& [account, region, alarm] : rows) {
      int64_t period = alarm.value("Period", int64_t{60});
      if (alarm.contains("Metrics"))
        for (const auto& q : alarm["Metrics"])
          if (q.contains("MetricStat")) period = q["MetricStat"].value("Period", period);
      if (period <= 0) continue;
      // An alarm is evaluated at the end of each of its periods.
      if (period >= 60 && std::fmod(std::round(now), static_cast<double>(period)) != 0) continue;
      int64_t n = alarm.value("EvaluationPeriods", int64_t{1});
      int64_t m = alarm.value("DatapointsToAlarm", n);
      double end = std::floor(now / period) * period, start = end - static_cast<double>(n * period);
      std::map<double, double> series;
      if (alarm.contains("Metrics")) {
        std::map<std::string, Series> vars;
        std::vector<std::string> ids;
        std::string result_id;
        for (const auto& q : alarm["Metrics"]) {
          if (!q.contains("MetricStat")) continue;
          auto s = statistic_series(account, region, q["MetricStat"]["Metric"], q["MetricStat"].value("Stat", "Average"),
                                    q["MetricStat"].value("Period", period), start, end,
                                    q["MetricStat"].value("Unit", ""));
          if (s) vars[q["Id"]] = *s;
          ids.push_back(q["Id"]);
        }
        for (const auto& q : alarm["Metrics"]) {
          if (q.contains("Expression")) {
            auto s = evaluate_expression(q["Expression"].get<std::string>(), vars, ids);
            if (s) vars[q["Id"]] = *s;
          }
          if (q.value("ReturnData", true)) result_id = q["Id"];
        }
        series = vars[result_id];
      } else {
        Value metric = {{"Namespace", alarm["Namespace"]}, {"MetricName", alarm["MetricName"]},
                        {"Dimensions", alarm.value("Dimensions", Value::array())}};
        std::string stat = alarm.contains("ExtendedStatistic") ? alarm["ExtendedStatistic"].get<std::string>()
                                                               : alarm.value("Statistic", "Average");
        auto s = statistic_series(account, region, metric, stat, period, start, end, alarm.value("Unit", ""));
        if (s) series = *s;
      }
      std::string op = alarm.value("ComparisonOperator", "GreaterThanThreshold");
      double threshold = alarm.value("Threshold", 0.0);
      std::string treat = alarm.value("TreatMissingData", "missing");
      int64_t breaching = 0, present = 0;
      Value recent = Value::array();
      for (int64_t k = 0; k < n; ++k) {
        double t = start + static_cast<double>(k * period);
        auto it = series.find(t);
        if (it == series.end()) {
          if (treat == "breaching") ++breaching;
          continue;
        }
        ++present;
        recent.push_back(it->second);
        if (breaches(op, it->second, threshold)) ++breaching;
      }
      std::string state;
      if (present == 0 && (treat == "missing" || treat == "ignore")) {
        state = treat == "ignore" ? alarm["StateValue"].get<std::string>() : "INSUFFICIENT_DATA";
      } else {
        state = breaching >= m ? "ALARM" : "OK";
      }
      std::string values;
      for (const auto& v : recent) values += (values.empty() ? "" : ", ") + format_number(v.get<double>());
      std::string reason =
          state == "INSUFFICIENT_DATA"
              ? "Insufficient Data: " + std::to_string(n) + " datapoint" + (n == 1 ? " was" : "s were") +
                    " unknown."
              : "Threshold Crossed: " + std::to_string(present) + " datapoint" + (present == 1 ? "" : "s") +
                    " [" + values + "] " + (state == "ALARM" ? "was" : "was not") + " " + op + " the threshold (" +
                    format_number(threshold) + ").";
      if (state == alarm["StateValue"]) continue;  // no transition: nothing to record
      Value reason_data = {{"version", "1.0"}, {"queryDate", history_time(now)}, {"statistic", alarm.value("Statistic", "")},
                           {"period", period}, {"recentDatapoints", recent}, {"threshold", threshold},
                           {"evaluatedDatapoints", Value::array()}};
      auto more = change_state(account, region, alarm, state, reason, reason_data.dump(), now);
      actions.insert(actions.end(), more.begin(), more.end());
      (void)save_alarm(account, region, alarm);
    }
  }
  run_actions(actions);
}

// EC2 actions on the alarm's InstanceId; Lambda functions invoked
// asynchronously with the payload CloudWatch sends them.
void Provider::run_actions(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    std::string name = a.alarm["AlarmName"];
    double now = timefmt::epoch_seconds(clock_.now());
    auth::Credential root;
    root.account_id = a.account;
    root.arn = "arn:aws:iam::" + a.account + ":root";
    root.user_id = a.account;
    Result<Output> result = errors("NotImplemented", "unsupported action " + a.arn);
    auto parts = text::split(a.arn, ':');
    if (parts.size() >= 6 && parts[2] == "automate" && parts[4] == "ec2") {
      std::string instance;
      for (const auto& d : a.alarm.value("Dimensions", Value::array()))
        if (d.value("Name", "") == "InstanceId") instance = d.value("Value", "");
      static const std::map<std::string, std::string> kOps = {
          {"stop", "StopInstances"}, {"terminate", "TerminateInstances"}, {"reboot", "RebootInstances"}};
      auto op = kOps.find(parts[5]);
      if (instance.empty())
        result = errors("ValidationError", "The alarm has no InstanceId dimension");
      else if (op != kOps.end())
        result = env_.call("ec2", op->second, Value{{"InstanceIds", {instance}}}, root, parts[3]);
    } else if (parts.size() >= 7 && parts[2] == "lambda") {
      Value payload = {
          {"source", "aws.cloudwatch"},
          {"alarmArn", a.alarm["AlarmArn"]},
          {"accountId", a.account},
          {"time", history_time(now)},
          {"region", a.region},
          {"alarmData",
           {{"alarmName", name},
            {"state", {{"value", a.alarm["StateValue"]}, {"reason", a.alarm.value("StateReason", "")},
                       {"timestamp", history_time(now)}}},
            {"previousState", a.previous},
            {"configuration",
             {{"description", a.alarm.value("AlarmDescription", "")},
              {"metrics", Value::array({{{"id", "m1"},
                                         {"metricStat",
                                          {{"metric", {{"namespace", a.alarm.value("Namespace", "")},
                                                       {"name", a.alarm.value("MetricName", "")},
                                                       {"dimensions", Value::object()}}},
                                           {"period", a.alarm.value("Period", 60)},
                                           {"stat", a.alarm.value("Statistic", "")}}},
                                         {"returnData", true}}})}}}}}};
      for (const auto& d : a.alarm.value("Dimensions", Value::array()))
        payload["alarmData"]["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"][d.value("Name", "")] =
            d.value("Value", "");
      std::string body = payload.dump();
      result = env_.call("lambda", "Invoke",
                             Value{{"FunctionName", a.arn}, {"InvocationType", "Event"},
                                   {"Payload", Value::binary(std::vector<uint8_t>(body.begin(), body.end()))}},
                             root, parts[3]);
    }
    std::string summary;
    Value data = {{"actionState", result.ok() ? "Succeeded" : "Failed"}, {"notificationResource", a.arn},
                  {"stateUpdateTimestamp", history_time(now)}};
    if (result.ok()) {
      summary = "Successfully executed action " + a.arn;
      spdlog::info("cloudwatch: alarm {}: executed {}", name, a.arn);
    } else {
      summary = "Failed to execute action " + a.arn;
      data["error"] = result.error().code + ": " + result.error().message;
      spdlog::warn("cloudwatch: alarm {}: action {} failed: {} {} ({})", name, a.arn, result.error().code,
                   result.error().message, result.error().status);
    }
    (void)add_history(a.account, a.region, name, "Action", summary, data, now);
  }
}

}  // namespace nuage::services::cloudwatch
