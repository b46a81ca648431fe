#include "services/cloudwatch/provider.h"
#include "services/cloudwatch/errors.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/text.h"
#include "common/time.h"
#include "services/cloudwatch/metric_math.h"

namespace nuage::services::cloudwatch {

using kit::Output;
using kit::Value;
using Context = kit::RequestContext;

namespace {

constexpr double kTwoWeeks = 14 * 86400.0;
constexpr double kTwoHours = 2 * 3600.0;
constexpr double kEc2Interval = 300;  // basic monitoring

AwsError invalid_value(const std::string& message) { return errors("InvalidParameterValue", message); }
AwsError invalid_combination(const std::string& message) {
  return errors("InvalidParameterCombination", message);
}

double now_of(const Clock& clock) { return timefmt::epoch_seconds(clock.now()); }

// Uniform in [0, 1), from FNV-1a of the text: the generated series must be
// the same on every read and across restarts.
double unit_hash(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
}

bool is_ec2_metric(const std::string& name) {
  return name == "CPUUtilization" || name == "NetworkIn" || name == "NetworkOut" || name == "StatusCheckFailed";
}

double percentile(std::vector<std::pair<double, double>> values, double p) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  double total = 0;
  for (const auto& [v, c] : values) total += c;
  double rank = p / 100.0 * total, seen = 0;
  for (const auto& [v, c] : values) {
    seen += c;
    if (seen >= rank) return v;
  }
  return values.back().first;
}

// The value of `stat` over the data of one bucket; nullopt when it has none.
std::optional<double> compute(const std::vector<const Provider::Raw*>& raws, const std::string& stat) {
  if (raws.empty()) return std::nullopt;
  double count = 0, sum = 0, mn = INFINITY, mx = -INFINITY;
  std::vector<std::pair<double, double>> values;
  for (const auto* r : raws) {
    count += r->count;
    sum += r->sum;
    mn = std::min(mn, r->min);
    mx = std::max(mx, r->max);
    values.insert(values.end(), r->values.begin(), r->values.end());
  }
  if (stat == "SampleCount") return count;
  if (stat == "Sum") return sum;
  if (stat == "Minimum") return mn;
  if (stat == "Maximum") return mx;
  if (stat == "Average") return count > 0 ? sum / count : 0;
  if (stat.size() > 1 && stat[0] == 'p') {
    double p = std::atof(stat.c_str() + 1);
    if (values.empty()) return std::nullopt;
    return percentile(values, p);
  }
  return std::nullopt;
}

bool valid_stat(const std::string& stat) {
  if (stat == "SampleCount" || stat == "Sum" || stat == "Minimum" || stat == "Maximum" || stat == "Average")
    return true;
  if (stat.size() < 2 || stat[0] != 'p') return false;
  char* end = nullptr;
  double p = std::strtod(stat.c_str() + 1, &end);
  return *end == 0 && p >= 0 && p <= 100;
}

}  // namespace

Provider::Dims canonical_dims(const Value& dimensions) {
  Provider::Dims dims;
  if (dimensions.is_array())
    for (const auto& d : dimensions) dims.emplace_back(d.value("Name", ""), d.value("Value", ""));
  std::sort(dims.begin(), dims.end());
  return dims;
}

std::string dims_key(const Provider::Dims& dims) {
  Value out = Value::array();
  for (const auto& [n, v] : dims) out.push_back({n, v});
  return out.dump();
}

static Value dims_value(const Provider::Dims& dims) {
  Value out = Value::array();
  for (const auto& [n, v] : dims) out.push_back({{"Name", n}, {"Value", v}});
  return out;
}

Provider::Provider(kit::Environment& env) : env_(env), db_(env.db), clock_(env.clock), bus_(env.bus) {
  env.metrics = this;
}

