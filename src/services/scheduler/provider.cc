#include "services/scheduler/provider.h"

#include <cmath>

#include "common/documents.h"
#include "common/text.h"
#include "common/time.h"
#include "kit/errors.h"

namespace nuage::services::scheduler {

using kit::Output;
using storage::Scope;
using Value = kit::Value;
using events::Schedule;
using events::TimeZone;

namespace {

// Every error Scheduler answers is in its model.
const kit::Errors errors("scheduler");

constexpr const char* kDefaultGroup = "default";
constexpr const char* kService = "scheduler.amazonaws.com";
constexpr const char* kSchedule = "schedule";
constexpr const char* kGroup = "group";

int64_t to_seconds(Clock::TimePoint t) { return static_cast<int64_t>(timefmt::epoch_seconds(t)); }

Scope scope_of(const kit::RequestContext& ctx) { return {ctx.account_id, ctx.region}; }

// A schedule's id in the store: its group's schedules are one range of ids.
std::string schedule_id(const std::string& group, const std::string& name) { return group + "/" + name; }

std::string schedule_not_found(const std::string& name) { return "Schedule " + name + " does not exist."; }
std::string group_not_found(const std::string& name) { return "Schedule group " + name + " does not exist."; }

Status check_name(const std::string& name, const char* member) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != std::string::npos)
    return errors("ValidationException", "1 validation error detected: Value '" + name + "' at '" + member +
                      "' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                      "^[0-9a-zA-Z-_.]+$");
  return Status::Ok();
}

// FNV-1a: stable across runs and builds, unlike std::hash.
uint64_t stable_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Offset of a FLEXIBLE schedule's invocation within its window: fixed per
// schedule so that tests (and users) can predict it.
int64_t flexible_offset(const Value& doc) {
  const Value& w = doc.value("FlexibleTimeWindow", Value::object());
  if (w.value("Mode", "OFF") != "FLEXIBLE") return 0;
  int64_t window = 60 * w.value("MaximumWindowInMinutes", int64_t{0});
  if (window <= 0) return 0;
  return static_cast<int64_t>(stable_hash(doc.value("GroupName", "") + "/" + doc.value("Name", "")) %
                              static_cast<uint64_t>(window));
}

Value public_doc(const Value& doc) {
  Value out = doc;
  for (auto it = out.begin(); it != out.end();) {
    if (it.key()[0] == '_') it = out.erase(it);
    else ++it;
  }
  return out;
}

std::string group_of(const Value& in) {
  std::string g = in.value("GroupName", "");
  return g.empty() ? kDefaultGroup : g;
}

}  // namespace

Provider::Provider(kit::Environment& env) : env_(env), clock_(env.clock), targets_(env) {}

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "scheduler";
  options.legacy_migrations = {
      "CREATE TABLE scheduler_resources (account TEXT NOT NULL, region TEXT NOT NULL, grp TEXT NOT NULL, "
      "name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, grp, name))",
      // Groups had an empty name.
      "INSERT INTO resources(service, account, region, kind, id, doc) "
      "SELECT 'scheduler', account, region, CASE name WHEN '' THEN 'group' ELSE 'schedule' END, "
      "CASE name WHEN '' THEN grp ELSE grp || '/' || name END, doc FROM scheduler_resources",
      "DROP TABLE scheduler_resources",
  };
  // A group's tags are kept beside the GetScheduleGroup members, which do not include them.
  options.kinds[kGroup] = {"_Tags", false};
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  std::lock_guard lock(mutex_);
  store_ = std::move(*store);
  store_->for_each(kSchedule, [&](const Scope& scope, const std::string& id, const Value& doc) {
    auto sch = events::parse_schedule(doc.value("ScheduleExpression", ""), true, "invalid");
    auto zone = TimeZone::load(doc.value("ScheduleExpressionTimezone", ""));
    if (sch && zone) armed_[scope][id] = Armed{*sch, *zone, 0};
  });
  int64_t now = to_seconds(clock_.now());
  for (auto& [scope, schedules] : armed_)
    for (auto& [id, armed] : schedules) arm(scope, id, armed, now);
  // A clock set back re-arms every schedule from the new time.
  rewind_listener_ = clock_.on_rewind([this](Clock::TimePoint at) {
    std::lock_guard lock(mutex_);
    for (auto& [scope, schedules] : armed_)
      for (auto& [id, armed] : schedules) arm(scope, id, armed, to_seconds(at));
  });
  return Status::Ok();
}

