#include "services/scheduler/provider.h"

#include <cmath>

#include "common/text.h"
#include "common/time.h"
#include "services/tag_list.h"

namespace nuage::services::scheduler {

using kit::Output;
using Value = kit::Value;
using eventbridge::Schedule;
using eventbridge::TimeZone;

namespace {

constexpr const char* kDefaultGroup = "default";
constexpr const char* kService = "scheduler.amazonaws.com";

int64_t to_seconds(Clock::TimePoint t) { return static_cast<int64_t>(timefmt::epoch_seconds(t)); }

AwsError validation(const std::string& message) { return AwsError{"ValidationException", message, 400}; }

AwsError schedule_not_found(const std::string& name) {
  return AwsError{"ResourceNotFoundException", "Schedule " + name + " does not exist.", 404};
}

AwsError group_not_found(const std::string& name) {
  return AwsError{"ResourceNotFoundException", "Schedule group " + name + " does not exist.", 404};
}

Status check_name(const std::string& name, const char* member) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != std::string::npos)
    return validation("1 validation error detected: Value '" + name + "' at '" + member +
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

Provider::Provider(kit::Environment& env) : db_(env.db), clock_(env.clock), targets_(env) {}

Status Provider::open() {
  NUAGE_TRY(db_.migrate("scheduler", {
      "CREATE TABLE scheduler_resources (account TEXT NOT NULL, region TEXT NOT NULL, grp TEXT NOT NULL, "
      "name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, grp, name))",
  }));
  std::lock_guard lock(mutex_);
  NUAGE_TRY(db_.exec("SELECT account, region, grp, name, doc FROM scheduler_resources", {}, [&](const storage::Row& r) {
    Key key{r.text(0), r.text(1), r.text(2), r.text(3)};
    Value doc = Value::parse(r.text(4));
    if (key.name.empty()) {
      groups_[key] = doc;
      return;
    }
    auto sch = eventbridge::parse_schedule(doc.value("ScheduleExpression", ""), true, "invalid");
    auto zone = TimeZone::load(doc.value("ScheduleExpressionTimezone", ""));
    if (!sch || !zone) return;
    Entry e{doc, *sch, *zone, 0};
    schedules_[key] = std::move(e);
  }));
  int64_t now = to_seconds(clock_.now());
  for (auto& [key, entry] : schedules_) arm(key, entry, now);
  // A clock set back re-arms every schedule from the new time.
  rewind_listener_ = clock_.on_rewind([this](Clock::TimePoint at) {
    std::lock_guard lock(mutex_);
    for (auto& [key, entry] : schedules_) arm(key, entry, to_seconds(at));
  });
  return Status::Ok();
}

Provider::~Provider() {
  clock_.remove_rewind_listener(rewind_listener_);
  std::lock_guard lock(mutex_);
  for (auto& [key, entry] : schedules_) disarm(entry);
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  for (auto& [key, entry] : schedules_) disarm(entry);
  schedules_.clear();
  groups_.clear();
  stats_.clear();
  (void)db_.exec("DELETE FROM scheduler_resources");
}

Provider::Stats Provider::stats(const std::string& schedule_arn) {
  std::lock_guard lock(mutex_);
  return stats_[schedule_arn];
}

Status Provider::save(const Key& key, const Value& doc) {
  return db_.exec("INSERT INTO scheduler_resources(account, region, grp, name, doc) VALUES(?, ?, ?, ?, ?) "
                  "ON CONFLICT(account, region, grp, name) DO UPDATE SET doc = excluded.doc",
                  {key.account, key.region, key.group, key.name, doc.dump()});
}

Status Provider::erase(const Key& key) {
  return db_.exec("DELETE FROM scheduler_resources WHERE account = ? AND region = ? AND grp = ? AND name = ?",
                  {key.account, key.region, key.group, key.name});
}

// ---------------------------------------------------------------- firing

void Provider::disarm(Entry& entry) {
  if (entry.timer) clock_.cancel(entry.timer);
  entry.timer = 0;
}

bool Provider::arm(const Key& key, Entry& entry, int64_t after) {
  disarm(entry);
  const Value& doc = entry.doc;
  if (doc.value("State", "ENABLED") != "ENABLED") return true;
  int64_t anchor = static_cast<int64_t>(doc.value("_Anchor", 0.0));
  if (doc.contains("StartDate")) {
    int64_t start = static_cast<int64_t>(std::ceil(doc["StartDate"].get<double>()));
    after = std::max(after, start - 1);
    anchor = start;  // rate() counts from the start date
  }
  auto next = entry.schedule.next_after(after, entry.zone, anchor);
  if (!next) return false;
  if (doc.contains("EndDate") && static_cast<double>(*next) > doc["EndDate"].get<double>()) return false;
  int64_t nominal = *next;
  auto at = timefmt::from_epoch_seconds(static_cast<double>(nominal + flexible_offset(doc)));
  entry.timer = clock_.schedule(at, [this, key, nominal](Clock::TimePoint due) { fire(key, nominal, due); });
  return true;
}

void Provider::fire(const Key& key, int64_t nominal, Clock::TimePoint due) {
  Value doc;
  {
    std::lock_guard lock(mutex_);
    auto it = schedules_.find(key);
    if (it == schedules_.end()) return;
    it->second.timer = 0;
    doc = it->second.doc;
    bool more = arm(key, it->second, nominal);
    if (!more && doc.value("ActionAfterCompletion", "NONE") == "DELETE") {
      (void)erase(key);
      schedules_.erase(it);
    }
  }
  const Value& target = doc["Target"];
  eventbridge::Delivery d;
  d.target_arn = target.value("Arn", "");
  d.payload = target.value("Input", "{}");
  d.account = key.account;
  d.region = key.region;
  d.time_ms = static_cast<int64_t>(timefmt::epoch_seconds(due) * 1000);
  d.role_arn = target.value("RoleArn", "");
  d.role_service = kService;
  d.caller.type = auth::PrincipalType::kService;
  d.caller.arn = kService;
  d.caller.user_id = kService;
  d.caller.account_id = key.account;
  d.caller.source_arn = doc.value("Arn", "");
  targets_.deliver_with_retry(clock_, std::move(d),
                              eventbridge::RetryPolicy::from(target.value("RetryPolicy", Value::object())),
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
  auto it = groups_.find(Key{ctx.account_id, ctx.region, group, ""});
  if (it == groups_.end()) return group_not_found(group);
  return it->second;
}

Result<Provider::Entry> Provider::build(const Context& ctx, const Value& in, const std::string& group) {
  std::string name = in.value("Name", "");
  NUAGE_TRY(check_name(name, "name"));
  NUAGE_TRY(check_name(group, "groupName"));
  auto g = group_doc(ctx, group);
  if (!g) return g.take_error();
  std::string expr = in.value("ScheduleExpression", "");
  auto sch = eventbridge::parse_schedule(expr, true, "Invalid Schedule Expression " + expr + ".");
  if (!sch) return sch.take_error();
  std::string tz = in.value("ScheduleExpressionTimezone", "");
  auto zone = TimeZone::load(tz);
  if (!zone) return validation("Invalid time zone " + tz + ".");
  const Value& window = in.value("FlexibleTimeWindow", Value::object());
  std::string mode = window.value("Mode", "");
  if (mode == "FLEXIBLE") {
    int64_t minutes = window.value("MaximumWindowInMinutes", int64_t{0});
    if (!window.contains("MaximumWindowInMinutes"))
      return validation("MaximumWindowInMinutes must be provided when Mode is FLEXIBLE.");
    if (minutes < 1 || minutes > 1440)
      return validation("1 validation error detected: Value '" + std::to_string(minutes) +
                        "' at 'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy constraint: Member must "
                        "have value between 1 and 1440");
  } else if (mode == "OFF") {
    if (window.contains("MaximumWindowInMinutes"))
      return validation("MaximumWindowInMinutes is not allowed when Mode is OFF.");
  } else {
    return validation("1 validation error detected: Value '" + mode +
                      "' at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value "
                      "set: [OFF, FLEXIBLE]");
  }
  std::string state = in.value("State", "ENABLED");
  if (state != "ENABLED" && state != "DISABLED")
    return validation("1 validation error detected: Value '" + state +
                      "' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, "
                      "DISABLED]");
  std::string action = in.value("ActionAfterCompletion", "NONE");
  if (action != "NONE" && action != "DELETE")
    return validation("1 validation error detected: Value '" + action +
                      "' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value "
                      "set: [NONE, DELETE]");
  if (in.contains("StartDate") && in.contains("EndDate") && in["StartDate"].get<double>() >= in["EndDate"].get<double>())
    return validation("The StartDate must come before the EndDate.");
  const Value& target = in.value("Target", Value::object());
  std::string arn = target.value("Arn", "");
  if (!text::starts_with(arn, "arn:") || text::split(arn, ':').size() < 6)
    return validation("Invalid target ARN " + arn + ".");
  if (!text::starts_with(target.value("RoleArn", ""), "arn:"))
    return validation("Invalid RoleArn " + target.value("RoleArn", "") + ".");
  if (target.contains("Input") && text::starts_with(arn, "arn:aws:scheduler:::aws-sdk:") &&
      Value::parse(target["Input"].get<std::string>(), nullptr, false).is_discarded())
    return validation("Input must be a valid JSON for the universal target " + arn + ".");
  if (target.contains("RetryPolicy")) {
    const Value& r = target["RetryPolicy"];
    int64_t attempts = r.value("MaximumRetryAttempts", int64_t{185});
    int64_t age = r.value("MaximumEventAgeInSeconds", int64_t{86400});
    if (attempts < 0 || attempts > 185)
      return validation("1 validation error detected: Value '" + std::to_string(attempts) +
                        "' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must "
                        "have value between 0 and 185");
    if (age < 60 || age > 86400)
      return validation("1 validation error detected: Value '" + std::to_string(age) +
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
  return Entry{doc, *sch, *zone, 0};
}

Result<Output> Provider::create_schedule(Context& ctx, const Value& in) {
  std::string group = group_of(in);
  auto entry = build(ctx, in, group);
  if (!entry) return entry.take_error();
  Key key{ctx.account_id, ctx.region, group, in.at("Name")};
  if (schedules_.count(key))
    return AwsError{"ConflictException", "Schedule " + key.name + " already exists.", 409};
  NUAGE_TRY(save(key, entry->doc));
  Entry& stored = schedules_[key] = std::move(*entry);
  arm(key, stored, to_seconds(clock_.now()));
  Output out;
  out.value["ScheduleArn"] = stored.doc["Arn"];
  return out;
}

Result<std::map<Provider::Key, Provider::Entry>::iterator> Provider::find_schedule(Context& ctx, const Value& in) {
  std::string group = group_of(in);
  auto it = schedules_.find(Key{ctx.account_id, ctx.region, group, in.value("Name", "")});
  if (it != schedules_.end()) return it;
  // A missing group is reported before a missing schedule, as AWS does.
  NUAGE_TRY(group_doc(ctx, group));
  return schedule_not_found(in.value("Name", ""));
}

Result<Output> Provider::update_schedule(Context& ctx, const Value& in) {
  auto found = find_schedule(ctx, in);
  if (!found) return found.take_error();
  auto it = *found;
  const Key& key = it->first;
  auto entry = build(ctx, in, key.group);
  if (!entry) return entry.take_error();
  entry->doc["CreationDate"] = it->second.doc["CreationDate"];
  NUAGE_TRY(save(key, entry->doc));
  disarm(it->second);
  it->second = std::move(*entry);
  arm(key, it->second, to_seconds(clock_.now()));
  Output out;
  out.value["ScheduleArn"] = it->second.doc["Arn"];
  return out;
}

Result<Output> Provider::get_schedule(Context& ctx, const Value& in) {
  auto found = find_schedule(ctx, in);
  if (!found) return found.take_error();
  Output out;
  out.value = public_doc((*found)->second.doc);
  return out;
}

Result<Output> Provider::delete_schedule(Context& ctx, const Value& in) {
  auto found = find_schedule(ctx, in);
  if (!found) return found.take_error();
  auto it = *found;
  Key key = it->first;
  NUAGE_TRY(erase(key));
  disarm(it->second);
  schedules_.erase(it);
  return Output{};
}

Result<Output> Provider::list_schedules(Context& ctx, const Value& in) {
  std::string group = in.value("GroupName", "");
  std::string prefix = in.value("NamePrefix", "");
  std::string state = in.value("State", "");
  if (!group.empty()) NUAGE_TRY(group_doc(ctx, group));
  std::vector<Value> found;
  for (const auto& [key, entry] : schedules_) {
    if (key.account != ctx.account_id || key.region != ctx.region) continue;
    if (!group.empty() && key.group != group) continue;
    if (!text::starts_with(key.name, prefix)) continue;
    if (!state.empty() && entry.doc.value("State", "") != state) continue;
    const Value& d = entry.doc;
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
  Key key{ctx.account_id, ctx.region, name, ""};
  if (name == kDefaultGroup || groups_.count(key))
    return AwsError{"ConflictException", "Schedule group " + name + " already exists.", 409};
  double now = timefmt::epoch_seconds(clock_.now());
  Value doc = {{"Name", name},
               {"Arn", "arn:aws:scheduler:" + ctx.region + ":" + ctx.account_id + ":schedule-group/" + name},
               {"State", "ACTIVE"},
               {"CreationDate", now},
               {"LastModificationDate", now},
               {"_Tags", in.value("Tags", Value::array())}};
  NUAGE_TRY(save(key, doc));
  groups_[key] = doc;
  Output out;
  out.value["ScheduleGroupArn"] = doc["Arn"];
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
  if (name == kDefaultGroup) return validation("Cannot delete the default schedule group.");
  Key key{ctx.account_id, ctx.region, name, ""};
  if (!groups_.count(key)) return group_not_found(name);
  NUAGE_TRY(db_.exec("DELETE FROM scheduler_resources WHERE account = ? AND region = ? AND grp = ?",
                     {ctx.account_id, ctx.region, name}));
  groups_.erase(key);
  // Deleting a group deletes its schedules.
  for (auto it = schedules_.lower_bound(Key{ctx.account_id, ctx.region, name, ""});
       it != schedules_.end() && it->first.account == ctx.account_id && it->first.region == ctx.region &&
       it->first.group == name;) {
    disarm(it->second);
    it = schedules_.erase(it);
  }
  return Output{};
}

Result<Output> Provider::list_groups(Context& ctx, const Value& in) {
  std::string prefix = in.value("NamePrefix", "");
  std::vector<Value> found;
  if (text::starts_with(kDefaultGroup, prefix)) found.push_back(*group_doc(ctx, kDefaultGroup));
  for (const auto& [key, doc] : groups_)
    if (key.account == ctx.account_id && key.region == ctx.region && text::starts_with(key.group, prefix))
      found.push_back(public_doc(doc));
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

Result<Value*> Provider::group_by_arn(const std::string& arn) {
  for (auto& [key, doc] : groups_)
    if (doc["Arn"] == arn) return &doc;
  return group_not_found(arn.substr(arn.rfind('/') + 1));
}

Result<Output> Provider::tag_resource(Context& ctx, const Value& in) {
  auto doc = group_by_arn(in.value("ResourceArn", ""));
  if (!doc) return doc.take_error();
  (**doc)["_Tags"] = merge_tags((**doc).value("_Tags", Value::array()), in.at("Tags"));
  NUAGE_TRY(save(Key{ctx.account_id, ctx.region, (**doc)["Name"], ""}, **doc));
  return Output{};
}

Result<Output> Provider::untag_resource(Context& ctx, const Value& in) {
  auto doc = group_by_arn(in.value("ResourceArn", ""));
  if (!doc) return doc.take_error();
  (**doc)["_Tags"] = remove_tags((**doc).value("_Tags", Value::array()), in.value("TagKeys", Value::array()));
  NUAGE_TRY(save(Key{ctx.account_id, ctx.region, (**doc)["Name"], ""}, **doc));
  return Output{};
}

Result<Output> Provider::list_tags(Context&, const Value& in) {
  auto doc = group_by_arn(in.value("ResourceArn", ""));
  if (!doc) return doc.take_error();
  Output out;
  out.value["Tags"] = (**doc).value("_Tags", Value::array());
  return out;
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
  table.add_locked("TagResource", this, mutex_, &Provider::tag_resource);
  table.add_locked("UntagResource", this, mutex_, &Provider::untag_resource);
  table.add_locked("ListTagsForResource", this, mutex_, &Provider::list_tags);
}

}  // namespace nuage::services::scheduler
