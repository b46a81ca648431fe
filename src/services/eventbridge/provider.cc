#include "services/eventbridge/provider.h"

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/documents.h"
#include "common/text.h"
#include "common/time.h"
#include "services/eventbridge/errors.h"
#include "services/eventbridge/pattern.h"

namespace nuage::services::eventbridge {

using kit::Output;
using storage::Scope;
using Value = kit::Value;

namespace {

const char* kScheduleError = "Parameter ScheduleExpression is not valid.";
const char* kRule = "rule";
const char* kBus = "bus";

int64_t to_seconds(Clock::TimePoint t) { return static_cast<int64_t>(timefmt::epoch_seconds(t)); }

Scope scope_of(const kit::RequestContext& ctx) { return {ctx.account_id, ctx.region}; }

// A rule's id in the store: its bus's rules are one range of ids.
std::string rule_id(const std::string& bus, const std::string& name) { return bus + "/" + name; }
std::string rule_name(const std::string& id) { return id.substr(id.find('/') + 1); }

std::string rule_not_found(const std::string& name, const std::string& bus) {
  return "Rule " + name + " does not exist on EventBus " + bus + ".";
}
std::string bus_not_found(const std::string& bus) { return "Event bus " + bus + " does not exist."; }

Status check_rule_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != std::string::npos)
    return errors("ValidationException",
                  "1 validation error detected: Value '" + name + "' at 'name' failed to satisfy constraint: Member "
                  "must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
  return Status::Ok();
}

bool enabled(const Value& rule) { return rule.value("State", "ENABLED") == "ENABLED"; }

// A stored rule or bus as DescribeRule / DescribeEventBus answer it.
Value public_rule(const Value& doc) {
  Value out = doc;
  for (auto it = out.begin(); it != out.end();) {
    if (it.key()[0] == '_' || it.key() == "Targets") it = out.erase(it);
    else ++it;
  }
  return out;
}

}  // namespace