Provider::~Provider() {
  clock_.remove_rewind_listener(rewind_listener_);
  std::lock_guard lock(mutex_);
  for (auto& [scope, schedules] : armed_)
    for (auto& [id, armed] : schedules) disarm(armed);
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  for (auto& [scope, schedules] : armed_)
    for (auto& [id, armed] : schedules) disarm(armed);
  armed_.clear();
  stats_.clear();
  if (store_) store_->clear();
}

Provider::Stats Provider::stats(const std::string& schedule_arn) {
  std::lock_guard lock(mutex_);
  return stats_[schedule_arn];
}

Status Provider::store_schedule(const Scope& scope, const std::string& id, Built built) {
  NUAGE_TRY(store_->put(scope, kSchedule, id, std::move(built.doc)));
  Armed& armed = armed_[scope][id];
  disarm(armed);
  armed = std::move(built.armed);
  arm(scope, id, armed, to_seconds(clock_.now()));
  return Status::Ok();
}

Status Provider::erase_schedule(const Scope& scope, const std::string& id) {
  NUAGE_TRY(store_->erase(scope, kSchedule, id));
  auto schedules = armed_.find(scope);
  if (schedules == armed_.end()) return Status::Ok();
  if (auto it = schedules->second.find(id); it != schedules->second.end()) {
    disarm(it->second);
    schedules->second.erase(it);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- firing

void Provider::disarm(Armed& armed) {
  if (armed.timer) clock_.cancel(armed.timer);
  armed.timer = 0;
}

bool Provider::arm(const Scope& scope, const std::string& id, Armed& armed, int64_t after) {
  disarm(armed);
  const Value* stored = store_->get(scope, kSchedule, id);
  if (!stored) return false;
  const Value& doc = *stored;
  if (doc.value("State", "ENABLED") != "ENABLED") return true;
  int64_t anchor = static_cast<int64_t>(doc.value("_Anchor", 0.0));
  if (doc.contains("StartDate")) {
    int64_t start = static_cast<int64_t>(std::ceil(doc["StartDate"].get<double>()));
    after = std::max(after, start - 1);
    anchor = start;  // rate() counts from the start date
  }
  auto next = armed.schedule.next_after(after, armed.zone, anchor);
  if (!next) return false;
  if (doc.contains("EndDate") && static_cast<double>(*next) > doc["EndDate"].get<double>()) return false;
  int64_t nominal = *next;
  auto at = timefmt::from_epoch_seconds(static_cast<double>(nominal + flexible_offset(doc)));
  armed.timer = clock_.schedule(at, [this, scope, id, nominal](Clock::TimePoint due) { fire(scope, id, nominal, due); });
  return true;
}

void Provider::fire(const Scope& scope, const std::string& id, int64_t nominal, Clock::TimePoint due) {
  std::shared_ptr<const Value> stored;
  {
    std::lock_guard lock(mutex_);
    auto schedules = armed_.find(scope);
    if (schedules == armed_.end()) return;
    auto it = schedules->second.find(id);
    if (it == schedules->second.end()) return;
    it->second.timer = 0;
    stored = store_->share(scope, kSchedule, id);
    if (!stored) return;
    bool more = arm(scope, id, it->second, nominal);
    if (!more && stored->value("ActionAfterCompletion", "NONE") == "DELETE") (void)erase_schedule(scope, id);
  }
  const Value& doc = *stored;
  const Value& target = doc["Target"];
  events::Delivery d;
  d.target_arn = target.value("Arn", "");
  d.payload = target.value("Input", "{}");
  d.account = scope.account;
  d.region = scope.region;
  d.time_ms = static_cast<int64_t>(timefmt::epoch_seconds(due) * 1000);
  d.role_arn = target.value("RoleArn", "");
  d.role_service = kService;
  d.caller.type = auth::PrincipalType::kService;
  d.caller.arn = kService;
  d.caller.user_id = kService;
  d.caller.account_id = scope.account;
  d.caller.source_arn = doc.value("Arn", "");
  targets_.deliver_with_retry(clock_, std::move(d),
                              events::RetryPolicy::from(target.value("RetryPolicy", Value::object())),
                              [this, arn = doc.value("Arn", "")](const Status& s, int attempt, bool final) {
                                std::lock_guard lock(mutex_);
                                Stats& st = stats_[arn];
                                if (attempt == 1) ++st.invocations;
                                else ++st.retries;
                                if (!s.ok() && final) ++st.failed;
                              });
}

// ---------------------------------------------------------------- schedules

Result<Value> Provider::group_doc(const Context& ctx, const std::string& group) const {
  if (group == kDefaultGroup)
    return Value{{"Name", kDefaultGroup},
                 {"Arn", "arn:aws:scheduler:" + ctx.region + ":" + ctx.account_id + ":schedule-group/default"},
                 {"State", "ACTIVE"},
                 {"CreationDate", 0.0},
                 {"LastModificationDate", 0.0}};
  const Value* doc = store_->get(scope_of(ctx), kGroup, group);
  if (!doc) return errors("ResourceNotFoundException", group_not_found(group));
  return *doc;
}

Result<Provider::Built> Provider::build(const Context& ctx, const Value& in, const std::string& group) {
  std::string name = in.value("Name", "");
  NUAGE_TRY(check_name(name, "name"));
  NUAGE_TRY(check_name(group, "groupName"));
  auto g = group_doc(ctx, group);
  if (!g) return g.take_error();
  std::string expr = in.value("ScheduleExpression", "");
  auto sch = events::parse_schedule(expr, true, "Invalid Schedule Expression " + expr + ".");
  if (!sch) return sch.take_error();
  std::string tz = in.value("ScheduleExpressionTimezone", "");
  auto zone = TimeZone::load(tz);
  if (!zone) return errors("ValidationException", "Invalid time zone " + tz + ".");
  const Value& window = in.value("FlexibleTimeWindow", Value::object());
  std::string mode = window.value("Mode", "");
  if (mode == "FLEXIBLE") {
    int64_t minutes = window.value("MaximumWindowInMinutes", int64_t{0});
    if (!window.contains("MaximumWindowInMinutes"))
      return errors("ValidationException", "MaximumWindowInMinutes must be provided when Mode is FLEXIBLE.");
    if (minutes < 1 || minutes > 1440)
      return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(minutes) +
                        "' at 'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy constraint: Member must "
                        "have value between 1 and 1440");
  } else if (mode == "OFF") {
    if (window.contains("MaximumWindowInMinutes"))
      return errors("ValidationException", "MaximumWindowInMinutes is not allowed when Mode is OFF.");
  } else {
    return errors("ValidationException", "1 validation error detected: Value '" + mode +
                      "' at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value "
                      "set: [OFF, FLEXIBLE]");
  }
  std::string state = in.value("State", "ENABLED");
  if (state != "ENABLED" && state != "DISABLED")
    return errors("ValidationException", "1 validation error detected: Value '" + state +
                      "' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, "
                      "DISABLED]");
  std::string action = in.value("ActionAfterCompletion", "NONE");
  if (action != "NONE" && action != "DELETE")
    return errors("ValidationException", "1 validation error detected: Value '" + action +
                      "' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value "
                      "set: [NONE, DELETE]");
  if (in.contains("StartDate") && in.contains("EndDate") && in["StartDate"].get<double>() >= in["EndDate"].get<double>())
    return errors("ValidationException", "The StartDate must come before the EndDate.");
  const Value& target = in.value("Target", Value::object());
  std::string arn = target.value("Arn", "");
  if (!text::starts_with(arn, "arn:") || text::split(arn, ':').size() < 6)
    return errors("ValidationException", "Invalid target ARN " + arn + ".");
  if (!text::starts_with(target.value("RoleArn", ""), "arn:"))
    return errors("ValidationException", "Invalid RoleArn " + target.value("RoleArn", "") + ".");
  if (target.contains("Input") && text::starts_with(arn, "arn:aws:scheduler:::aws-sdk:") &&
      documents::parse_json_or_discarded(target["Input"].get<std::string>()).is_discarded())
    return errors("ValidationException", "Input must be a valid JSON for the universal target " + arn + ".");
  if (target.contains("RetryPolicy")) {
    const Value& r = target["RetryPolicy"];
    int64_t attempts = r.value("MaximumRetryAttempts", int64_t{185});
    int64_t age = r.value("MaximumEventAgeInSeconds", int64_t{86400});
    if (attempts < 0 || attempts > 185)
      return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(attempts) +
                        "' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must "
                        "have value between 0 and 185");
    if (age < 60 || age > 86400)
      return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(age) +
                        "' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member "
                        "must have value between 60 and 86400");
  }
  Value doc = {{"Name", name},
               {"GroupName", group},
               {"Arn", "arn:aws:scheduler:" + ctx.region + ":" + ctx.account_id + ":schedule/" + group + "/" + name},
               {"ScheduleExpression", expr},
               {"ScheduleExpressionTimezone", tz.empty() ? "UTC" : tz},
               {"FlexibleTimeWindow", window},
               {"State", state},
               {"ActionAfterCompletion", action},
               {"Target", target}};
  for (const char* m : {"Description", "StartDate", "EndDate", "KmsKeyArn"})
    if (in.contains(m)) doc[m] = in[m];
  if (!doc["Target"].contains("RetryPolicy"))
    doc["Target"]["RetryPolicy"] = {{"MaximumEventAgeInSeconds", 86400}, {"MaximumRetryAttempts", 185}};
  double now = timefmt::epoch_seconds(clock_.now());
  doc["CreationDate"] = now;
  doc["LastModificationDate"] = now;
  doc["_Anchor"] = now;  // rate() without a StartDate counts from creation / update
  return Built{doc, Armed{*sch, *zone, 0}};
}

