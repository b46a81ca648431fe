#include "services/config/items.h"

#include <cmath>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"

namespace nuage::services::config {

namespace {

const char* kVersion = "1.3";


Value stored_form(const Item& item) {
  const Described& r = item.resource;
  return {{"status", item.status},
          {"capture", item.capture_time},
          {"state", item.state_id},
          {"md5", item.md5},
          {"type", r.type},
          {"id", r.id},
          {"name", r.name},
          {"arn", r.arn},
          {"awsRegion", r.aws_region},
          {"az", r.availability_zone},
          {"created", r.created ? Value(*r.created) : Value()},
          {"configuration", r.configuration},
          {"supplementary", r.supplementary},
          {"relationships", r.relationships},
          {"tags", r.tags}};
}

Item from_stored(const std::string& account, const std::string& region, int64_t seq, const std::string& text) {
  Item item;
  item.seq = seq;
  item.account = account;
  item.region = region;
  Value v = Value::parse(text, nullptr, false);
  if (!v.is_object()) return item;
  item.status = v.value("status", "");
  item.capture_time = v.value("capture", 0.0);
  item.state_id = v.value("state", int64_t{0});
  item.md5 = v.value("md5", "");
  Described& r = item.resource;
  r.type = v.value("type", "");
  r.id = v.value("id", "");
  r.name = v.value("name", "");
  r.arn = v.value("arn", "");
  r.aws_region = v.value("awsRegion", "");
  r.availability_zone = v.value("az", "");
  if (v["created"].is_number()) r.created = v["created"].get<double>();
  r.configuration = std::move(v["configuration"]);
  r.supplementary = std::move(v["supplementary"]);
  r.relationships = std::move(v["relationships"]);
  r.tags = std::move(v["tags"]);
  return item;
}

std::string fingerprint(const Described& r) {
  return text::hex_encode(crypto::md5(
      Value{r.configuration, r.supplementary, r.relationships, r.tags, r.name, r.arn}.dump()));
}

Value name_or_null(const std::string& s) { return s.empty() ? Value() : Value(s); }

// The diff of two values under `path` ("Configuration.IpPermissions"):
// objects by member, lists element by element, anything else whole.
void diff_into(Value& changed, const std::string& path, const Value& before, const Value& after) {
  if (before == after) return;
  if (before.is_object() && after.is_object()) {
    for (const auto& [k, v] : before.items()) {
      std::string key = k;
      if (!key.empty()) key[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
      diff_into(changed, path + "." + key, v, after.contains(k) ? after[k] : Value());
    }
    for (const auto& [k, v] : after.items()) {
      if (before.contains(k)) continue;
      std::string key = k;
      if (!key.empty()) key[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
      diff_into(changed, path + "." + key, Value(), v);
    }
    return;
  }
  if (before.is_array() && after.is_array()) {
    size_t n = std::max(before.size(), after.size());
    for (size_t i = 0; i < n; ++i)
      diff_into(changed, path + "." + std::to_string(i), i < before.size() ? before[i] : Value(),
                i < after.size() ? after[i] : Value());
    return;
  }
  std::string type = before.is_null() ? "CREATE" : after.is_null() ? "DELETE" : "UPDATE";
  Value entry = {{"changeType", type}};
  entry["previousValue"] = before;
  entry["updatedValue"] = after;
  changed[path] = std::move(entry);
}

}  // namespace

Value api_item(const Item& item) {
  const Described& r = item.resource;
  Value supplementary = Value::object();
  if (r.supplementary.is_object())
    for (const auto& [k, v] : r.supplementary.items()) supplementary[k] = v.is_string() ? v.get<std::string>() : v.dump();
  Value relationships = Value::array();
  for (const auto& rel : r.relationships) relationships.push_back(rel);
  Value out = {{"version", kVersion},
               {"accountId", item.account},
               {"configurationItemCaptureTime", item.capture_time},
               {"configurationItemStatus", item.status},
               {"configurationStateId", std::to_string(item.state_id)},
               {"configurationItemMD5Hash", item.md5},
               {"arn", r.arn},
               {"resourceType", r.type},
               {"resourceId", r.id},
               {"awsRegion", r.aws_region},
               {"availabilityZone", r.availability_zone},
               {"tags", r.tags.is_object() ? r.tags : Value::object()},
               {"relatedEvents", Value::array()},
               {"relationships", relationships},
               {"supplementaryConfiguration", supplementary},
               {"recordingFrequency", "CONTINUOUS"}};
  if (!r.name.empty()) out["resourceName"] = r.name;
  if (r.created) out["resourceCreationTime"] = *r.created;
  if (!r.configuration.is_null()) out["configuration"] = r.configuration.dump();
  return out;
}

Value base_item(const Item& item) {
  Value out = api_item(item);
  for (const char* m : {"configurationItemMD5Hash", "tags", "relatedEvents", "relationships"}) out.erase(m);
  return out;
}

Value notification_item(const Item& item) {
  const Described& r = item.resource;
  Value relationships = Value::array();
  for (const auto& rel : r.relationships)
    relationships.push_back({{"resourceId", rel.contains("resourceId") ? rel["resourceId"] : Value()},
                             {"resourceName", rel.contains("resourceName") ? rel["resourceName"] : Value()},
                             {"resourceType", rel.value("resourceType", "")},
                             {"name", rel.value("relationshipName", "")}});
  return {{"relatedEvents", Value::array()},
          {"relationships", relationships},
          {"configuration", r.configuration},
          {"supplementaryConfiguration", r.supplementary.is_object() ? r.supplementary : Value::object()},
          {"tags", r.tags.is_object() ? r.tags : Value::object()},
          {"configurationItemVersion", kVersion},
          {"configurationItemCaptureTime", timefmt::iso8601_millis(item.capture_time)},
          {"configurationStateId", item.state_id},
          {"awsAccountId", item.account},
          {"configurationItemStatus", item.status},
          {"resourceType", r.type},
          {"resourceId", r.id},
          {"resourceName", name_or_null(r.name)},
          {"ARN", r.arn},
          {"awsRegion", r.aws_region},
          {"availabilityZone", r.availability_zone},
          {"configurationStateMd5Hash", item.md5},
          {"resourceCreationTime", r.created ? Value(timefmt::iso8601_millis(*r.created)) : Value()}};
}

Value item_diff(const Value& previous, const Value& current) {
  if (previous.is_null())
    return {{"changedProperties", Value::object()}, {"changeType", "CREATE"}};
  Value changed = Value::object();
  const char* sections[][2] = {{"configuration", "Configuration"},
                               {"supplementaryConfiguration", "SupplementaryConfiguration"},
                               {"relationships", "Relationships"},
                               {"tags", "Tags"}};
  for (const auto& [member, label] : sections)
    diff_into(changed, label, previous.value(member, Value()), current.value(member, Value()));
  bool deleted = current.value("configurationItemStatus", "") == "ResourceDeleted";
  if (changed.empty() && !deleted) return Value();
  return {{"changedProperties", changed}, {"changeType", deleted ? "DELETE" : "UPDATE"}};
}

Status ItemLog::open() {
  return db_.migrate("config_items", {
      "CREATE TABLE config_items (seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, "
      "region TEXT NOT NULL, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, capture_time REAL NOT NULL, "
      "item TEXT NOT NULL)",
      "CREATE INDEX config_items_by_resource ON config_items(account, region, resource_type, resource_id, "
      "capture_time, seq)",
      "CREATE INDEX config_items_by_scope ON config_items(account, region, seq)",
      "CREATE TABLE config_resources (account TEXT NOT NULL, region TEXT NOT NULL, resource_type TEXT NOT NULL, "
      "resource_id TEXT NOT NULL, resource_name TEXT NOT NULL, source TEXT NOT NULL, latest_seq INTEGER NOT NULL, "
      "state_id INTEGER NOT NULL, fingerprint TEXT NOT NULL, deleted_time REAL, "
      "PRIMARY KEY (account, region, resource_type, resource_id))",
      "CREATE INDEX config_resources_by_source ON config_resources(account, region, source)",
  });
}

Status ItemLog::clear() {
  discard_cache();
  NUAGE_TRY(db_.exec("DELETE FROM config_items"));
  return db_.exec("DELETE FROM config_resources");
}

void ItemLog::discard_cache() {
  loaded_ = false;
  deferring_ = false;
  pending_.clear();
  current_.clear();
  sources_.clear();
}

Status ItemLog::load() const {
  if (loaded_) return Status::Ok();
  current_.clear();
  sources_.clear();
  // AUTOINCREMENT's counter: seqs are never reused, even after a clear.
  next_seq_ = 1;
  NUAGE_TRY(db_.exec("SELECT seq FROM sqlite_sequence WHERE name = 'config_items'", {},
                     [&](const storage::Row& r) { next_seq_ = r.integer(0) + 1; }));
  NUAGE_TRY(db_.exec("SELECT r.account, r.region, r.source, r.fingerprint, i.seq, i.item FROM config_resources r "
                     "JOIN config_items i ON i.seq = r.latest_seq",
                     {}, [&](const storage::Row& r) {
                       auto item = std::make_shared<Item>(from_stored(r.text(0), r.text(1), r.integer(4), r.text(5)));
                       Key key{item->account, item->region, item->resource.type, item->resource.id};
                       sources_[{key.account, key.region, r.text(2)}] = key;
                       current_[std::move(key)] = {r.text(2), r.text(3), std::move(item)};
                     }));
  loaded_ = true;
  return Status::Ok();
}

const ItemLog::Current* ItemLog::by_source(const std::string& account, const std::string& region,
                                           const std::string& source) const {
  auto key = sources_.find({account, region, source});
  if (key == sources_.end()) return nullptr;
  auto it = current_.find(key->second);
  if (it == current_.end() || it->second.source != source || it->second.item->deleted()) return nullptr;
  return &it->second;
}

Status ItemLog::write(const Pending& p) {
  const Item& item = *p.item;
  const Described& r = item.resource;
  NUAGE_TRY(db_.exec("INSERT INTO config_items(seq, account, region, resource_type, resource_id, capture_time, item) "
                     "VALUES(?, ?, ?, ?, ?, ?, ?)",
                     {item.seq, item.account, item.region, r.type, r.id, item.capture_time, p.stored}));
  return db_.exec(
      "INSERT INTO config_resources(account, region, resource_type, resource_id, resource_name, source, latest_seq, "
      "state_id, fingerprint, deleted_time) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(account, region, resource_type, resource_id) DO UPDATE SET resource_name = excluded.resource_name, "
      "source = excluded.source, latest_seq = excluded.latest_seq, state_id = excluded.state_id, "
      "fingerprint = excluded.fingerprint, deleted_time = excluded.deleted_time",
      {item.account, item.region, r.type, r.id, r.name, p.source, item.seq, item.state_id, p.fingerprint,
       item.deleted() ? storage::SqlValue(item.capture_time) : storage::SqlValue(nullptr)});
}

Status ItemLog::append(std::shared_ptr<Item> item, const std::string& source, std::string fingerprint) {
  item->seq = next_seq_++;
  // Serialized here, so that the transaction that writes it holds the
  // database only for its statements.
  pending_.push_back({item, source, fingerprint, stored_form(*item).dump()});
  Key key{item->account, item->region, item->resource.type, item->resource.id};
  sources_[{key.account, key.region, source}] = key;
  current_[std::move(key)] = {source, std::move(fingerprint), std::move(item)};
  return deferring_ ? Status::Ok() : flush();
}

void ItemLog::defer_writes() { deferring_ = true; }

Status ItemLog::flush() {
  deferring_ = false;
  if (pending_.empty()) return Status::Ok();
  std::vector<Pending> rows = std::move(pending_);
  pending_.clear();
  Status s = db_.transaction([&]() -> Status {
    for (const auto& p : rows) NUAGE_TRY(write(p));
    return Status::Ok();
  });
  if (!s.ok()) discard_cache();
  return s;
}

Result<ItemPtr> ItemLog::record(const std::string& account, const std::string& region, const std::string& source,
                                Described resource, double now, ItemPtr* previous) {
  NUAGE_TRY(load());
  std::string print = fingerprint(resource);
  auto it = current_.find(Key{account, region, resource.type, resource.id});
  ItemPtr last = it == current_.end() ? nullptr : it->second.item;
  bool live = last && !last->deleted();
  if (live && it->second.fingerprint == print) return ItemPtr();
  auto item = std::make_shared<Item>();
  item->account = account;
  item->region = region;
  item->status = live ? "OK" : "ResourceDiscovered";
  item->state_id = std::max(static_cast<int64_t>(std::llround(now * 1000)), last ? last->state_id + 1 : 1);
  // Captures of one resource are strictly ordered even on a frozen clock:
  // evaluations are kept by their OrderingTimestamp (the capture time), so
  // two changes in one millisecond must not tie.
  item->capture_time = static_cast<double>(item->state_id) / 1000;
  item->md5 = text::hex_encode(crypto::md5(resource.configuration.dump()));
  item->resource = std::move(resource);
  NUAGE_TRY(append(item, source, std::move(print)));
  if (previous) *previous = std::move(last);
  return ItemPtr(std::move(item));
}

Result<ItemPtr> ItemLog::record_deletion(const std::string& account, const std::string& region,
                                         const std::string& source, double now, ItemPtr* previous) {
  NUAGE_TRY(load());
  const Current* current = by_source(account, region, source);
  if (!current) return ItemPtr();
  ItemPtr last = current->item;
  auto item = std::make_shared<Item>();
  item->account = account;
  item->region = region;
  item->status = "ResourceDeleted";
  item->state_id = std::max(static_cast<int64_t>(std::llround(now * 1000)), last->state_id + 1);
  item->capture_time = static_cast<double>(item->state_id) / 1000;  // strictly ordered, as in record()
  Described& r = item->resource;
  r.type = last->resource.type;
  r.id = last->resource.id;
  r.name = last->resource.name;
  r.arn = last->resource.arn;
  r.aws_region = last->resource.aws_region;
  r.availability_zone = last->resource.availability_zone;
  r.created = last->resource.created;
  r.configuration = Value();
  r.tags = Value::object();
  NUAGE_TRY(append(item, source, ""));
  if (previous) *previous = std::move(last);
  return ItemPtr(std::move(item));
}

Result<ItemPtr> ItemLog::latest(const std::string& account, const std::string& region, const std::string& type,
                                const std::string& id) const {
  NUAGE_TRY(load());
  auto it = current_.find(Key{account, region, type, id});
  return it == current_.end() ? ItemPtr() : it->second.item;
}

Result<std::pair<std::vector<Item>, int64_t>> ItemLog::history(const std::string& account, const std::string& region,
                                                               const std::string& type, const std::string& id,
                                                               std::optional<double> earlier,
                                                               std::optional<double> later, bool forward, int limit,
                                                               int64_t after) const {
  std::string sql =
      "SELECT seq, item FROM config_items WHERE account = ? AND region = ? AND resource_type = ? AND resource_id = ?";
  std::vector<storage::SqlValue> params = {account, region, type, id};
  if (earlier) {
    sql += " AND capture_time >= ?";
    params.emplace_back(*earlier);
  }
  if (later) {
    sql += " AND capture_time <= ?";
    params.emplace_back(*later);
  }
  if (after > 0) {
    // Resume after the item `after`, in the listing's order.
    sql += forward ? " AND (capture_time, seq) > (SELECT capture_time, seq FROM config_items WHERE seq = ?)"
                   : " AND (capture_time, seq) < (SELECT capture_time, seq FROM config_items WHERE seq = ?)";
    params.push_back(after);
  }
  sql += forward ? " ORDER BY capture_time, seq LIMIT ?" : " ORDER BY capture_time DESC, seq DESC LIMIT ?";
  params.push_back(static_cast<int64_t>(limit) + 1);
  std::vector<Item> items;
  NUAGE_TRY(db_.exec(sql, params, [&](const storage::Row& r) {
    items.push_back(from_stored(account, region, r.integer(0), r.text(1)));
  }));
  int64_t next = 0;
  if (static_cast<int>(items.size()) > limit) {
    items.pop_back();
    next = items.back().seq;
  }
  return std::make_pair(std::move(items), next);
}

Result<std::vector<DiscoveredResource>> ItemLog::discovered(const std::string& account, const std::string& region,
                                                            const std::string& type, const std::string& name,
                                                            bool include_deleted, const std::string& after,
                                                            int limit) const {
  std::vector<DiscoveredResource> out;
  std::string sql =
      "SELECT resource_id, resource_name, deleted_time FROM config_resources WHERE account = ? AND region = ? AND "
      "resource_type = ? AND resource_id > ?";
  std::vector<storage::SqlValue> params = {account, region, type, after};
  if (!name.empty()) {
    sql += " AND resource_name = ?";
    params.push_back(name);
  }
  if (!include_deleted) sql += " AND deleted_time IS NULL";
  sql += " ORDER BY resource_id LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  NUAGE_TRY(db_.exec(sql, params, [&](const storage::Row& r) {
    DiscoveredResource d{type, r.text(0), r.text(1), std::nullopt};
    if (!r.is_null(2)) d.deleted_time = r.real(2);
    out.push_back(std::move(d));
  }));
  return out;
}