Status Provider::open() {
  NUAGE_TRY(db_.migrate("cloudwatch", {
      "CREATE TABLE cw_datapoints (id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, "
      "namespace TEXT NOT NULL, name TEXT NOT NULL, dims TEXT NOT NULL, ts REAL NOT NULL, unit TEXT NOT NULL, "
      "count REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, vals TEXT NOT NULL)",
      "CREATE INDEX cw_datapoints_by_metric ON cw_datapoints (account, region, namespace, name, dims, ts)",
      "CREATE TABLE cw_metrics (account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL, "
      "name TEXT NOT NULL, dims TEXT NOT NULL, last_ts REAL NOT NULL, "
      "PRIMARY KEY (account, region, namespace, name, dims))",
      "CREATE TABLE cw_ec2_running (account TEXT NOT NULL, region TEXT NOT NULL, instance TEXT NOT NULL, "
      "start REAL NOT NULL, end REAL)",
      "CREATE INDEX cw_ec2_running_by_instance ON cw_ec2_running (account, region, instance)",
      "CREATE TABLE cw_alarms (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL, "
      "PRIMARY KEY (account, region, name))",
      "CREATE TABLE cw_alarm_history (id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, "
      "alarm TEXT NOT NULL, ts REAL NOT NULL, doc TEXT NOT NULL)",
  }));
  subscription_ = bus_.subscribe([this](const events::Event& e) { on_event(e); });
  // Alarms are evaluated every minute of the clock: from the new time when
  // it is set back.
  rewind_listener_ = clock_.on_rewind([this](Clock::TimePoint) {
    std::lock_guard lock(alarms_mutex_);
    if (eval_timer_) clock_.cancel(eval_timer_);
    eval_timer_ = 0;
    schedule_evaluation();
  });
  std::lock_guard lock(alarms_mutex_);
  schedule_evaluation();
  return Status::Ok();
}

// The subscription is not removed: main.cc destroys the bus before the
// providers, and nothing publishes once serving has stopped.
Provider::~Provider() {
  clock_.remove_rewind_listener(rewind_listener_);
  std::lock_guard lock(alarms_mutex_);
  stopping_ = true;
  if (eval_timer_) clock_.cancel(eval_timer_);
  eval_timer_ = 0;
}

void Provider::reset() {
  (void)db_.transaction([&]() -> Status {
    for (const char* table : {"cw_datapoints", "cw_metrics", "cw_ec2_running", "cw_alarms", "cw_alarm_history"})
      NUAGE_TRY(db_.exec(std::string("DELETE FROM ") + table));
    return Status::Ok();
  });
}

// --- built-in EC2 metrics -----------------------------------------------------

void Provider::on_event(const events::Event& e) {
  if (e.source != "aws.ec2" || e.detail_type != "EC2 Instance State-change Notification") return;
  std::string id = e.detail.value("instance-id", ""), state = e.detail.value("state", "");
  double t = timefmt::epoch_seconds(e.time);
  Status s = db_.transaction([&]() -> Status {
    bool open = false;
    NUAGE_TRY(db_.exec("SELECT 1 FROM cw_ec2_running WHERE account = ? AND region = ? AND instance = ? AND end IS NULL",
                       {e.account, e.region, id}, [&](const storage::Row&) { open = true; }));
    if (state == "running" && !open)
      return db_.exec("INSERT INTO cw_ec2_running (account, region, instance, start) VALUES (?, ?, ?, ?)",
                      {e.account, e.region, id, t});
    if (state != "running" && state != "pending" && open)
      return db_.exec("UPDATE cw_ec2_running SET end = ? WHERE account = ? AND region = ? AND instance = ? AND "
                      "end IS NULL",
                      {t, e.account, e.region, id});
    return Status::Ok();
  });
  if (!s.ok()) spdlog::warn("cloudwatch: recording {} {}: {}", id, state, s.error().message);
}

