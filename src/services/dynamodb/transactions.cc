// Transactions: TransactWriteItems (Put, Update, Delete, ConditionCheck,
// all or nothing) and TransactGetItems.
//
// A write transaction works every action out against the items as they are
// (conditions, updates, index keys, sizes) before storing anything; one
// failed condition cancels the whole with TransactionCanceledException and
// one CancellationReason per action, in order ("None" for the others). Then
// every table's capacity is charged — twice the units of the same writes
// outside a transaction (a prepare and a commit, as AWS meters them; a
// ConditionCheck as a write of the item it reads) — and the writes are
// stored in one SQLite transaction, so an acknowledged transaction survives
// kill -9 whole or not at all.
//
// ClientRequestToken: a token seen in the last 10 minutes of the clock with
// the same request answers success again without writing; with another
// request, IdempotentParameterMismatchException. Tokens are kept in memory
// (at most kMaxTokens, the oldest forgotten first): a restart forgets them.
//
// Limits: 100 actions (the model), 4 MB of items, one action per item.
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>
#include <tuple>

#include "common/crypto.h"
#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/capacity.h"
#include "services/dynamodb/provider.h"

namespace nuage::services::dynamodb {

using kit::Output;
using kit::Value;

namespace {

constexpr int64_t kMaxTransactionBytes = 4 * 1024 * 1024;
constexpr auto kTokenLifetime = std::chrono::minutes(10);

Demand doubled(Demand d) {
  d.table *= 2;
  for (auto* indexes : {&d.global_indexes, &d.local_indexes})
    for (auto& [name, units] : *indexes) units *= 2;
  return d;
}

AwsError too_large() {
  return validation("Transaction request cannot exceed the maximum allowed size of 4 MB");
}

AwsError same_item_twice() {
  return validation("Transaction request cannot include multiple operations on one item");
}

}  // namespace

Result<Output> Provider::transact_write_items(Context& ctx, const Value& in) {
  auto now = env_.clock.now();
  std::string token = in.value("ClientRequestToken", "");
  std::string fingerprint = crypto::sha256(in.at("TransactItems").dump());
  if (!token.empty()) {
    std::string scoped = ctx.account_id + "/" + ctx.region + "/" + token;
    auto it = tokens_.find(scoped);
    if (it != tokens_.end() && now < it->second.expires) {
      if (it->second.fingerprint != fingerprint)
        return errors("IdempotentParameterMismatchException",
                      "The request uses the same client token as a previous, but non-identical request.");
      return Output{};
    }
  }
  struct Step {
    const Value* doc;
    ItemKey key;
    std::optional<Value> old;
    std::optional<Value> item;  // the item after; none for a Delete or a ConditionCheck
    bool erase = false;
    Demand demand;
  };
  std::vector<Step> steps;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  Value reasons = Value::array();
  std::vector<std::string> codes;
  bool cancelled = false;
  int64_t bytes = 0;
  for (const auto& action : in.at("TransactItems")) {
    const char* kinds[] = {"ConditionCheck", "Put", "Delete", "Update"};
    std::string kind;
    for (const char* k : kinds)
      if (action.contains(k)) kind = kind.empty() ? k : "many";
    if (kind.empty() || kind == "many")
      return validation("TransactItems can only contain one of Check, Put, Update or Delete");
    const Value& body = action.at(kind);
    auto found = active_table(ctx, body);
    if (!found) return found.take_error();
    const Value& doc = **found;
    Placeholders placeholders(body.value("ExpressionAttributeNames", Value()),
                              body.value("ExpressionAttributeValues", Value()));
    Step step{&doc, {}, std::nullopt, std::nullopt, kind == "Delete", {}};
    std::vector<UpdateAction> updates;
    if (kind == "Put") {
      auto item = validate_item(body.at("Item"));
      if (!item) return item.take_error();
      auto key = item_key(doc, *item, true);
      if (!key) return key.take_error();
      if (auto e = check_item(doc, *item)) return *e;
      step.key = std::move(*key);
      bytes += item_size(*item);
      step.item = std::move(*item);
    } else {
      auto key = item_key(doc, body.at("Key"));
      if (!key) return key.take_error();
      step.key = std::move(*key);
      bytes += item_size(step.key.attributes);
    }
    if (kind == "Update") {
      auto parsed = parse_update(body.at("UpdateExpression"), placeholders);
      if (!parsed) return parsed.take_error();
      updates = std::move(*parsed);
      if (auto e = untouched_key(step.key, updates)) return *e;
    }
    auto condition = optional_condition(body, placeholders);
    if (!condition) return condition.take_error();
    if (auto e = placeholders.unused()) return *e;
    if (bytes > kMaxTransactionBytes) return too_large();
    if (!seen.insert({doc.at("TableId"), step.key.hash, step.key.range}).second) return same_item_twice();
    auto old = load_item(doc, step.key);
    if (!old) return old.take_error();
    step.old = *old;
    Status checked = check_condition(*condition, body, step.old);
    if (!checked.ok() && checked.error().code != "ConditionalCheckFailedException") return checked.error();
    if (!checked.ok()) {
      Value reason = {{"Code", "ConditionalCheckFailed"}, {"Message", "The conditional request failed"}};
      if (checked.error().fields.contains("Item")) reason["Item"] = checked.error().fields["Item"];
      reasons.push_back(reason);
      codes.push_back("ConditionalCheckFailed");
      cancelled = true;
      continue;
    }
    reasons.push_back({{"Code", "None"}});
    codes.push_back("None");
    if (kind == "Update") {
      auto updated = updated_item(doc, step.key, updates, step.old);
      if (!updated) return updated.take_error();
      step.item = std::move(*updated);
    }
    Value before = step.old.value_or(Value());
    if (kind == "ConditionCheck") {
      step.demand.write = true;
      step.demand.table = write_units(step.old ? item_size(*step.old) : 0, 0);
    } else {
      step.demand = write_demand(doc, before, step.item.value_or(Value()));
    }
    step.demand = doubled(step.demand);
    if (kind == "ConditionCheck") step.item.reset();
    steps.push_back(std::move(step));
  }
  if (cancelled) {
    std::string list;
    for (const auto& c : codes) list += (list.empty() ? "" : ", ") + c;
    return errors("TransactionCanceledException",
                  "Transaction cancelled, please refer cancellation reasons for specific reasons [" + list + "]",
                  {{"CancellationReasons", reasons}});
  }
  std::map<std::string, Demand> by_table;
  std::map<std::string, const Value*> docs;
  for (const auto& step : steps) {
    std::string name = step.doc->at("TableName");
    by_table[name].write = true;
    by_table[name].add(step.demand);
    docs[name] = step.doc;
  }
  for (const auto& [name, demand] : by_table) NUAGE_TRY(charge(ctx, *docs[name], demand));
  NUAGE_TRY(env_.db.transaction([&]() -> Status {
    for (const auto& step : steps) {
      if (step.item || step.erase) NUAGE_TRY(write_item(*step.doc, step.key, step.old, step.item));
    }
    return Status::Ok();
  }));
  if (!token.empty()) remember_token(ctx.account_id + "/" + ctx.region + "/" + token, fingerprint, now + kTokenLifetime);
  Output out;
  if (auto consumed = consumed_capacities(in, by_table)) out.value["ConsumedCapacity"] = *consumed;
  return out;
}

void Provider::remember_token(const std::string& token, const std::string& fingerprint, Clock::TimePoint expires) {
  if (tokens_.size() >= kMaxTokens) {
    auto oldest = tokens_.begin();
    for (auto it = tokens_.begin(); it != tokens_.end(); ++it)
      if (it->second.expires < oldest->second.expires) oldest = it;
    tokens_.erase(oldest);
  }
  tokens_[token] = {fingerprint, expires};
}

Result<Output> Provider::transact_get_items(Context& ctx, const Value& in) {
  Output out;
  out.value["Responses"] = Value::array();
  std::map<std::string, Demand> by_table;
  std::map<std::string, const Value*> docs;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  int64_t bytes = 0;
  for (const auto& action : in.at("TransactItems")) {
    const Value& get = action.at("Get");
    auto found = active_table(ctx, get);
    if (!found) return found.take_error();
    const Value& doc = **found;
    auto key = item_key(doc, get.at("Key"));
    if (!key) return key.take_error();
    auto paths = projection_of(get);
    if (!paths) return paths.take_error();
    if (!seen.insert({doc.at("TableId"), key->hash, key->range}).second) return same_item_twice();
    auto item = load_item(doc, *key);
    if (!item) return item.take_error();
    int64_t size = *item ? item_size(**item) : 0;
    bytes += size;
    if (bytes > kMaxTransactionBytes) return too_large();
    std::string name = doc.at("TableName");
    by_table[name].table += 2 * read_units(size, true);
    docs[name] = &doc;
    Value response = Value::object();
    if (*item) response["Item"] = *paths ? project(**item, **paths) : **item;
    out.value["Responses"].push_back(std::move(response));
  }
  for (const auto& [name, demand] : by_table) NUAGE_TRY(charge(ctx, *docs[name], demand));
  if (auto consumed = consumed_capacities(in, by_table)) out.value["ConsumedCapacity"] = *consumed;
  return out;
}

}  // namespace nuage::services::dynamodb
