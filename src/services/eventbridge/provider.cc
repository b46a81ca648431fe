#include "services/eventbridge/provider.h"

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/eventbridge/pattern.h"
#include "services/tag_list.h"

namespace nuage::services::eventbridge {

using kit::Output;
using Value = kit::Value;

namespace {

const char* kScheduleError = "Parameter ScheduleExpression is not valid.";

int64_t to_seconds(Clock::TimePoint t) { return static_cast<int64_t>(timefmt::epoch_seconds(t)); }

AwsError rule_not_found(const std::string& name, const std::string& bus) {
  return AwsError{"ResourceNotFoundException", "Rule " + name + " does not exist on EventBus " + bus + ".", 400};
}

Status check_rule_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != std::string::npos)
    return AwsError{"ValidationException",
                    "1 validation error detected: Value '" + name + "' at 'name' failed to satisfy constraint: Member "
                    "must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+", 400};
  return Status::Ok();
}

}  // namespace

Provider::Provider(kit::Environment& env) : db_(env.db), clock_(env.clock), bus_(env.bus), targets_(env) {}

Status Provider::open() {
  NUAGE_TRY(db_.migrate("eventbridge", {
      "CREATE TABLE eventbridge_resources (account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, "
      "bus TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, kind, bus, name))",
  }));
  std::lock_guard lock(mutex_);
  NUAGE_TRY(db_.exec("SELECT account, region, kind, bus, name, doc FROM eventbridge_resources", {},
                 [&](const storage::Row& r) {
                   Key key{r.text(0), r.text(1), r.text(3), r.text(4)};
                   Value doc = Value::parse(r.text(5));
                   if (r.text(2) == "bus") {
                     buses_[key] = doc;
                     return;
                   }
                   Rule rule;
                   rule.doc = doc;
                   if (doc.contains("ScheduleExpression"))
                     if (auto sch = parse_schedule(doc["ScheduleExpression"].get<std::string>(), false, kScheduleError))
                       rule.schedule = *sch;
                   if (doc.contains("EventPattern")) rule.pattern = Value::parse(doc["EventPattern"].get<std::string>());
                   rules_[key] = std::move(rule);
                 }));
  int64_t now = to_seconds(clock_.now());
  for (auto& [key, rule] : rules_) arm(key, rule, now);
  // A clock set back re-arms every schedule from the new time.
  rewind_listener_ = clock_.on_rewind([this](Clock::TimePoint at) {
    std::lock_guard lock(mutex_);
    for (auto& [key, rule] : rules_) arm(key, rule, to_seconds(at));
  });
  subscription_ = bus_.subscribe([this](const events::Event& e) {
    route(e.account, e.region, "default", e.envelope());
  });
  return Status::Ok();
}

Provider::~Provider() {
  clock_.remove_rewind_listener(rewind_listener_);
  bus_.unsubscribe(subscription_);
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  for (auto& [key, rule] : rules_) disarm(rule);
  rules_.clear();
  buses_.clear();
  stats_.clear();
  (void)db_.exec("DELETE FROM eventbridge_resources");
}

Provider::Stats Provider::stats(const std::string& rule_arn) {
  std::lock_guard lock(mutex_);
  return stats_[rule_arn];
}

std::string Provider::bus_name(const Value& in, const char* member) {
  std::string name = in.value(member, "default");
  if (text::starts_with(name, "arn:")) name = name.substr(name.rfind('/') + 1);
  return name.empty() ? "default" : name;
}

std::string Provider::bus_arn(const std::string& account, const std::string& region, const std::string& bus) const {
  return "arn:aws:events:" + region + ":" + account + ":event-bus/" + bus;
}

Status Provider::ensure_bus(const Context& ctx, const std::string& bus) {
  if (bus == "default") return Status::Ok();
  if (!buses_.count(Key{ctx.account_id, ctx.region, bus, bus}))
    return AwsError{"ResourceNotFoundException", "Event bus " + bus + " does not exist.", 400};
  return Status::Ok();
}

Status Provider::save(const Key& key, const Rule& rule) {
  return db_.exec("INSERT INTO eventbridge_resources(account, region, kind, bus, name, doc) VALUES(?, ?, 'rule', ?, ?, ?) "
                  "ON CONFLICT(account, region, kind, bus, name) DO UPDATE SET doc = excluded.doc",
                  {key.account, key.region, key.bus, key.name, rule.doc.dump()});
}

