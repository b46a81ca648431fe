#include "services/config/evaluations.h"

#include "common/text.h"
#include "services/config/errors.h"

namespace nuage::services::config {

namespace {

const char* kColumns =
    "rule_name, resource_type, resource_id, compliance, annotation, ordering_time, recorded_time, invoked_time";

Evaluation from_row(const std::string& account, const std::string& region, const storage::Row& r) {
  Evaluation e;
  e.account = account;
  e.region = region;
  e.rule = r.text(0);
  e.resource_type = r.text(1);
  e.resource_id = r.text(2);
  e.compliance = r.text(3);
  e.annotation = r.text(4);
  e.ordering_time = r.real(5);
  e.recorded_time = r.real(6);
  e.invoked_time = r.real(7);
  return e;
}

// Page keys: the (rule, type, id) of the last result, as JSON, base64.
std::string page_key(const Evaluation& e) {
  return text::base64_encode(Value::array({e.rule, e.resource_type, e.resource_id}).dump());
}

}  // namespace

Value evaluation_result(const Evaluation& e) {
  Value out = {{"EvaluationResultIdentifier",
                {{"EvaluationResultQualifier",
                  {{"ConfigRuleName", e.rule},
                   {"ResourceType", e.resource_type},
                   {"ResourceId", e.resource_id},
                   {"EvaluationMode", "DETECTIVE"}}},
                 {"OrderingTimestamp", e.ordering_time}}},
               {"ComplianceType", e.compliance},
               {"ResultRecordedTime", e.recorded_time},
               {"ConfigRuleInvokedTime", e.invoked_time}};
  if (!e.annotation.empty()) out["Annotation"] = e.annotation;
  return out;
}

Status Evaluations::open() {
  return db_.migrate("config_evaluations", {
      "CREATE TABLE config_evaluations (account TEXT NOT NULL, region TEXT NOT NULL, rule_name TEXT NOT NULL, "
      "resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, compliance TEXT NOT NULL, annotation TEXT NOT NULL, "
      "ordering_time REAL NOT NULL, recorded_time REAL NOT NULL, invoked_time REAL NOT NULL, "
      "PRIMARY KEY (account, region, rule_name, resource_type, resource_id))",
      "CREATE INDEX config_evaluations_by_resource ON config_evaluations(account, region, resource_type, resource_id)",
  });
}

Status Evaluations::clear() { return db_.exec("DELETE FROM config_evaluations"); }

Result<std::optional<Evaluation>> Evaluations::put(const Evaluation& e, bool* stored) {
  std::optional<Evaluation> previous;
  bool kept = false;
  NUAGE_TRY(db_.exec(std::string("SELECT ") + kColumns +
                         " FROM config_evaluations WHERE account = ? AND region = ? AND rule_name = ? AND "
                         "resource_type = ? AND resource_id = ?",
                     {e.account, e.region, e.rule, e.resource_type, e.resource_id},
                     [&](const storage::Row& r) { previous = from_row(e.account, e.region, r); }));
  // The latest evaluation by OrderingTimestamp wins. SDKs send it in whole
  // seconds, so two changes in one second tie: then the result of the later
  // invocation wins (it saw the later state), whichever arrives last.
  if (!previous || previous->ordering_time < e.ordering_time ||
      (previous->ordering_time == e.ordering_time && previous->invoked_time <= e.invoked_time)) {
    kept = true;
    NUAGE_TRY(db_.exec(
        "INSERT INTO config_evaluations(account, region, rule_name, resource_type, resource_id, compliance, "
        "annotation, ordering_time, recorded_time, invoked_time) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(account, region, rule_name, resource_type, resource_id) DO UPDATE SET "
        "compliance = excluded.compliance, annotation = excluded.annotation, ordering_time = excluded.ordering_time, "
        "recorded_time = excluded.recorded_time, invoked_time = excluded.invoked_time",
        {e.account, e.region, e.rule, e.resource_type, e.resource_id, e.compliance, e.annotation, e.ordering_time,
         e.recorded_time, e.invoked_time}));
  }
  if (stored) *stored = kept;
  return previous;
}

Result<std::optional<Evaluation>> Evaluations::erase(const std::string& account, const std::string& region,
                                                     const std::string& rule, const std::string& type,
                                                     const std::string& id) {
  std::optional<Evaluation> previous;
  NUAGE_TRY(db_.exec(std::string("SELECT ") + kColumns +
                         " FROM config_evaluations WHERE account = ? AND region = ? AND rule_name = ? AND "
                         "resource_type = ? AND resource_id = ?",
                     {account, region, rule, type, id},
                     [&](const storage::Row& r) { previous = from_row(account, region, r); }));
  if (!previous) return previous;
  NUAGE_TRY(db_.exec("DELETE FROM config_evaluations WHERE account = ? AND region = ? AND rule_name = ? AND "
                     "resource_type = ? AND resource_id = ?",
                     {account, region, rule, type, id}));
  return previous;
}

Status Evaluations::erase_rule(const std::string& account, const std::string& region, const std::string& rule) {
  return db_.exec("DELETE FROM config_evaluations WHERE account = ? AND region = ? AND rule_name = ?",
                  {account, region, rule});
}

Result<Evaluations::Page> Evaluations::list(const std::string& account, const std::string& region,
                                            const std::string& rule, const std::string& type, const std::string& id,
                                            const std::vector<std::string>& compliance, const std::string& after,
                                            int limit) const {
  std::string sql = std::string("SELECT ") + kColumns + " FROM config_evaluations";
  // One resource's results: through its index. Left to itself, SQLite walks
  // the whole scope in the primary key's order to skip the sort, which made
  // recording a compliance change cost a scan of every result.
  if (rule.empty() && !type.empty() && !id.empty()) sql += " INDEXED BY config_evaluations_by_resource";
  sql += " WHERE account = ? AND region = ?";
  std::vector<storage::SqlValue> params = {account, region};
  if (!rule.empty()) {
    sql += " AND rule_name = ?";
    params.push_back(rule);
  }
  if (!type.empty()) {
    sql += " AND resource_type = ?";
    params.push_back(type);
  }
  if (!id.empty()) {
    sql += " AND resource_id = ?";
    params.push_back(id);
  }
  if (!compliance.empty()) {
    sql += " AND compliance IN (";
    for (size_t i = 0; i < compliance.size(); ++i) {
      sql += i ? ", ?" : "?";
      params.push_back(compliance[i]);
    }
    sql += ")";
  }
  if (!after.empty()) {
    auto raw = text::base64_decode(after);
    Value key = raw ? Value::parse(*raw, nullptr, false) : Value();
    if (!key.is_array() || key.size() != 3) return errors("InvalidNextTokenException", "The nextToken provided is invalid");
    sql += " AND (rule_name, resource_type, resource_id) > (?, ?, ?)";
    for (const auto& k : key) params.push_back(k.is_string() ? k.get<std::string>() : "");
  }
  sql += " ORDER BY rule_name, resource_type, resource_id";
  if (limit > 0) {
    sql += " LIMIT ?";
    params.push_back(static_cast<int64_t>(limit) + 1);
  }
  Page page;
  NUAGE_TRY(db_.exec(sql, params, [&](const storage::Row& r) { page.results.push_back(from_row(account, region, r)); }));
  if (limit > 0 && static_cast<int>(page.results.size()) > limit) {
    page.results.pop_back();
    page.next = page_key(page.results.back());
  }
  return page;
}

Status Evaluations::for_each(const std::string& account, const std::string& region,
                             const std::function<void(const Evaluation&)>& fn) const {
  return db_.exec(std::string("SELECT ") + kColumns +
                      " FROM config_evaluations WHERE account = ? AND region = ? ORDER BY rule_name, resource_type, "
                      "resource_id",
                  {account, region}, [&](const storage::Row& r) { fn(from_row(account, region, r)); });
}

}  // namespace nuage::services::config