Result<Output> Provider::create_schedule(Context& ctx, const Value& in) {
  std::string group = group_of(in);
  auto built = build(ctx, in, group);
  if (!built) return built.take_error();
  std::string name = in.at("Name");
  std::string id = schedule_id(group, name);
  if (store_->get(scope_of(ctx), kSchedule, id))
    return errors("ConflictException", "Schedule " + name + " already exists.");
  Output out;
  out.value["ScheduleArn"] = built->doc["Arn"];
  NUAGE_TRY(store_schedule(scope_of(ctx), id, std::move(*built)));
  return out;
}

Result<std::string> Provider::find_schedule(Context& ctx, const Value& in) {
  std::string group = group_of(in);
  std::string id = schedule_id(group, in.value("Name", ""));
  if (store_->get(scope_of(ctx), kSchedule, id)) return id;
  // A missing group is reported before a missing schedule, as AWS does.
  NUAGE_TRY(group_doc(ctx, group));
  return errors("ResourceNotFoundException", schedule_not_found(in.value("Name", "")));
}

Result<Output> Provider::update_schedule(Context& ctx, const Value& in) {
  auto id = find_schedule(ctx, in);
  if (!id) return id.take_error();
  auto built = build(ctx, in, group_of(in));
  if (!built) return built.take_error();
  built->doc["CreationDate"] = (*store_->get(scope_of(ctx), kSchedule, *id))["CreationDate"];
  Output out;
  out.value["ScheduleArn"] = built->doc["Arn"];
  NUAGE_TRY(store_schedule(scope_of(ctx), *id, std::move(*built)));
  return out;
}