// One datapoint per 5 minutes (at multiples of 300 s) inside each running
// interval, once its 5 minutes are over.
void Provider::ec2_points(const std::string& account, const std::string& region, const std::string& metric,
                          const std::string& instance, double start, double end, std::vector<Raw>& out) {
  double now = now_of(clock_);
  std::vector<std::pair<double, double>> intervals;
  (void)db_.exec("SELECT start, coalesce(end, 1e18) FROM cw_ec2_running WHERE account = ? AND region = ? AND "
                 "instance = ?",
                 {account, region, instance},
                 [&](const storage::Row& r) { intervals.emplace_back(r.real(0), r.real(1)); });
  double base = 4 + 26 * unit_hash(instance + "/base");
  double phase = 2 * M_PI * unit_hash(instance + "/phase");
  double net = 150000 + 850000 * unit_hash(instance + "/net");
  for (auto [from, to] : intervals) {
    double first = std::max(std::ceil(from / kEc2Interval) * kEc2Interval, std::ceil(start / kEc2Interval) * kEc2Interval);
    for (double t = first; t < to && t < end && t + kEc2Interval <= now; t += kEc2Interval) {
      std::string at = instance + "/" + std::to_string(static_cast<int64_t>(t));
      double v = 0;
      std::string unit = "Count";
      if (metric == "CPUUtilization") {
        double wave = 8 * std::sin(2 * M_PI * std::fmod(t, 86400) / 86400 + phase);
        double noise = (unit_hash(at + "/cpu") - 0.5) * 8;
        v = std::round(std::clamp(base + wave + noise, 0.5, 99.5) * 100) / 100;
        unit = "Percent";
      } else if (metric == "NetworkIn" || metric == "NetworkOut") {
        double scale = metric == "NetworkIn" ? 1.0 : 0.6;
        v = std::round(net * scale * (0.5 + unit_hash(at + "/" + metric)));
        unit = "Bytes";
      }
      out.push_back({t, 1, v, v, v, {{v, 1}}, unit});
    }
  }
}

// --- storage ------------------------------------------------------------------