void Provider::disarm(Rule& rule) {
  if (rule.timer) clock_.cancel(rule.timer);
  rule.timer = 0;
}

// Caller holds mutex_.
void Provider::arm(const Key& key, Rule& rule, int64_t after_seconds) {
  disarm(rule);
  if (!rule.schedule || rule.doc.value("State", "ENABLED") != "ENABLED") return;
  static const TimeZone utc;
  int64_t anchor = static_cast<int64_t>(rule.doc.value("_Anchor", 0.0));
  auto next = rule.schedule->next_after(after_seconds, utc, anchor);
  if (!next) return;
  rule.timer = clock_.schedule(timefmt::from_epoch_seconds(static_cast<double>(*next)),
                               [this, key](Clock::TimePoint due) { fire(key, due); });
}

void Provider::fire(const Key& key, Clock::TimePoint due) {
  Value rule_doc;
  {
    std::lock_guard lock(mutex_);
    auto it = rules_.find(key);
    if (it == rules_.end()) return;
    it->second.timer = 0;
    rule_doc = it->second.doc;
    arm(key, it->second, to_seconds(due));
  }
  Value event = {{"version", "0"},
                 {"id", crypto::random_uuid()},
                 {"detail-type", "Scheduled Event"},
                 {"source", "aws.events"},
                 {"account", key.account},
                 {"time", timefmt::iso8601(due)},
                 {"region", key.region},
                 {"resources", {rule_doc["Arn"]}},
                 {"detail", Value::object()}};
  for (const auto& target : rule_doc.value("Targets", Value::array())) {
    auto payload = transform_input(target, event);
    if (!payload) continue;
    deliver_with_retry(pending_for(key.account, key.region, rule_doc["Arn"], target, *payload,
                                   static_cast<int64_t>(timefmt::epoch_seconds(due) * 1000)));
  }
}

Provider::Pending Provider::pending_for(const std::string& account, const std::string& region,
                                        const std::string& rule_arn, const Value& target, std::string payload,
                                        int64_t time_ms) {
  Pending p;
  p.delivery = {target["Arn"], std::move(payload), account, region, {}, time_ms, {}, {}};
  // Rules invoke as the EventBridge service principal, on behalf of the rule.
  p.delivery.caller.type = auth::PrincipalType::kService;
  p.delivery.caller.arn = "events.amazonaws.com";
  p.delivery.caller.user_id = "events.amazonaws.com";
  p.delivery.caller.account_id = account;
  p.delivery.caller.source_arn = rule_arn;
  p.rule_arn = rule_arn;
  const Value retry = target.value("RetryPolicy", Value::object());
  p.max_attempts = 1 + static_cast<int>(retry.value("MaximumRetryAttempts", 185));
  p.deadline_ms = time_ms + 1000 * retry.value("MaximumEventAgeInSeconds", int64_t{86400});
  return p;
}

void Provider::route(const std::string& account, const std::string& region, const std::string& bus, const Value& event) {
  std::vector<Pending> work;
  {
    std::lock_guard lock(mutex_);
    for (auto it = rules_.lower_bound(Key{account, region, bus, ""}); it != rules_.end(); ++it) {
      const Key& k = it->first;
      if (k.account != account || k.region != region || k.bus != bus) break;
      Rule& rule = it->second;
      if (!rule.pattern || rule.doc.value("State", "ENABLED") != "ENABLED") continue;
      if (!pattern_matches(*rule.pattern, event)) continue;
      for (const auto& target : rule.doc.value("Targets", Value::array())) {
        auto payload = transform_input(target, event);
        if (!payload) continue;
        work.push_back(pending_for(account, region, rule.doc["Arn"], target, *payload,
                                   static_cast<int64_t>(timefmt::epoch_seconds(clock_.now()) * 1000)));
      }
    }
  }
  for (auto& p : work) deliver_with_retry(std::move(p));
}