Result<Output> Provider::get_schedule(Context& ctx, const Value& in) {
  auto id = find_schedule(ctx, in);
  if (!id) return id.take_error();
  Output out;
  out.value = public_doc(*store_->get(scope_of(ctx), kSchedule, *id));
  return out;
}

Result<Output> Provider::delete_schedule(Context& ctx, const Value& in) {
  auto id = find_schedule(ctx, in);
  if (!id) return id.take_error();
  NUAGE_TRY(erase_schedule(scope_of(ctx), *id));
  return Output{};
}

Result<Output> Provider::list_schedules(Context& ctx, const Value& in) {
  std::string group = in.value("GroupName", "");
  std::string prefix = in.value("NamePrefix", "");
  std::string state = in.value("State", "");
  if (!group.empty()) NUAGE_TRY(group_doc(ctx, group));
  std::string range = group.empty() ? "" : schedule_id(group, "");
  std::vector<Value> found;
  auto view = store_->all(scope_of(ctx), kSchedule);
  for (auto it = view.from(range); it != view.end() && text::starts_with((*it).first, range); ++it) {
    const Value& d = (*it).second;
    if (!text::starts_with(d.value("Name", ""), prefix)) continue;
    if (!state.empty() && d.value("State", "") != state) continue;
    found.push_back({{"Arn", d["Arn"]}, {"Name", d["Name"]}, {"GroupName", d["GroupName"]}, {"State", d["State"]},
                     {"CreationDate", d["CreationDate"]}, {"LastModificationDate", d["LastModificationDate"]},
                     {"Target", {{"Arn", d["Target"]["Arn"]}}}});
  }
  size_t start = 0;
  if (in.contains("NextToken"))
    start = std::stoul(text::base64_decode(in["NextToken"].get<std::string>()).value_or("0"));
  size_t limit = static_cast<size_t>(in.value("MaxResults", 100));
  Output out;
  out.value["Schedules"] = Value::array();
  for (size_t i = start; i < found.size() && i < start + limit; ++i) out.value["Schedules"].push_back(found[i]);
  if (start + limit < found.size()) out.value["NextToken"] = text::base64_encode(std::to_string(start + limit));
  return out;
}