Status Provider::store_datum(const std::string& account, const std::string& region, const std::string& ns,
                             const std::string& name, const Dims& dims, const Raw& raw, double now) {
  Value vals = Value::array();
  for (const auto& [v, c] : raw.values) vals.push_back({v, c});
  std::string key = dims_key(dims);
  NUAGE_TRY(db_.exec(
      "INSERT INTO cw_datapoints (account, region, namespace, name, dims, ts, unit, count, sum, min, max, vals) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {account, region, ns, name, key, raw.ts, raw.unit, raw.count, raw.sum, raw.min, raw.max, vals.dump()}));
  return db_.exec(
      "INSERT INTO cw_metrics (account, region, namespace, name, dims, last_ts) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (account, region, namespace, name, dims) DO UPDATE SET last_ts = max(last_ts, excluded.last_ts)",
      {account, region, ns, name, key, now});
}

Status Provider::record(const std::vector<kit::MetricSample>& samples) {
  double now = now_of(clock_);
  return db_.transaction([&]() -> Status {
    for (const auto& s : samples) {
      Dims dims(s.dimensions.begin(), s.dimensions.end());
      std::sort(dims.begin(), dims.end());
      Raw raw{timefmt::epoch_seconds(s.timestamp), 1, s.value, s.value, s.value, {{s.value, 1}}, s.unit};
      NUAGE_TRY(store_datum(s.account, s.region, s.name_space, s.metric, dims, raw, now));
    }
    return Status::Ok();
  });
}

Result<std::vector<Provider::Raw>> Provider::load(const std::string& account, const std::string& region,
                                                  const std::string& ns, const std::string& name, const Dims& dims,
                                                  double start, double end, const std::string& unit) {
  std::vector<Raw> out;
  NUAGE_TRY(db_.exec(
      "SELECT ts, count, sum, min, max, vals, unit FROM cw_datapoints WHERE account = ? AND region = ? AND "
      "namespace = ? AND name = ? AND dims = ? AND ts >= ? AND ts < ? ORDER BY ts",
      {account, region, ns, name, dims_key(dims), start, end}, [&](const storage::Row& r) {
        Raw raw{r.real(0), r.real(1), r.real(2), r.real(3), r.real(4), {}, r.text(6)};
        for (const auto& p : Value::parse(r.text(5))) raw.values.emplace_back(p[0].get<double>(), p[1].get<double>());
        out.push_back(std::move(raw));
      }));
  if (ns == "AWS/EC2" && dims.size() == 1 && dims[0].first == "InstanceId" && is_ec2_metric(name))
    ec2_points(account, region, name, dims[0].second, start, end, out);
  if (!unit.empty())
    out.erase(std::remove_if(out.begin(), out.end(), [&](const Raw& r) { return r.unit != unit; }), out.end());
  return out;
}

Result<std::map<double, double>> Provider::statistic_series(const std::string& account, const std::string& region,
                                                             const Value& metric, const std::string& stat,
                                                             int64_t period, double start, double end,
                                                             const std::string& unit) {
  // Buckets start at multiples of the period, from the one holding StartTime
  // to the last one starting before EndTime, each with all of its data.
  auto raws = load(account, region, metric.value("Namespace", ""), metric.value("MetricName", ""),
                   canonical_dims(metric.value("Dimensions", Value::array())), std::floor(start / period) * period,
                   std::ceil(end / period) * period, unit);
  if (!raws) return raws.take_error();
  std::map<double, std::vector<const Raw*>> buckets;
  for (const auto& r : *raws) buckets[std::floor(r.ts / period) * period].push_back(&r);
  std::map<double, double> out;
  for (const auto& [t, rs] : buckets)
    if (auto v = compute(rs, stat)) out[t] = *v;
  return out;
}

// --- operations -----------------------------------------------------------------

Result<Output> Provider::put_metric_data(Context& ctx, const Value& in) {
  std::string ns = in.at("Namespace");
  if (text::starts_with(ns, "AWS/"))
    return invalid_value("The value AWS/ for parameter Namespace is invalid.");
  const Value data = in.value("MetricData", Value::array());
  if (data.empty()) return errors("MissingParameter", "The parameter MetricData is required.");
  if (data.size() > 1000)
    return invalid_value("The collection MetricData must not have a size greater than 1000.");
  double now = now_of(clock_);
  struct Item {
    std::string name;
    Dims dims;
    Raw raw;
  };
  std::vector<Item> items;
  // Everything is checked before anything is stored.
  for (size_t i = 0; i < data.size(); ++i) {
    const Value& d = data[i];
    std::string where = "MetricData.member." + std::to_string(i + 1);
    Item item;
    item.name = d.at("MetricName");
    if (d.value("Dimensions", Value::array()).size() > 30)
      return invalid_value("The collection " + where + ".Dimensions must not have a size greater than 30.");
    item.dims = canonical_dims(d.value("Dimensions", Value::array()));
    for (size_t k = 1; k < item.dims.size(); ++k)
      if (item.dims[k].first == item.dims[k - 1].first)
        return invalid_value("No metric may have duplicate dimension names: " + item.dims[k].first);
    for (const auto& [n, v] : item.dims)
      if (n.empty() || v.empty())
        return invalid_value("The parameter " + where + ".Dimensions must have a name and a value.");
    item.raw.ts = d.contains("Timestamp") ? d["Timestamp"].get<double>() : now;
    if (item.raw.ts < now - kTwoWeeks)
      return invalid_value("The parameter " + where + ".Timestamp must specify a time no more than two weeks in "
                           "the past.");
    if (item.raw.ts > now + kTwoHours)
      return invalid_value("The parameter " + where + ".Timestamp must specify a time no more than two hours in "
                           "the future.");
    int64_t resolution = d.value("StorageResolution", int64_t{60});
    if (resolution != 1 && resolution != 60)
      return invalid_value("The value " + std::to_string(resolution) + " for parameter " + where +
                           ".StorageResolution is invalid.");
    item.raw.unit = d.value("Unit", "None");
    bool has_value = d.contains("Value"), has_values = d.contains("Values"), has_set = d.contains("StatisticValues");
    if (has_value + has_values + has_set > 1)
      return invalid_combination("The parameters " + where + ".Value, " + where + ".Values and " + where +
                                 ".StatisticValues are mutually exclusive and you have specified more than one.");
    auto finite = [&](double v, const std::string& field) -> Status {
      if (!std::isfinite(v))
        return invalid_value("The value " + std::string(std::isnan(v) ? "NaN" : "Infinity") + " for parameter " +
                             where + "." + field + " is invalid.");
      return Status::Ok();
    };
    if (has_set) {
      const Value& s = d["StatisticValues"];
      for (const char* f : {"SampleCount", "Sum", "Minimum", "Maximum"})
        if (!s.contains(f)) return errors("MissingParameter", "The parameter " + where + ".StatisticValues." + f +
                                                                    " is required.");
      item.raw.count = s["SampleCount"];
      item.raw.sum = s["Sum"];
      item.raw.min = s["Minimum"];
      item.raw.max = s["Maximum"];
      for (double v : {item.raw.count, item.raw.sum, item.raw.min, item.raw.max})
        NUAGE_TRY(finite(v, "StatisticValues"));
      if (item.raw.count <= 0) return invalid_value("The parameter " + where + ".StatisticValues.SampleCount must be "
                                                                                "greater than 0.");
      if (item.raw.min > item.raw.max)
        return invalid_value("The parameter " + where + ".StatisticValues.Maximum must be greater than " + where +
                             ".StatisticValues.Minimum.");
    } else if (has_values) {
      const Value& values = d["Values"];
      Value counts = d.value("Counts", Value::array());
      if (!counts.empty() && counts.size() != values.size())
        return invalid_value("The parameters " + where + ".Values and " + where +
                             ".Counts must be of the same size.");
      if (values.size() > 150)
        return invalid_value("The collection " + where + ".Values must not have a size greater than 150.");
      if (values.empty()) return invalid_value("The parameter " + where + ".Values must not be empty.");
      item.raw.min = INFINITY;
      item.raw.max = -INFINITY;
      for (size_t k = 0; k < values.size(); ++k) {
        double v = values[k], c = counts.empty() ? 1.0 : counts[k].get<double>();
        NUAGE_TRY(finite(v, "Values"));
        item.raw.values.emplace_back(v, c);
        item.raw.count += c;
        item.raw.sum += v * c;
        item.raw.min = std::min(item.raw.min, v);
        item.raw.max = std::max(item.raw.max, v);
      }
    } else if (has_value) {
      double v = d["Value"];
      NUAGE_TRY(finite(v, "Value"));
      item.raw = {item.raw.ts, 1, v, v, v, {{v, 1}}, item.raw.unit};
    } else {
      return invalid_combination("The parameters " + where + ".Value, " + where + ".Values or " + where +
                                 ".StatisticValues must be specified.");
    }
    items.push_back(std::move(item));
  }
  NUAGE_TRY(db_.transaction([&]() -> Status {
    for (const auto& item : items)
      NUAGE_TRY(store_datum(ctx.account_id, ctx.region, ns, item.name, item.dims, item.raw, now));
    return Status::Ok();
  }));
  return Output{};
}

Result<Output> Provider::get_metric_statistics(Context& ctx, const Value& in) {
  double start = in.at("StartTime"), end = in.at("EndTime");
  int64_t period = in.at("Period");
  Value stats = in.value("Statistics", Value::array());
  Value extended = in.value("ExtendedStatistics", Value::array());
  if (stats.empty() && extended.empty())
    return errors("MissingParameter", "Must specify either Statistics or ExtendedStatistics.");
  if (!stats.empty() && !extended.empty())
    return invalid_combination("The parameters Statistics and ExtendedStatistics are mutually exclusive and you "
                               "have specified both.");
  if (period <= 0 || (period >= 60 && period % 60 != 0) || (period < 60 && 60 % period != 0))
    return invalid_value("The parameter Period must be a multiple of 60.");
  if (start >= end)
    return invalid_value("The parameter StartTime must be less than the parameter EndTime.");
  double count = std::ceil((end - start) / static_cast<double>(period));
  if (count > 1440)
    return invalid_combination("You have requested up to " + std::to_string(static_cast<int64_t>(count)) +
                               " datapoints, which exceeds the limit of 1440. You may reduce the datapoints "
                               "requested by increasing Period, or decreasing the time range.");
  for (const auto& s : extended)
    if (!valid_stat(s) || s.get<std::string>()[0] != 'p')
      return invalid_value("The value " + s.get<std::string>() + " for parameter ExtendedStatistics is not supported.");
  std::string unit = in.value("Unit", "");
  auto raws = load(ctx.account_id, ctx.region, in.at("Namespace"), in.at("MetricName"),
                   canonical_dims(in.value("Dimensions", Value::array())), std::floor(start / period) * period,
                   std::ceil(end / static_cast<double>(period)) * period, unit);
  if (!raws) return raws.take_error();
  std::map<double, std::vector<const Raw*>> buckets;
  for (const auto& r : *raws) buckets[std::floor(r.ts / period) * period].push_back(&r);
  Output out;
  out.value["Label"] = in.at("MetricName");
  out.value["Datapoints"] = Value::array();
  for (const auto& [t, rs] : buckets) {
    Value dp = {{"Timestamp", t}, {"Unit", unit.empty() ? rs.front()->unit : unit}};
    for (const auto& s : stats) dp[s.get<std::string>()] = compute(rs, s).value_or(0);
    if (!extended.empty()) {
      dp["ExtendedStatistics"] = Value::object();
      for (const auto& s : extended)
        if (auto v = compute(rs, s)) dp["ExtendedStatistics"][s.get<std::string>()] = *v;
    }
    out.value["Datapoints"].push_back(std::move(dp));
  }
  return out;
}

Result<Output> Provider::get_metric_data(Context& ctx, const Value& in) {
  double start = in.at("StartTime"), end = in.at("EndTime");
  if (start >= end) return invalid_value("The parameter StartTime must be less than the parameter EndTime.");
  const Value& queries = in.at("MetricDataQueries");
  if (queries.empty() || queries.size() > 500)
    return invalid_value("The collection MetricDataQueries must have between 1 and 500 members.");
  bool descending = in.value("ScanBy", "TimestampDescending") != "TimestampAscending";
  std::map<std::string, Series> series;
  std::vector<std::string> metric_ids;
  std::set<std::string> ids;
  for (size_t i = 0; i < queries.size(); ++i) {
    const Value& q = queries[i];
    std::string id = q.at("Id");
    if (!ids.insert(id).second) return errors("ValidationError", "The values for parameter id in "
                                                                    "MetricDataQueries are not unique.");
    if (id.empty() || !std::islower(static_cast<unsigned char>(id[0])))
      return errors("ValidationError", "The value " + id + " for parameter MetricDataQueries.member." +
                                             std::to_string(i + 1) + ".Id is invalid.");
    if (q.contains("MetricStat") == q.contains("Expression"))
      return errors("ValidationError", "The parameter MetricDataQueries.member." + std::to_string(i + 1) +
                                             " must specify either MetricStat or Expression, but not both.");
  }
  // Metric queries first, then expressions in order (they may use each other).
  for (const auto& q : queries) {
    if (!q.contains("MetricStat")) continue;
    const Value& ms = q["MetricStat"];
    std::string stat = ms.at("Stat");
    if (!valid_stat(stat)) return invalid_value("The value " + stat + " for parameter Stat is not supported.");
    int64_t period = ms.at("Period");
    if (period <= 0) return invalid_value("The parameter Period must be greater than 0.");
    auto s = statistic_series(ctx.account_id, ctx.region, ms.at("Metric"), stat, period, start, end,
                              ms.value("Unit", ""));
    if (!s) return s.take_error();
    series[q["Id"]] = std::move(*s);
    metric_ids.push_back(q["Id"]);
  }
  for (const auto& q : queries) {
    if (!q.contains("Expression")) continue;
    auto s = evaluate_expression(q["Expression"].get<std::string>(), series, metric_ids);
    if (!s) return s.take_error();
    series[q["Id"]] = std::move(*s);
  }
  Output out;
  out.value["MetricDataResults"] = Value::array();
  out.value["Messages"] = Value::array();
  for (const auto& q : queries) {
    if (!q.value("ReturnData", true)) continue;
    std::string id = q["Id"];
    Value r = {{"Id", id}, {"StatusCode", "Complete"}, {"Timestamps", Value::array()}, {"Values", Value::array()}};
    r["Label"] = q.contains("Label") ? q["Label"] : q.contains("MetricStat")
                                                        ? Value(q["MetricStat"]["Metric"].value("MetricName", id))
                                                        : Value(id);
    std::vector<std::pair<double, double>> points(series[id].begin(), series[id].end());
    if (descending) std::reverse(points.begin(), points.end());
    for (const auto& [t, v] : points) {
      if (!std::isfinite(v)) continue;
      r["Timestamps"].push_back(t);
      r["Values"].push_back(v);
    }
    out.value["MetricDataResults"].push_back(std::move(r));
  }
  return out;
}

Result<Output> Provider::list_metrics(Context& ctx, const Value& in) {
  std::string ns = in.value("Namespace", ""), name = in.value("MetricName", "");
  Value filters = in.value("Dimensions", Value::array());
  double since = in.value("RecentlyActive", "") == "PT3H" ? now_of(clock_) - 3 * 3600 : 0;
  struct M {
    std::string ns, name;
    Dims dims;
  };
  std::vector<M> all;
  NUAGE_TRY(db_.exec("SELECT namespace, name, dims FROM cw_metrics WHERE account = ? AND region = ? AND last_ts >= ? "
                     "ORDER BY namespace, name, dims",
                     {ctx.account_id, ctx.region, since}, [&](const storage::Row& r) {
                       Dims dims;
                       for (const auto& p : Value::parse(r.text(2))) dims.emplace_back(p[0], p[1]);
                       all.push_back({r.text(0), r.text(1), std::move(dims)});
                     }));
  // The built-in EC2 metrics of every instance that has run.
  std::vector<std::string> instances;
  NUAGE_TRY(db_.exec("SELECT DISTINCT instance FROM cw_ec2_running WHERE account = ? AND region = ? AND "
                     "coalesce(end, 1e18) >= ? ORDER BY instance",
                     {ctx.account_id, ctx.region, since},
                     [&](const storage::Row& r) { instances.push_back(r.text(0)); }));
  for (const auto& id : instances)
    for (const char* m : {"CPUUtilization", "NetworkIn", "NetworkOut", "StatusCheckFailed"})
      all.push_back({"AWS/EC2", m, {{"InstanceId", id}}});
  std::vector<Value> matched;
  for (const auto& m : all) {
    if (!ns.empty() && m.ns != ns) continue;
    if (!name.empty() && m.name != name) continue;
    bool ok = true;
    for (const auto& f : filters) {
      auto it = std::find_if(m.dims.begin(), m.dims.end(), [&](const auto& d) { return d.first == f.value("Name", ""); });
      if (it == m.dims.end() || (f.contains("Value") && it->second != f["Value"])) ok = false;
    }
    if (ok) matched.push_back({{"Namespace", m.ns}, {"MetricName", m.name}, {"Dimensions", dims_value(m.dims)}});
  }
  size_t offset = 0;
  if (in.contains("NextToken")) {
    auto raw = text::base64_decode(in["NextToken"].get<std::string>());
    if (!raw || raw->rfind("m:", 0) != 0) return invalid_value("The value for parameter NextToken is invalid.");
    offset = std::strtoull(raw->c_str() + 2, nullptr, 10);
  }
  constexpr size_t kPage = 500;
  Output out;
  out.value["Metrics"] = Value::array();
  for (size_t i = offset; i < matched.size() && i < offset + kPage; ++i) out.value["Metrics"].push_back(matched[i]);
  if (offset + kPage < matched.size()) out.value["NextToken"] = text::base64_encode("m:" + std::to_string(offset + kPage));
  return out;
}

// The alarms a call names.
static std::vector<std::string> alarm_arns(const kit::RequestContext& ctx, const Value& in) {
  std::string prefix = "arn:aws:cloudwatch:" + ctx.region + ":" + ctx.account_id + ":alarm:";
  std::vector<std::string> out;
  if (auto it = in.find("AlarmName"); it != in.end() && it->is_string()) return {prefix + it->get<std::string>()};
  if (auto it = in.find("AlarmNames"); it != in.end() && it->is_array())
    for (const auto& a : *it)
      if (a.is_string()) out.push_back(prefix + a.get<std::string>());
  return out;
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(alarm_arns);
  table.add("PutMetricData", this, &Provider::put_metric_data);
  table.add("GetMetricStatistics", this, &Provider::get_metric_statistics);
  table.add("GetMetricData", this, &Provider::get_metric_data);
  table.add("ListMetrics", this, &Provider::list_metrics);
  table.add("PutMetricAlarm", this, &Provider::put_metric_alarm);
  table.add("DescribeAlarms", this, &Provider::describe_alarms);
  table.add("DescribeAlarmsForMetric", this, &Provider::describe_alarms_for_metric);
  table.add("DeleteAlarms", this, &Provider::delete_alarms);
  table.add("SetAlarmState", this, &Provider::set_alarm_state);
  table.add("DescribeAlarmHistory", this, &Provider::describe_alarm_history);
  table.add("EnableAlarmActions", this, &Provider::enable_alarm_actions);
  table.add("DisableAlarmActions", this, &Provider::disable_alarm_actions);
}

}  // namespace nuage::services::cloudwatch