Provider::Provider(kit::Environment& env) : env_(env), clock_(env.clock), bus_(env.bus), targets_(env) {}

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "events";
  options.legacy_component = "eventbridge";
  options.legacy_migrations = {
      "CREATE TABLE eventbridge_resources (account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, "
      "bus TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, kind, bus, name))",
      "INSERT INTO resources(service, account, region, kind, id, doc) "
      "SELECT 'events', account, region, kind, CASE kind WHEN 'rule' THEN bus || '/' || name ELSE name END, doc "
      "FROM eventbridge_resources",
      "DROP TABLE eventbridge_resources",
  };
  // Tags are kept beside the DescribeRule / DescribeEventBus members, which do not include them.
  options.kinds[kRule] = {"_Tags", false};
  options.kinds[kBus] = {"_Tags", false};
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  std::lock_guard lock(mutex_);
  store_ = std::move(*store);
  store_->for_each(kRule, [&](const Scope& scope, const std::string& id, const Value& doc) {
    Armed& armed = armed_[scope][id];
    if (doc.contains("ScheduleExpression"))
      if (auto sch = events::parse_schedule(doc["ScheduleExpression"].get<std::string>(), false, kScheduleError))
        armed.schedule = *sch;
    if (doc.contains("EventPattern")) armed.pattern = Value::parse(doc["EventPattern"].get<std::string>());
  });
  int64_t now = to_seconds(clock_.now());
  for (auto& [scope, rules] : armed_)
    for (auto& [id, armed] : rules) arm(scope, id, now);
  // A clock set back re-arms every schedule from the new time.
  rewind_listener_ = clock_.on_rewind([this](Clock::TimePoint at) {
    std::lock_guard lock(mutex_);
    for (auto& [scope, rules] : armed_)
      for (auto& [id, armed] : rules) arm(scope, id, to_seconds(at));
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

void Provider::disarm_all() {
  for (auto& [scope, rules] : armed_)
    for (auto& [id, armed] : rules) disarm(armed);
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  disarm_all();
  armed_.clear();
  stats_.clear();
  if (store_) store_->clear();
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
  if (!store_->get(scope_of(ctx), kBus, bus)) return errors("ResourceNotFoundException", bus_not_found(bus));
  return Status::Ok();
}

Provider::Armed* Provider::armed(const Scope& scope, const std::string& id) {
  auto s = armed_.find(scope);
  if (s == armed_.end()) return nullptr;
  auto it = s->second.find(id);
  return it == s->second.end() ? nullptr : &it->second;
}

void Provider::disarm(Armed& armed) {
  if (armed.timer) clock_.cancel(armed.timer);
  armed.timer = 0;
}

// Caller holds mutex_.
void Provider::arm(const Scope& scope, const std::string& id, int64_t after_seconds) {
  Armed* armed = this->armed(scope, id);
  if (!armed) return;
  disarm(*armed);
  const Value* doc = store_->get(scope, kRule, id);
  if (!armed->schedule || !doc || !enabled(*doc)) return;
  static const events::TimeZone utc;
  int64_t anchor = static_cast<int64_t>(doc->value("_Anchor", 0.0));
  auto next = armed->schedule->next_after(after_seconds, utc, anchor);
  if (!next) return;
  armed->timer = clock_.schedule(timefmt::from_epoch_seconds(static_cast<double>(*next)),
                                 [this, scope, id](Clock::TimePoint due) { fire(scope, id, due); });
}

void Provider::fire(const Scope& scope, const std::string& id, Clock::TimePoint due) {
  std::shared_ptr<const Value> rule;
  {
    std::lock_guard lock(mutex_);
    Armed* armed = this->armed(scope, id);
    if (!armed) return;
    armed->timer = 0;
    rule = store_->share(scope, kRule, id);
    if (!rule) return;
    arm(scope, id, to_seconds(due));
  }
  Value event = {{"version", "0"},
                 {"id", crypto::random_uuid()},
                 {"detail-type", "Scheduled Event"},
                 {"source", "aws.events"},
                 {"account", scope.account},
                 {"time", timefmt::iso8601(due)},
                 {"region", scope.region},
                 {"resources", {(*rule)["Arn"]}},
                 {"detail", Value::object()}};
  for (const auto& target : rule->value("Targets", Value::array())) {
    auto payload = events::transform_input(target, event);
    if (!payload) continue;
    deliver_with_retry(pending_for(scope.account, scope.region, (*rule)["Arn"], target, *payload,
                                   static_cast<int64_t>(timefmt::epoch_seconds(due) * 1000)));
  }
}

Provider::Pending Provider::pending_for(const std::string& account, const std::string& region,
                                        const std::string& rule_arn, const Value& target, std::string payload,
                                        int64_t time_ms) {
  Pending p;
  p.delivery.target_arn = target["Arn"];
  p.delivery.payload = std::move(payload);
  p.delivery.account = account;
  p.delivery.region = region;
  p.delivery.time_ms = time_ms;
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
    Scope scope{account, region};
    auto rules = armed_.find(scope);
    if (rules == armed_.end()) return;
    const std::string range = bus + "/";
    for (auto it = rules->second.lower_bound(range); it != rules->second.end(); ++it) {
      if (!text::starts_with(it->first, range)) break;
      const Armed& armed = it->second;
      if (!armed.pattern) continue;
      const Value* rule = store_->get(scope, kRule, it->first);
      if (!rule || !enabled(*rule)) continue;
      if (!pattern_matches(*armed.pattern, event)) continue;
      for (const auto& target : rule->value("Targets", Value::array())) {
        auto payload = events::transform_input(target, event);
        if (!payload) continue;
        work.push_back(pending_for(account, region, (*rule)["Arn"], target, *payload,
                                   static_cast<int64_t>(timefmt::epoch_seconds(clock_.now()) * 1000)));
      }
    }
  }
  for (auto& p : work) deliver_with_retry(std::move(p));
}

void Provider::deliver_with_retry(Pending p) {
  events::RetryPolicy policy{p.max_attempts, (p.deadline_ms - p.delivery.time_ms) / 1000};
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

Result<std::string> Provider::find_rule(const Context& ctx, const Value& in) {
  std::string bus = bus_name(in);
  NUAGE_TRY(ensure_bus(ctx, bus));
  std::string name = in.value("Name", in.value("Rule", ""));
  std::string id = rule_id(bus, name);
  if (!store_->get(scope_of(ctx), kRule, id)) return errors("ResourceNotFoundException", rule_not_found(name, bus));
  return id;
}

Result<Output> Provider::put_rule(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  NUAGE_TRY(check_rule_name(name));
  std::string bus = bus_name(in);
  NUAGE_TRY(ensure_bus(ctx, bus));
  if (!in.contains("EventPattern") && !in.contains("ScheduleExpression"))
    return errors("ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.");
  Armed parsed;
  if (in.contains("ScheduleExpression")) {
    if (bus != "default")
      return errors("ValidationException", "ScheduleExpression is supported only on the default event bus.");
    auto sch = events::parse_schedule(in["ScheduleExpression"].get<std::string>(), false, kScheduleError);
    if (!sch) return sch.take_error();
    parsed.schedule = *sch;
  }
  if (in.contains("EventPattern")) {
    Value pattern = documents::parse_json_or_discarded(in["EventPattern"].get<std::string>());
    if (pattern.is_discarded())
      return errors("InvalidEventPatternException", "Event pattern is not valid. Reason: Filter is not an object");
    NUAGE_TRY(validate_pattern(pattern));
    parsed.pattern = pattern;
  }
  std::string state = in.value("State", "ENABLED");
  if (state != "ENABLED" && state != "DISABLED" && state != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    return errors("ValidationException", "State must be ENABLED or DISABLED");
  Scope scope = scope_of(ctx);
  std::string id = rule_id(bus, name);
  std::string arn = "arn:aws:events:" + ctx.region + ":" + ctx.account_id + ":rule/" +
                    (bus == "default" ? "" : bus + "/") + name;
  Value doc = {{"Name", name}, {"Arn", arn}, {"State", state}, {"EventBusName", bus}, {"CreatedBy", ctx.account_id}};
  for (const char* m : {"ScheduleExpression", "EventPattern", "Description", "RoleArn"})
    if (in.contains(m)) doc[m] = in[m];
  const Value* existing = store_->get(scope, kRule, id);
  doc["Targets"] = existing ? existing->value("Targets", Value::array()) : Value::array();
  doc["_Tags"] = existing ? existing->value("_Tags", Value::array()) : in.value("Tags", Value::array());
  // rate() counts from the moment the rule is (re)scheduled.
  doc["_Anchor"] = timefmt::epoch_seconds(clock_.now());
  NUAGE_TRY(store_->put(scope, kRule, id, std::move(doc)));
  Armed& armed = armed_[scope][id];
  disarm(armed);
  armed = std::move(parsed);
  arm(scope, id, to_seconds(clock_.now()));
  Output out;
  out.value["RuleArn"] = arn;
  return out;
}

Result<Output> Provider::describe_rule(Context& ctx, const Value& in) {
  auto id = find_rule(ctx, in);
  if (!id) return id.take_error();
  Output out;
  out.value = public_rule(*store_->get(scope_of(ctx), kRule, *id));
  return out;
}

Result<Output> Provider::list_rules(Context& ctx, const Value& in) {
  std::string bus = bus_name(in);
  NUAGE_TRY(ensure_bus(ctx, bus));
  std::string prefix = rule_id(bus, in.value("NamePrefix", ""));
  std::vector<Value> rules;
  auto view = store_->all(scope_of(ctx), kRule);
  for (auto it = view.from(prefix); it != view.end(); ++it) {
    if (!text::starts_with((*it).first, prefix)) break;
    rules.push_back(public_rule((*it).second));
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
  Scope scope = scope_of(ctx);
  std::string id = rule_id(bus, in.at("Name"));
  const Value* rule = store_->get(scope, kRule, id);
  if (!rule) return Output{};  // deleting a missing rule succeeds, as on AWS
  if (!rule->value("Targets", Value::array()).empty() && !in.value("Force", false))
    return errors("ValidationException", "Rule can't be deleted since it has targets.");
  NUAGE_TRY(store_->erase(scope, kRule, id));
  if (Armed* armed = this->armed(scope, id)) disarm(*armed);
  armed_[scope].erase(id);
  return Output{};
}

Result<Output> Provider::enable_rule(Context& ctx, const Value& in) {
  auto id = find_rule(ctx, in);
  if (!id) return id.take_error();
  Scope scope = scope_of(ctx);
  Value* rule = store_->find(scope, kRule, *id);
  if ((*rule)["State"] != "ENABLED") {
    (*rule)["State"] = "ENABLED";
    (*rule)["_Anchor"] = timefmt::epoch_seconds(clock_.now());
    NUAGE_TRY(store_->put(scope, kRule, *id, *rule));
    arm(scope, *id, to_seconds(clock_.now()));
  }
  return Output{};
}

Result<Output> Provider::disable_rule(Context& ctx, const Value& in) {
  auto id = find_rule(ctx, in);
  if (!id) return id.take_error();
  Scope scope = scope_of(ctx);
  Value* rule = store_->find(scope, kRule, *id);
  (*rule)["State"] = "DISABLED";
  NUAGE_TRY(store_->put(scope, kRule, *id, *rule));
  if (Armed* armed = this->armed(scope, *id)) disarm(*armed);
  return Output{};
}

// ---------------------------------------------------------------- targets

Result<Output> Provider::put_targets(Context& ctx, const Value& in) {
  auto id = find_rule(ctx, in);
  if (!id) return id.take_error();
  Scope scope = scope_of(ctx);
  // A copy: nothing changes unless every target is accepted.
  Value rule = *store_->get(scope, kRule, *id);
  Value& targets = rule["Targets"];
  Output out;
  out.value["FailedEntries"] = Value::array();
  int failed = 0;
  for (const auto& t : in.at("Targets")) {
    std::string target_id = t.value("Id", "");
    std::string arn = t.value("Arn", "");
    auto fail = [&](const std::string& code, const std::string& message) {
      out.value["FailedEntries"].push_back({{"TargetId", target_id}, {"ErrorCode", code}, {"ErrorMessage", message}});
      ++failed;
    };
    int given = (t.contains("Input") ? 1 : 0) + (t.contains("InputPath") ? 1 : 0) + (t.contains("InputTransformer") ? 1 : 0);
    if (given > 1)
      return errors("ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided.");
    if (t.contains("Input") && documents::parse_json_or_discarded(t["Input"].get<std::string>()).is_discarded())
      return errors("ValidationException", "Parameter Input is not valid.");
    if (!text::starts_with(arn, "arn:")) {
      fail("ValidationException", "Parameter " + arn + " is not valid. Reason: Provided Arn is not in correct format.");
      continue;
    }
    bool replaced = false;
    for (auto& existing : targets)
      if (existing["Id"] == target_id) {
        existing = t;
        replaced = true;
      }
    if (!replaced) {
      if (targets.size() >= 5)
        return errors("LimitExceededException", "The requested resource exceeds the maximum number allowed.");
      targets.push_back(t);
    }
  }
  NUAGE_TRY(store_->put(scope, kRule, *id, std::move(rule)));
  out.value["FailedEntryCount"] = failed;
  return out;
}

Result<Output> Provider::remove_targets(Context& ctx, const Value& in) {
  auto id = find_rule(ctx, in);
  if (!id) return id.take_error();
  Scope scope = scope_of(ctx);
  Value* rule = store_->find(scope, kRule, *id);
  Value& targets = (*rule)["Targets"];
  Value kept = Value::array();
  for (const auto& t : targets) {
    bool remove = false;
    for (const auto& target_id : in.at("Ids")) remove |= t["Id"] == target_id;
    if (!remove) kept.push_back(t);
  }
  targets = kept;
  NUAGE_TRY(store_->put(scope, kRule, *id, *rule));
  Output out;
  out.value = {{"FailedEntryCount", 0}, {"FailedEntries", Value::array()}};
  return out;
}

Result<Output> Provider::list_targets_by_rule(Context& ctx, const Value& in) {
  auto id = find_rule(ctx, in);
  if (!id) return id.take_error();
  Output out;
  out.value["Targets"] = store_->get(scope_of(ctx), kRule, *id)->value("Targets", Value::array());
  return out;
}

Result<Output> Provider::list_rule_names_by_target(Context& ctx, const Value& in) {
  std::string range = rule_id(bus_name(in), "");
  std::string arn = in.at("TargetArn");
  Output out;
  out.value["RuleNames"] = Value::array();
  auto view = store_->all(scope_of(ctx), kRule);
  for (auto it = view.from(range); it != view.end(); ++it) {
    const auto& [id, rule] = *it;
    if (!text::starts_with(id, range)) break;
    for (const auto& t : rule.value("Targets", Value::array()))
      if (t["Arn"] == arn) {
        out.value["RuleNames"].push_back(rule_name(id));
        break;
      }
  }
  return out;
}

// ---------------------------------------------------------------- events

Result<Output> Provider::put_events(Context& ctx, const Value& in) {
  const Value& entries = in.at("Entries");
  if (entries.empty() || entries.size() > 10)
    return errors("ValidationException",
                  "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have "
                  "length less than or equal to 10");
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
    Value detail = documents::parse_json_or_discarded(e["Detail"].get<std::string>());
    if (detail.is_discarded() || !detail.is_object()) { reject("MalformedDetail", "Detail is malformed."); continue; }
    std::string bus = bus_name(e);
    if (!ensure_bus(ctx, bus).ok()) { reject("InvalidArgument", bus_not_found(bus)); continue; }
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
  Value pattern = documents::parse_json_or_discarded(in.at("EventPattern").get<std::string>());
  if (pattern.is_discarded())
    return errors("InvalidEventPatternException", "Event pattern is not valid. Reason: Filter is not an object");
  NUAGE_TRY(validate_pattern(pattern));
  Value event = documents::parse_json_or_discarded(in.at("Event").get<std::string>());
  if (event.is_discarded() || !event.is_object()) return errors("ValidationException", "Parameter Event is not valid.");
  for (const char* field : {"id", "account", "source", "time", "region", "detail-type"})
    if (!event.contains(field))
      return errors("ValidationException",
                    std::string("Parameter Event is not valid. Reason: Provided Event is missing required field: ") +
                        field);
  Output out;
  out.value["Result"] = pattern_matches(pattern, event);
  return out;
}

// ---------------------------------------------------------------- buses

Result<Output> Provider::create_event_bus(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  if (name == "default" || name.find('/') != std::string::npos)
    return errors("ValidationException", "Event bus name " + name + " is not valid.");
  Scope scope = scope_of(ctx);
  if (store_->get(scope, kBus, name))
    return errors("ResourceAlreadyExistsException", "Event bus " + name + " already exists.");
  Value doc = {{"Name", name}, {"Arn", bus_arn(ctx.account_id, ctx.region, name)},
               {"CreationTime", timefmt::epoch_seconds(clock_.now())}, {"_Tags", in.value("Tags", Value::array())}};
  if (in.contains("Description")) doc["Description"] = in["Description"];
  Output out;
  out.value["EventBusArn"] = doc["Arn"];
  NUAGE_TRY(store_->put(scope, kBus, name, std::move(doc)));
  return out;
}

Result<Output> Provider::delete_event_bus(Context& ctx, const Value& in) {
  std::string name = bus_name(in, "Name");
  if (name == "default") return errors("ValidationException", "Cannot delete event bus default.");
  Scope scope = scope_of(ctx);
  // The bus goes with its rules.
  std::string range = rule_id(name, "");
  std::vector<std::string> rules;
  auto view = store_->all(scope, kRule);
  for (auto it = view.from(range); it != view.end() && text::starts_with((*it).first, range); ++it)
    rules.push_back((*it).first);
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->erase(scope, kBus, name));
    for (const auto& id : rules) NUAGE_TRY(store_->erase(scope, kRule, id));
    return Status::Ok();
  }));
  for (const auto& id : rules) {
    if (Armed* armed = this->armed(scope, id)) disarm(*armed);
    armed_[scope].erase(id);
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
  const Value* bus = store_->get(scope_of(ctx), kBus, name);
  if (!bus) return errors("ResourceNotFoundException", bus_not_found(name));
  out.value = public_rule(*bus);
  return out;
}

Result<Output> Provider::list_event_buses(Context& ctx, const Value& in) {
  std::string prefix = in.value("NamePrefix", "");
  Output out;
  out.value["EventBuses"] = Value::array();
  if (text::starts_with("default", prefix))
    out.value["EventBuses"].push_back({{"Name", "default"}, {"Arn", bus_arn(ctx.account_id, ctx.region, "default")}});
  auto view = store_->all(scope_of(ctx), kBus);
  for (auto it = view.from(prefix); it != view.end() && text::starts_with((*it).first, prefix); ++it)
    out.value["EventBuses"].push_back(public_rule((*it).second));
  return out;
}

// ---------------------------------------------------------------- tags

// Rules and custom buses carry tags: arn:aws:events:<region>:<account>:rule/[<bus>/]<name>
// and ...:event-bus/<name>.
Result<kit::TaggedResource> Provider::resolve(const Context& ctx, const std::string& arn) const {
  std::string prefix = "arn:aws:events:" + ctx.region + ":" + ctx.account_id + ":";
  std::string resource = text::starts_with(arn, prefix) ? arn.substr(prefix.size()) : "";
  Scope scope = scope_of(ctx);
  if (text::starts_with(resource, "event-bus/")) {
    std::string name = resource.substr(10);
    if (!store_->get(scope, kBus, name)) return errors("ResourceNotFoundException", bus_not_found(name));
    return kit::TaggedResource{scope, kBus, name};
  }
  std::string path = text::starts_with(resource, "rule/") ? resource.substr(5) : "";
  auto slash = path.find('/');
  std::string bus = slash == std::string::npos ? "default" : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (path.empty()) name = arn.substr(arn.rfind('/') + 1);
  if (path.empty() || !store_->get(scope, kRule, rule_id(bus, name)))
    return errors("ResourceNotFoundException", rule_not_found(name, bus));
  return kit::TaggedResource{scope, kRule, rule_id(bus, name)};
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
  kit::add_tagging(table, kit::TaggingSpec{}, errors, store_, mutex_,
                   [this](const Context& ctx, const std::string& arn) { return resolve(ctx, arn); });
  table.add("TestEventPattern", this, &Provider::test_event_pattern);
  // Validation needs the buses (under the lock); routing takes the lock itself.
  table.add("PutEvents", this, &Provider::put_events);
}

}  // namespace nuage::services::eventbridge
