// Items: PutItem, GetItem, DeleteItem, UpdateItem with condition, update
// and projection expressions, ReturnValues and
// ReturnValuesOnConditionCheckFailure; keys and index keys checked as AWS
// checks them, the 400 KB item limit.
#include <nlohmann/json.hpp>

#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/capacity.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/provider.h"

namespace nuage::services::dynamodb {

using kit::Output;
using kit::Value;

namespace {

constexpr size_t kMaxHashKeyBytes = 2048;
constexpr size_t kMaxRangeKeyBytes = 1024;

struct KeyAttribute {
  std::string name, type;
};

std::vector<KeyAttribute> key_attributes(const Value& doc, const Value& schema) {
  std::vector<KeyAttribute> out;
  for (const auto& k : schema) {
    std::string name = k.at("AttributeName");
    std::string type;
    for (const auto& d : doc.at("AttributeDefinitions"))
      if (d.at("AttributeName") == name) type = d.at("AttributeType");
    out.push_back({name, type});
  }
  return out;
}

AwsError empty_key(const std::string& name) {
  return validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain "
                    "an empty string value. Key: " + name);
}

bool empty_value(const Value& av) {
  std::string type = type_of(av);
  return (type == "S" && av["S"].get_ref<const std::string&>().empty()) || (type == "B" && kit::blob_bytes(av["B"]).empty());
}

// Every index key the item carries must have its index's type.
std::optional<AwsError> check_index_keys(const Value& doc, const Value& item) {
  for (const char* member : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
    if (!doc.contains(member)) continue;
    for (const auto& index : doc[member])
      for (const auto& key : key_attributes(doc, index.at("KeySchema"))) {
        auto it = item.find(key.name);
        if (it == item.end()) continue;
        std::string actual = type_of(*it);
        std::string index_name = index.at("IndexName");
        if (actual != key.type)
          return validation(std::string(kInvalid) + "Type mismatch for Index Key " + key.name + " Expected: " + key.type +
                            " Actual: " + actual + " IndexName: " + index_name);
        if (empty_value(*it))
          return validation("One or more parameter values are not valid. A value specified for a secondary index key is "
                            "not supported. The AttributeValue for a key attribute cannot contain an empty string value. "
                            "IndexName: " + index_name + ", IndexKey: " + key.name);
      }
  }
  return std::nullopt;
}

// The expression parameters of a request that mixes in none of the legacy
// ones (AttributesToGet, Expected, AttributeUpdates: not served yet).
std::optional<AwsError> refuse_legacy(const Value& in, const std::string& operation) {
  for (const char* legacy : {"Expected", "AttributeUpdates", "ConditionalOperator", "AttributesToGet"})
    if (in.contains(legacy)) return not_implemented("dynamodb", operation + " with " + legacy);
  bool expressions = false;
  for (const char* e : {"ConditionExpression", "UpdateExpression", "ProjectionExpression"}) expressions |= in.contains(e);
  if (!expressions) {
    if (in.contains("ExpressionAttributeNames"))
      return validation("ExpressionAttributeNames can only be specified when using expressions");
    if (in.contains("ExpressionAttributeValues"))
      return validation("ExpressionAttributeValues can only be specified when using expressions");
  }
  return std::nullopt;
}

AwsError condition_failed(const Value& in, const std::optional<Value>& old) {
  Value fields = Value::object();
  if (in.value("ReturnValuesOnConditionCheckFailure", "NONE") == "ALL_OLD" && old) fields["Item"] = *old;
  return errors("ConditionalCheckFailedException", "The conditional request failed", fields);
}

void add_capacity(Output& out, const Value& in, const Value& doc, const Demand& demand) {
  auto consumed = consumed_capacity(in, doc.at("TableName"), demand);
  if (consumed) out.value["ConsumedCapacity"] = *consumed;
}

bool is_condition_failure(const Status& s) { return s.error().code == "ConditionalCheckFailedException"; }

// A write whose condition failed still consumes the table's write units
// (the larger of the item there and the item given), and no index's.
Demand failed_write(const std::optional<Value>& old, const Value& given) {
  Demand demand;
  demand.write = true;
  demand.table = write_units(old ? item_size(*old) : 0, given.is_null() ? 0 : item_size(given));
  return demand;
}

}  // namespace