// ---------------------------------------------------------------- groups

Result<Output> Provider::create_group(Context& ctx, const Value& in) {
  std::string name = in.value("Name", "");
  NUAGE_TRY(check_name(name, "name"));
  if (name == kDefaultGroup || store_->get(scope_of(ctx), kGroup, name))
    return errors("ConflictException", "Schedule group " + name + " already exists.");
  double now = timefmt::epoch_seconds(clock_.now());
  Value doc = {{"Name", name},
               {"Arn", "arn:aws:scheduler:" + ctx.region + ":" + ctx.account_id + ":schedule-group/" + name},
               {"State", "ACTIVE"},
               {"CreationDate", now},
               {"LastModificationDate", now},
               {"_Tags", in.value("Tags", Value::array())}};
  Output out;
  out.value["ScheduleGroupArn"] = doc["Arn"];
  NUAGE_TRY(store_->put(scope_of(ctx), kGroup, name, std::move(doc)));
  return out;
}

Result<Output> Provider::get_group(Context& ctx, const Value& in) {
  auto doc = group_doc(ctx, in.value("Name", ""));
  if (!doc) return doc.take_error();
  Output out;
  out.value = public_doc(*doc);
  return out;
}

Result<Output> Provider::delete_group(Context& ctx, const Value& in) {
  std::string name = in.value("Name", "");
  if (name == kDefaultGroup) return errors("ValidationException", "Cannot delete the default schedule group.");
  Scope scope = scope_of(ctx);
  if (!store_->get(scope, kGroup, name)) return errors("ResourceNotFoundException", group_not_found(name));
  // Deleting a group deletes its schedules.
  std::string range = schedule_id(name, "");
  std::vector<std::string> schedules;
  auto view = store_->all(scope, kSchedule);
  for (auto it = view.from(range); it != view.end() && text::starts_with((*it).first, range); ++it)
    schedules.push_back((*it).first);
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->erase(scope, kGroup, name));
    for (const auto& id : schedules) NUAGE_TRY(store_->erase(scope, kSchedule, id));
    return Status::Ok();
  }));
  auto armed = armed_.find(scope);
  for (const auto& id : schedules)
    if (auto it = armed->second.find(id); it != armed->second.end()) {
      disarm(it->second);
      armed->second.erase(it);
    }
  return Output{};
}