void Provider::deliver_with_retry(Pending p) {
  RetryPolicy policy{p.max_attempts, (p.deadline_ms - p.delivery.time_ms) / 1000};
  targets_.deliver_with_retry(clock_, std::move(p.delivery), policy,
                              [this, arn = p.rule_arn](const Status& s, int attempt, bool final) {
                                std::lock_guard lock(mutex_);
                                Stats& st = stats_[arn];
                                if (attempt == 1) ++st.invocations;
                                else ++st.retries;
                                if (!s.ok() && final) ++st.failed;
                              });
}

// ---------------------------------------------------------------- rules

Result<Provider::Rule*> Provider::find_rule(const Context& ctx, const Value& in) {
  std::string bus = bus_name(in);
  NUAGE_TRY(ensure_bus(ctx, bus));
  std::string name = in.value("Name", in.value("Rule", ""));
  auto it = rules_.find(Key{ctx.account_id, ctx.region, bus, name});
  if (it == rules_.end()) return rule_not_found(name, bus);
  return &it->second;
}

Result<Output> Provider::put_rule(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  NUAGE_TRY(check_rule_name(name));
  std::string bus = bus_name(in);
  NUAGE_TRY(ensure_bus(ctx, bus));
  if (!in.contains("EventPattern") && !in.contains("ScheduleExpression"))
    return AwsError{"ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.", 400};
  Rule rule;
  if (in.contains("ScheduleExpression")) {
    if (bus != "default")
      return AwsError{"ValidationException", "ScheduleExpression is supported only on the default event bus.", 400};
    auto sch = parse_schedule(in["ScheduleExpression"].get<std::string>(), false, kScheduleError);
    if (!sch) return sch.take_error();
    rule.schedule = *sch;
  }
  if (in.contains("EventPattern")) {
    Value pattern = Value::parse(in["EventPattern"].get<std::string>(), nullptr, false);
    if (pattern.is_discarded())
      return AwsError{"InvalidEventPatternException", "Event pattern is not valid. Reason: Filter is not an object", 400};
    NUAGE_TRY(validate_pattern(pattern));
    rule.pattern = pattern;
  }
  std::string state = in.value("State", "ENABLED");
  if (state != "ENABLED" && state != "DISABLED" && state != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    return AwsError{"ValidationException", "State must be ENABLED or DISABLED", 400};
  Key key{ctx.account_id, ctx.region, bus, name};
  std::string arn = "arn:aws:events:" + ctx.region + ":" + ctx.account_id + ":rule/" +
                    (bus == "default" ? "" : bus + "/") + name;
  Value doc = {{"Name", name}, {"Arn", arn}, {"State", state}, {"EventBusName", bus}, {"CreatedBy", ctx.account_id}};
  for (const char* m : {"ScheduleExpression", "EventPattern", "Description", "RoleArn"})
    if (in.contains(m)) doc[m] = in[m];
  auto existing = rules_.find(key);
  doc["Targets"] = existing != rules_.end() ? existing->second.doc.value("Targets", Value::array()) : Value::array();
  doc["_Tags"] = existing != rules_.end() ? existing->second.doc.value("_Tags", Value::array())
                                          : in.value("Tags", Value::array());
  // rate() counts from the moment the rule is (re)scheduled.
  doc["_Anchor"] = timefmt::epoch_seconds(clock_.now());
  rule.doc = doc;
  NUAGE_TRY(save(key, rule));
  if (existing != rules_.end()) disarm(existing->second);
  Rule& stored = rules_[key] = std::move(rule);
  arm(key, stored, to_seconds(clock_.now()));
  Output out;
  out.value["RuleArn"] = arn;
  return out;
}

static Value public_rule(const Value& doc) {
  Value out = doc;
  for (auto it = out.begin(); it != out.end();) {
    if (it.key()[0] == '_' || it.key() == "Targets") it = out.erase(it);
    else ++it;
  }
  return out;
}

Result<Output> Provider::describe_rule(Context& ctx, const Value& in) {
  auto rule = find_rule(ctx, in);
  if (!rule) return rule.take_error();
  Output out;
  out.value = public_rule((*rule)->doc);
  return out;
}

Result<Output> Provider::list_rules(Context& ctx, const Value& in) {
  std::string bus = bus_name(in);
  NUAGE_TRY(ensure_bus(ctx, bus));
  std::string prefix = in.value("NamePrefix", "");
  std::vector<Value> rules;
  for (auto it = rules_.lower_bound(Key{ctx.account_id, ctx.region, bus, prefix}); it != rules_.end(); ++it) {
    if (it->first.account != ctx.account_id || it->first.region != ctx.region || it->first.bus != bus) break;
    if (!text::starts_with(it->first.name, prefix)) break;
    rules.push_back(public_rule(it->second.doc));
  }
  size_t start = in.contains("NextToken") ? std::stoul(text::base64_decode(in["NextToken"].get<std::string>()).value_or("0")) : 0;
  size_t limit = static_cast<size_t>(in.value("Limit", 100));
  Output out;
  out.value["Rules"] = Value::array();
  for (size_t i = start; i < rules.size() && i < start + limit; ++i) out.value["Rules"].push_back(rules[i]);
  if (start + limit < rules.size()) out.value["NextToken"] = text::base64_encode(std::to_string(start + limit));
  return out;
}

Result<Output> Provider::delete_rule(Context& ctx, const Value& in) {
  std::string bus = bus_name(in);
  NUAGE_TRY(ensure_bus(ctx, bus));
  Key key{ctx.account_id, ctx.region, bus, in.at("Name")};
  auto it = rules_.find(key);
  if (it == rules_.end()) return Output{};  // deleting a missing rule succeeds, as on AWS
  if (!it->second.doc.value("Targets", Value::array()).empty() && !in.value("Force", false))
    return AwsError{"ValidationException", "Rule can't be deleted since it has targets.", 400};
  NUAGE_TRY(db_.exec("DELETE FROM eventbridge_resources WHERE account = ? AND region = ? AND kind = 'rule' AND bus = ? "
                     "AND name = ?", {key.account, key.region, key.bus, key.name}));
  disarm(it->second);
  rules_.erase(it);
  return Output{};
}

Result<Output> Provider::enable_rule(Context& ctx, const Value& in) {
  auto rule = find_rule(ctx, in);
  if (!rule) return rule.take_error();
  Key key{ctx.account_id, ctx.region, bus_name(in), in.at("Name")};
  if ((*rule)->doc["State"] != "ENABLED") {
    (*rule)->doc["State"] = "ENABLED";
    (*rule)->doc["_Anchor"] = timefmt::epoch_seconds(clock_.now());
    NUAGE_TRY(save(key, **rule));
    arm(key, **rule, to_seconds(clock_.now()));
  }
  return Output{};
}

Result<Output> Provider::disable_rule(Context& ctx, const Value& in) {
  auto rule = find_rule(ctx, in);
  if (!rule) return rule.take_error();
  Key key{ctx.account_id, ctx.region, bus_name(in), in.at("Name")};
  (*rule)->doc["State"] = "DISABLED";
  NUAGE_TRY(save(key, **rule));
  disarm(**rule);
  return Output{};
}

// ---------------------------------------------------------------- targets

Result<Output> Provider::put_targets(Context& ctx, const Value& in) {
  auto rule = find_rule(ctx, in);
  if (!rule) return rule.take_error();
  Value& targets = (*rule)->doc["Targets"];
  Output out;
  out.value["FailedEntries"] = Value::array();
  int failed = 0;
  for (const auto& t : in.at("Targets")) {
    std::string id = t.value("Id", "");
    std::string arn = t.value("Arn", "");
    auto fail = [&](const std::string& code, const std::string& message) {
      out.value["FailedEntries"].push_back({{"TargetId", id}, {"ErrorCode", code}, {"ErrorMessage", message}});
      ++failed;
    };
    int given = (t.contains("Input") ? 1 : 0) + (t.contains("InputPath") ? 1 : 0) + (t.contains("InputTransformer") ? 1 : 0);
    if (given > 1) return AwsError{"ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided.", 400};
    if (t.contains("Input") && Value::parse(t["Input"].get<std::string>(), nullptr, false).is_discarded())
      return AwsError{"ValidationException", "Parameter Input is not valid.", 400};
    if (!text::starts_with(arn, "arn:")) {
      fail("ValidationException", "Parameter " + arn + " is not valid. Reason: Provided Arn is not in correct format.");
      continue;
    }
    bool replaced = false;
    for (auto& existing : targets)
      if (existing["Id"] == id) {
        existing = t;
        replaced = true;
      }
    if (!replaced) {
      if (targets.size() >= 5)
        return AwsError{"LimitExceededException", "The requested resource exceeds the maximum number allowed.", 400};
      targets.push_back(t);
    }
  }
  NUAGE_TRY(save(Key{ctx.account_id, ctx.region, bus_name(in), in.at("Rule")}, **rule));
  out.value["FailedEntryCount"] = failed;
  return out;
}

Result<Output> Provider::remove_targets(Context& ctx, const Value& in) {
  auto rule = find_rule(ctx, in);
  if (!rule) return rule.take_error();
  Value& targets = (*rule)->doc["Targets"];
  Value kept = Value::array();
  for (const auto& t : targets) {
    bool remove = false;
    for (const auto& id : in.at("Ids")) remove |= t["Id"] == id;
    if (!remove) kept.push_back(t);
  }
  targets = kept;
  NUAGE_TRY(save(Key{ctx.account_id, ctx.region, bus_name(in), in.at("Rule")}, **rule));
  Output out;
  out.value = {{"FailedEntryCount", 0}, {"FailedEntries", Value::array()}};
  return out;
}

Result<Output> Provider::list_targets_by_rule(Context& ctx, const Value& in) {
  auto rule = find_rule(ctx, in);
  if (!rule) return rule.take_error();
  Output out;
  out.value["Targets"] = (*rule)->doc.value("Targets", Value::array());
  return out;
}

Result<Output> Provider::list_rule_names_by_target(Context& ctx, const Value& in) {
  std::string bus = bus_name(in);
  std::string arn = in.at("TargetArn");
  Output out;
  out.value["RuleNames"] = Value::array();
  for (const auto& [key, rule] : rules_) {
    if (key.account != ctx.account_id || key.region != ctx.region || key.bus != bus) continue;
    for (const auto& t : rule.doc.value("Targets", Value::array()))
      if (t["Arn"] == arn) {
        out.value["RuleNames"].push_back(key.name);
        break;
      }
  }
  return out;
}

// ---------------------------------------------------------------- events

Result<Output> Provider::put_events(Context& ctx, const Value& in) {
  const Value& entries = in.at("Entries");
  if (entries.empty() || entries.size() > 10)
    return AwsError{"ValidationException",
                    "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have "
                    "length less than or equal to 10", 400};
  Output out;
  out.value["Entries"] = Value::array();
  int failed = 0;
  std::vector<std::pair<std::string, Value>> routed;
  std::unique_lock lock(mutex_);  // released before routing, which locks again
  for (const auto& e : entries) {
    auto reject = [&](const std::string& code, const std::string& message) {
      out.value["Entries"].push_back({{"ErrorCode", code}, {"ErrorMessage", message}});
      ++failed;
    };
    if (!e.contains("Source")) { reject("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."); continue; }
    if (!e.contains("DetailType")) { reject("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."); continue; }
    if (!e.contains("Detail")) { reject("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."); continue; }
    Value detail = Value::parse(e["Detail"].get<std::string>(), nullptr, false);
    if (detail.is_discarded() || !detail.is_object()) { reject("MalformedDetail", "Detail is malformed."); continue; }
    std::string bus = bus_name(e);
    if (!ensure_bus(ctx, bus).ok()) { reject("InvalidArgument", "Event bus " + bus + " does not exist."); continue; }
    std::string id = crypto::random_uuid();
    auto time = e.contains("Time") ? timefmt::from_epoch_seconds(e["Time"].get<double>()) : clock_.now();
    Value event = {{"version", "0"}, {"id", id}, {"detail-type", e["DetailType"]}, {"source", e["Source"]},
                   {"account", ctx.account_id}, {"time", timefmt::iso8601(time)}, {"region", ctx.region},
                   {"resources", e.value("Resources", Value::array())}, {"detail", detail}};
    out.value["Entries"].push_back({{"EventId", id}});
    routed.emplace_back(bus, std::move(event));
  }
  out.value["FailedEntryCount"] = failed;
  lock.unlock();
  // Route after answering would be closer to AWS; routing here keeps delivery
  // ordered and lets a clock advance wait for it. The provider mutex is not
  // held (see register_operations).
  for (auto& [bus, event] : routed) route(ctx.account_id, ctx.region, bus, event);
  return out;
}

Result<Output> Provider::test_event_pattern(Context&, const Value& in) {
  Value pattern = Value::parse(in.at("EventPattern").get<std::string>(), nullptr, false);
  if (pattern.is_discarded())
    return AwsError{"InvalidEventPatternException", "Event pattern is not valid. Reason: Filter is not an object", 400};
  NUAGE_TRY(validate_pattern(pattern));
  Value event = Value::parse(in.at("Event").get<std::string>(), nullptr, false);
  if (event.is_discarded() || !event.is_object())
    return AwsError{"ValidationException", "Parameter Event is not valid.", 400};
  for (const char* field : {"id", "account", "source", "time", "region", "detail-type"})
    if (!event.contains(field))
      return AwsError{"ValidationException", std::string("Parameter Event is not valid. Reason: Provided Event is "
                                                         "missing required field: ") + field, 400};
  Output out;
  out.value["Result"] = pattern_matches(pattern, event);
  return out;
}

// ---------------------------------------------------------------- buses

Result<Output> Provider::create_event_bus(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  if (name == "default" || name.find('/') != std::string::npos)
    return AwsError{"ValidationException", "Event bus name " + name + " is not valid.", 400};
  Key key{ctx.account_id, ctx.region, name, name};
  if (buses_.count(key))
    return AwsError{"ResourceAlreadyExistsException", "Event bus " + name + " already exists.", 400};
  Value doc = {{"Name", name}, {"Arn", bus_arn(ctx.account_id, ctx.region, name)},
               {"CreationTime", timefmt::epoch_seconds(clock_.now())}, {"_Tags", in.value("Tags", Value::array())}};
  if (in.contains("Description")) doc["Description"] = in["Description"];
  NUAGE_TRY(db_.exec("INSERT INTO eventbridge_resources(account, region, kind, bus, name, doc) VALUES(?, ?, 'bus', ?, ?, ?)",
                     {ctx.account_id, ctx.region, name, name, doc.dump()}));
  buses_[key] = doc;
  Output out;
  out.value["EventBusArn"] = doc["Arn"];
  return out;
}

Result<Output> Provider::delete_event_bus(Context& ctx, const Value& in) {
  std::string name = bus_name(in, "Name");
  if (name == "default") return AwsError{"ValidationException", "Cannot delete event bus default.", 400};
  Key key{ctx.account_id, ctx.region, name, name};
  NUAGE_TRY(db_.exec("DELETE FROM eventbridge_resources WHERE account = ? AND region = ? AND bus = ?",
                     {ctx.account_id, ctx.region, name}));
  buses_.erase(key);
  for (auto it = rules_.begin(); it != rules_.end();) {
    if (it->first.account == ctx.account_id && it->first.region == ctx.region && it->first.bus == name) {
      disarm(it->second);
      it = rules_.erase(it);
    } else {
      ++it;
    }
  }
  return Output{};
}

Result<Output> Provider::describe_event_bus(Context& ctx, const Value& in) {
  std::string name = bus_name(in, "Name");
  Output out;
  if (name == "default") {
    out.value = {{"Name", "default"}, {"Arn", bus_arn(ctx.account_id, ctx.region, "default")}};
    return out;
  }
  auto it = buses_.find(Key{ctx.account_id, ctx.region, name, name});
  if (it == buses_.end()) return AwsError{"ResourceNotFoundException", "Event bus " + name + " does not exist.", 400};
  out.value = public_rule(it->second);
  return out;
}

Result<Output> Provider::list_event_buses(Context& ctx, const Value& in) {
  std::string prefix = in.value("NamePrefix", "");
  Output out;
  out.value["EventBuses"] = Value::array();
  if (text::starts_with("default", prefix))
    out.value["EventBuses"].push_back({{"Name", "default"}, {"Arn", bus_arn(ctx.account_id, ctx.region, "default")}});
  for (const auto& [key, doc] : buses_)
    if (key.account == ctx.account_id && key.region == ctx.region && text::starts_with(key.name, prefix))
      out.value["EventBuses"].push_back(public_rule(doc));
  return out;
}

// ---------------------------------------------------------------- tags

Result<Output> Provider::tag_resource(Context& ctx, const Value& in) {
  std::string arn = in.at("ResourceARN");
  for (auto& [key, rule] : rules_)
    if (rule.doc["Arn"] == arn) {
      rule.doc["_Tags"] = merge_tags(rule.doc.value("_Tags", Value::array()), in.at("Tags"));
      NUAGE_TRY(save(key, rule));
      return Output{};
    }
  (void)ctx;
  return AwsError{"ResourceNotFoundException", "Rule " + arn.substr(arn.rfind('/') + 1) + " does not exist.", 400};
}

Result<Output> Provider::untag_resource(Context&, const Value& in) {
  std::string arn = in.at("ResourceARN");
  for (auto& [key, rule] : rules_)
    if (rule.doc["Arn"] == arn) {
      rule.doc["_Tags"] = remove_tags(rule.doc.value("_Tags", Value::array()), in.at("TagKeys"));
      NUAGE_TRY(save(key, rule));
      return Output{};
    }
  return AwsError{"ResourceNotFoundException", "Rule " + arn.substr(arn.rfind('/') + 1) + " does not exist.", 400};
}

Result<Output> Provider::list_tags_for_resource(Context&, const Value& in) {
  std::string arn = in.at("ResourceARN");
  for (const auto& [key, rule] : rules_)
    if (rule.doc["Arn"] == arn) {
      Output out;
      out.value["Tags"] = rule.doc.value("_Tags", Value::array());
      return out;
    }
  return AwsError{"ResourceNotFoundException", "Rule " + arn.substr(arn.rfind('/') + 1) + " does not exist.", 400};
}

// The rule or event bus a call names.
static std::vector<std::string> events_resources(const kit::RequestContext& ctx, const Value& in) {
  auto str = [&](const char* key) {
    auto it = in.find(key);
    return it != in.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string name = str("Name").empty() ? str("Rule") : str("Name");
  std::string bus = str("EventBusName");
  std::string prefix = "arn:aws:events:" + ctx.region + ":" + ctx.account_id + ":";
  if (ctx.operation.find("EventBus") != std::string::npos && !name.empty()) return {prefix + "event-bus/" + name};
  if (name.empty()) return {"*"};
  if (text::starts_with(name, "arn:")) return {name};
  return {prefix + "rule/" + (bus.empty() || bus == "default" ? "" : bus + "/") + name};
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(events_resources);
  // Most operations run under mutex_; PutEvents delivers outside it.
  table.add_locked("PutRule", this, mutex_, &Provider::put_rule);
  table.add_locked("DescribeRule", this, mutex_, &Provider::describe_rule);
  table.add_locked("ListRules", this, mutex_, &Provider::list_rules);
  table.add_locked("DeleteRule", this, mutex_, &Provider::delete_rule);
  table.add_locked("EnableRule", this, mutex_, &Provider::enable_rule);
  table.add_locked("DisableRule", this, mutex_, &Provider::disable_rule);
  table.add_locked("PutTargets", this, mutex_, &Provider::put_targets);
  table.add_locked("RemoveTargets", this, mutex_, &Provider::remove_targets);
  table.add_locked("ListTargetsByRule", this, mutex_, &Provider::list_targets_by_rule);
  table.add_locked("ListRuleNamesByTarget", this, mutex_, &Provider::list_rule_names_by_target);
  table.add_locked("CreateEventBus", this, mutex_, &Provider::create_event_bus);
  table.add_locked("DeleteEventBus", this, mutex_, &Provider::delete_event_bus);
  table.add_locked("DescribeEventBus", this, mutex_, &Provider::describe_event_bus);
  table.add_locked("ListEventBuses", this, mutex_, &Provider::list_event_buses);
  table.add_locked("TagResource", this, mutex_, &Provider::tag_resource);
  table.add_locked("UntagResource", this, mutex_, &Provider::untag_resource);
  table.add_locked("ListTagsForResource", this, mutex_, &Provider::list_tags_for_resource);
  table.add("TestEventPattern", [this](Context& ctx, const Value& in) { return test_event_pattern(ctx, in); });
  table.add("PutEvents", [this](Context& ctx, const Value& in) -> Result<Output> {
    // Validation needs the buses (under the lock); routing takes the lock itself.
    return put_events(ctx, in);
  });
}

}  // namespace nuage::services::eventbridge