// The request's ConditionExpression, parsed; null when it has none.
Result<ConditionPtr> optional_condition(const Value& in, Placeholders& placeholders) {
  if (!in.contains("ConditionExpression")) return ConditionPtr();
  return parse_condition(in["ConditionExpression"], "ConditionExpression", placeholders);
}

// ConditionalCheckFailedException unless the item as it is (absent: an
// empty item) satisfies the condition.
Status check_condition(const ConditionPtr& condition, const Value& in, const std::optional<Value>& old) {
  if (!condition) return Status::Ok();
  auto ok = evaluate(*condition, old.value_or(Value::object()));
  if (!ok) return ok.error();
  if (!*ok) return condition_failed(in, old);
  return Status::Ok();
}

std::optional<AwsError> untouched_key(const ItemKey& key, const std::vector<UpdateAction>& actions) {
  for (const auto& action : actions)
    if (key.attributes.contains(action.path[0].name) && action.path[0].index < 0)
      return validation(std::string(kInvalid) + "Cannot update attribute " + action.path[0].name +
                        ". This attribute is part of the key");
  return std::nullopt;
}

Result<Value> updated_item(const Value& doc, const ItemKey& key, const std::vector<UpdateAction>& actions,
                           const std::optional<Value>& old) {
  Value item = old.value_or(key.attributes);
  NUAGE_TRY(apply_update(actions, item));
  if (auto e = check_index_keys(doc, item)) return *e;
  if (item_size(item) > kMaxItemBytes) return validation("Item size to update has exceeded the maximum allowed size");
  return item;
}

Result<std::optional<std::vector<Path>>> projection_of(const Value& request) {
  Placeholders placeholders(request.value("ExpressionAttributeNames", Value()), Value());
  std::optional<std::vector<Path>> paths;
  if (request.contains("ProjectionExpression")) {
    auto parsed = parse_projection(request["ProjectionExpression"], placeholders);
    if (!parsed) return parsed.take_error();
    paths = std::move(*parsed);
  }
  if (auto e = placeholders.unused()) return *e;
  return paths;
}

std::optional<AwsError> check_item(const Value& doc, const Value& item) {
  if (auto e = check_index_keys(doc, item)) return e;
  if (item_size(item) > kMaxItemBytes) return validation("Item size has exceeded the maximum allowed size");
  return std::nullopt;
}

Result<const Value*> Provider::active_table(const Context& ctx, const Value& in) const {
  const Value* doc = store_->get(scope_of(ctx), kTable, table_name(in.at("TableName")));
  // A table being created is not there yet for reads and writes.
  if (!doc || (doc->value("TableStatus", "") == "CREATING" && describe(*doc)["TableStatus"] == "CREATING"))
    return errors("ResourceNotFoundException", "Requested resource not found");
  return doc;
}