Result<Output> Provider::list_groups(Context& ctx, const Value& in) {
  std::string prefix = in.value("NamePrefix", "");
  std::vector<Value> found;
  if (text::starts_with(kDefaultGroup, prefix)) found.push_back(*group_doc(ctx, kDefaultGroup));
  auto view = store_->all(scope_of(ctx), kGroup);
  for (auto it = view.from(prefix); it != view.end() && text::starts_with((*it).first, prefix); ++it)
    found.push_back(public_doc((*it).second));
  size_t start = 0;
  if (in.contains("NextToken"))
    start = std::stoul(text::base64_decode(in["NextToken"].get<std::string>()).value_or("0"));
  size_t limit = static_cast<size_t>(in.value("MaxResults", 100));
  Output out;
  out.value["ScheduleGroups"] = Value::array();
  for (size_t i = start; i < found.size() && i < start + limit; ++i) out.value["ScheduleGroups"].push_back(found[i]);
  if (start + limit < found.size()) out.value["NextToken"] = text::base64_encode(std::to_string(start + limit));
  return out;
}

// ---------------------------------------------------------------- tags (schedule groups)

Result<kit::TaggedResource> Provider::resolve(const Context& ctx, const std::string& arn) const {
  std::string prefix = "arn:aws:scheduler:" + ctx.region + ":" + ctx.account_id + ":schedule-group/";
  std::string name = text::starts_with(arn, prefix) ? arn.substr(prefix.size()) : "";
  if (name.empty() || !store_->get(scope_of(ctx), kGroup, name))
    return errors("ResourceNotFoundException", group_not_found(arn.substr(arn.rfind('/') + 1)));
  return kit::TaggedResource{scope_of(ctx), kGroup, name};
}

// The schedule a call names.
static std::vector<std::string> schedule_arn(const kit::RequestContext& ctx, const Value& in) {
  auto name = in.find("Name");
  if (name == in.end() || !name->is_string()) return {"*"};
  return {"arn:aws:scheduler:" + ctx.region + ":" + ctx.account_id + ":schedule/" + group_of(in) + "/" +
          name->get<std::string>()};
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(schedule_arn);
  table.add_locked("CreateSchedule", this, mutex_, &Provider::create_schedule);
  table.add_locked("UpdateSchedule", this, mutex_, &Provider::update_schedule);
  table.add_locked("GetSchedule", this, mutex_, &Provider::get_schedule);
  table.add_locked("DeleteSchedule", this, mutex_, &Provider::delete_schedule);
  table.add_locked("ListSchedules", this, mutex_, &Provider::list_schedules);
  table.add_locked("CreateScheduleGroup", this, mutex_, &Provider::create_group);
  table.add_locked("GetScheduleGroup", this, mutex_, &Provider::get_group);
  table.add_locked("DeleteScheduleGroup", this, mutex_, &Provider::delete_group);
  table.add_locked("ListScheduleGroups", this, mutex_, &Provider::list_groups);
  kit::TaggingSpec tagging;
  tagging.arn_member = "ResourceArn";
  tagging.max_tags = 200;
  tagging.too_many_message =
      "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than "
      "or equal to 200";
  kit::add_tagging(table, tagging, errors, store_, mutex_,
                   [this](const Context& ctx, const std::string& arn) { return resolve(ctx, arn); });
}

}  // namespace nuage::services::scheduler