Result<std::vector<std::pair<std::string, int64_t>>> ItemLog::counts(const std::string& account,
                                                                     const std::string& region) const {
  std::vector<std::pair<std::string, int64_t>> out;
  NUAGE_TRY(db_.exec("SELECT resource_type, COUNT(*) AS n FROM config_resources WHERE account = ? AND region = ? AND "
                     "deleted_time IS NULL GROUP BY resource_type ORDER BY n DESC, resource_type",
                     {account, region},
                     [&](const storage::Row& r) { out.emplace_back(r.text(0), r.integer(1)); }));
  return out;
}

Status ItemLog::for_each_current(const std::string& account, const std::string& region, const std::string& type,
                                 const std::function<void(const ItemPtr&)>& fn) const {
  NUAGE_TRY(load());
  for (auto it = current_.lower_bound(Key{account, region, type, ""});
       it != current_.end() && it->first.account == account && it->first.region == region &&
       (type.empty() || it->first.type == type);
       ++it)
    if (!it->second.item->deleted()) fn(it->second.item);
  return Status::Ok();
}

Status ItemLog::for_each_since(const std::string& account, const std::string& region, int64_t seq,
                               const std::function<void(const Item&)>& fn) const {
  return db_.exec("SELECT seq, item FROM config_items WHERE account = ? AND region = ? AND seq > ? ORDER BY seq",
                  {account, region, seq},
                  [&](const storage::Row& r) { fn(from_stored(account, region, r.integer(0), r.text(1))); });
}

}  // namespace nuage::services::config