Result<ItemKey> Provider::item_key(const Value& doc, const Value& attributes, bool whole_item) const {
  auto keys = key_attributes(doc, doc.at("KeySchema"));
  if (!whole_item && attributes.size() != keys.size())
    return validation("The provided key element does not match the schema");
  ItemKey out;
  for (size_t i = 0; i < keys.size(); ++i) {
    const KeyAttribute& key = keys[i];
    auto it = attributes.find(key.name);
    if (it == attributes.end()) {
      if (!whole_item) return validation("The provided key element does not match the schema");
      return validation(std::string(kInvalid) + "Missing the key " + key.name + " in the item");
    }
    std::string actual = type_of(*it);
    if (actual != key.type) {
      if (!whole_item) return validation("The provided key element does not match the schema");
      return validation(std::string(kInvalid) + "Type mismatch for key " + key.name + " expected: " + key.type +
                        " actual: " + actual);
    }
    if (empty_value(*it)) return empty_key(key.name);
    size_t bytes = static_cast<size_t>(value_size(*it));
    if (i == 0 && bytes > kMaxHashKeyBytes)
      return validation(std::string(kInvalid) + "Size of hashkey has exceeded the maximum size limit of 2048 bytes");
    if (i == 1 && bytes > kMaxRangeKeyBytes)
      return validation(std::string(kInvalid) +
                        "Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
    (i == 0 ? out.hash : out.range) = encode_key(*it);
    out.attributes[key.name] = *it;
  }
  return out;
}

Result<ItemKey> Provider::item_key(const Value& doc, const Value& key) const {
  auto checked = validate_item(key);
  if (!checked) return checked.take_error();
  return item_key(doc, *checked, false);
}

Result<std::optional<Value>> Provider::load_item(const Value& doc, const ItemKey& key) const {
  Status status = Status::Ok();
  auto stored = items_->get(doc.at("TableId"), key.hash, key.range, status);
  if (!status.ok()) return status.error();
  if (!stored) return std::optional<Value>();
  return std::optional<Value>(from_stored_form(stored->item));
}

Status Provider::store_item(const Value& doc, const ItemKey& key, const Value& item) {
  NUAGE_TRY(items_->put(doc.at("TableId"), key.hash, key.range, StoredItem{stored_form(item), item_size(item)}));
  note_expiry(doc, item);
  return Status::Ok();
}

Result<Output> Provider::put_item(Context& ctx, const Value& in) {
  auto found = active_table(ctx, in);
  if (!found) return found.take_error();
  const Value& doc = **found;
  if (auto e = refuse_legacy(in, "PutItem")) return *e;
  std::string returns = in.value("ReturnValues", "NONE");
  if (returns != "NONE" && returns != "ALL_OLD") return validation("ReturnValues can only be ALL_OLD or NONE");
  auto item = validate_item(in.at("Item"));
  if (!item) return item.take_error();
  auto key = item_key(doc, *item, true);
  if (!key) return key.take_error();
  if (auto e = check_item(doc, *item)) return *e;
  Placeholders placeholders(in.value("ExpressionAttributeNames", Value()), in.value("ExpressionAttributeValues", Value()));
  auto condition = optional_condition(in, placeholders);
  if (!condition) return condition.take_error();
  if (auto e = placeholders.unused()) return *e;
  auto old = load_item(doc, *key);
  if (!old) return old.take_error();
  if (Status s = check_condition(*condition, in, *old); !s.ok()) {
    if (is_condition_failure(s)) NUAGE_TRY(charge(ctx, doc, failed_write(*old, *item)));
    return s.error();
  }
  Demand demand = write_demand(doc, old->value_or(Value()), *item);
  NUAGE_TRY(charge(ctx, doc, demand));
  NUAGE_TRY(write_item(doc, *key, *old, *item));
  Output out;
  if (returns == "ALL_OLD" && *old) out.value["Attributes"] = **old;
  add_capacity(out, in, doc, demand);
  return out;
}

Result<Output> Provider::get_item(Context& ctx, const Value& in) {
  auto found = active_table(ctx, in);
  if (!found) return found.take_error();
  const Value& doc = **found;
  if (auto e = refuse_legacy(in, "GetItem")) return *e;
  auto key = item_key(doc, in.at("Key"));
  if (!key) return key.take_error();
  auto paths = projection_of(in);
  if (!paths) return paths.take_error();
  auto item = load_item(doc, *key);
  if (!item) return item.take_error();
  Demand demand;
  demand.table = read_units(*item ? item_size(**item) : 0, in.value("ConsistentRead", false));
  NUAGE_TRY(charge(ctx, doc, demand));
  Output out;
  if (*item) out.value["Item"] = *paths ? project(**item, **paths) : **item;
  add_capacity(out, in, doc, demand);
  return out;
}

Result<Output> Provider::delete_item(Context& ctx, const Value& in) {
  auto found = active_table(ctx, in);
  if (!found) return found.take_error();
  const Value& doc = **found;
  if (auto e = refuse_legacy(in, "DeleteItem")) return *e;
  std::string returns = in.value("ReturnValues", "NONE");
  if (returns != "NONE" && returns != "ALL_OLD") return validation("ReturnValues can only be ALL_OLD or NONE");
  auto key = item_key(doc, in.at("Key"));
  if (!key) return key.take_error();
  Placeholders placeholders(in.value("ExpressionAttributeNames", Value()), in.value("ExpressionAttributeValues", Value()));
  auto condition = optional_condition(in, placeholders);
  if (!condition) return condition.take_error();
  if (auto e = placeholders.unused()) return *e;
  auto old = load_item(doc, *key);
  if (!old) return old.take_error();
  if (Status s = check_condition(*condition, in, *old); !s.ok()) {
    if (is_condition_failure(s)) NUAGE_TRY(charge(ctx, doc, failed_write(*old, Value())));
    return s.error();
  }
  Demand demand = write_demand(doc, old->value_or(Value()), Value());
  NUAGE_TRY(charge(ctx, doc, demand));
  NUAGE_TRY(write_item(doc, *key, *old, std::nullopt));
  Output out;
  if (returns == "ALL_OLD" && *old) out.value["Attributes"] = **old;
  add_capacity(out, in, doc, demand);
  return out;
}

Result<Output> Provider::update_item(Context& ctx, const Value& in) {
  auto found = active_table(ctx, in);
  if (!found) return found.take_error();
  const Value& doc = **found;
  if (auto e = refuse_legacy(in, "UpdateItem")) return *e;
  std::string returns = in.value("ReturnValues", "NONE");
  auto key = item_key(doc, in.at("Key"));
  if (!key) return key.take_error();
  Placeholders placeholders(in.value("ExpressionAttributeNames", Value()), in.value("ExpressionAttributeValues", Value()));
  std::vector<UpdateAction> actions;
  if (in.contains("UpdateExpression")) {
    auto parsed = parse_update(in["UpdateExpression"], placeholders);
    if (!parsed) return parsed.take_error();
    actions = std::move(*parsed);
  }
  auto condition = optional_condition(in, placeholders);
  if (!condition) return condition.take_error();
  if (auto e = placeholders.unused()) return *e;
  if (auto e = untouched_key(*key, actions)) return *e;
  auto old = load_item(doc, *key);
  if (!old) return old.take_error();
  if (Status s = check_condition(*condition, in, *old); !s.ok()) {
    if (is_condition_failure(s)) NUAGE_TRY(charge(ctx, doc, failed_write(*old, Value())));
    return s.error();
  }
  auto new_item = updated_item(doc, *key, actions, *old);
  if (!new_item) return new_item.take_error();
  const Value& item = *new_item;
  Demand demand = write_demand(doc, old->value_or(Value()), item);
  NUAGE_TRY(charge(ctx, doc, demand));
  NUAGE_TRY(write_item(doc, *key, *old, item));
  Output out;
  std::vector<Path> updated;
  for (const auto& action : actions) updated.push_back(action.path);
  if (returns == "ALL_OLD" && *old) out.value["Attributes"] = **old;
  if (returns == "ALL_NEW") out.value["Attributes"] = item;
  if (returns == "UPDATED_OLD" && *old) out.value["Attributes"] = project(**old, updated);
  if (returns == "UPDATED_NEW") out.value["Attributes"] = project(item, updated);
  if (out.value.contains("Attributes") && out.value["Attributes"].empty()) out.value.erase("Attributes");
  add_capacity(out, in, doc, demand);
  return out;
}

}  // namespace nuage::services::dynamodb
