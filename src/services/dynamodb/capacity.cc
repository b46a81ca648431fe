#include "services/dynamodb/capacity.h"

#include <algorithm>
#include <set>

#include "services/dynamodb/attribute_value.h"

namespace nuage::services::dynamodb {

using kit::Value;

namespace {

int64_t units_of(int64_t bytes, int64_t unit) { return std::max<int64_t>(1, (bytes + unit - 1) / unit); }

// The item as the index holds it, or null when the item is not in it.
Value in_index(const Value& table, const Value& index, const Value& item) {
  if (!item.is_object()) return Value();
  for (const auto& k : index.at("KeySchema"))
    if (!item.contains(k.at("AttributeName").get<std::string>())) return Value();
  const Value& projection = index.at("Projection");
  if (projection.value("ProjectionType", "") == "ALL") return item;
  std::set<std::string> names;
  for (const Value* schema : {&table.at("KeySchema"), &index.at("KeySchema")})
    for (const auto& k : *schema) names.insert(k.at("AttributeName"));
  for (const auto& n : projection.value("NonKeyAttributes", Value::array())) names.insert(n);
  Value out = Value::object();
  for (const auto& [k, v] : item.items())
    if (names.count(k)) out[k] = v;
  return out;
}

}  // namespace

double read_units(int64_t bytes, bool consistent) {
  double units = static_cast<double>(units_of(bytes, 4096));
  return consistent ? units : units / 2;
}

double write_units(int64_t old_bytes, int64_t new_bytes) {
  return static_cast<double>(units_of(std::max(old_bytes, new_bytes), 1024));
}

std::map<std::string, double> index_write_units(const Value& table, const Value& old_item, const Value& new_item) {
  std::map<std::string, double> out;
  if (!table.contains("GlobalSecondaryIndexes")) return out;
  for (const auto& index : table["GlobalSecondaryIndexes"]) {
    Value before = in_index(table, index, old_item), after = in_index(table, index, new_item);
    double units = 0;
    if (before.is_null() && !after.is_null()) units = write_units(0, item_size(after));
    else if (!before.is_null() && after.is_null()) units = write_units(item_size(before), 0);
    else if (!before.is_null()) {
      bool key_changed = false;
      for (const auto& k : index.at("KeySchema")) {
        std::string name = k.at("AttributeName");
        key_changed |= !values_equal(before[name], after[name]);
      }
      if (key_changed) units = write_units(item_size(before), 0) + write_units(0, item_size(after));
      else if (before != after) units = write_units(item_size(before), item_size(after));
    }
    if (units > 0) out[index.at("IndexName")] = units;
  }
  return out;
}

double Demand::total() const {
  double sum = table;
  for (const auto* indexes : {&global_indexes, &local_indexes})
    for (const auto& [name, units] : *indexes) sum += units;
  return sum;
}

void Demand::add(const Demand& other) {
  table += other.table;
  for (const auto& [name, units] : other.global_indexes) global_indexes[name] += units;
  for (const auto& [name, units] : other.local_indexes) local_indexes[name] += units;
}

Demand write_demand(const Value& table, const Value& old_item, const Value& new_item) {
  Demand demand;
  demand.write = true;
  demand.table = write_units(old_item.is_null() ? 0 : item_size(old_item), new_item.is_null() ? 0 : item_size(new_item));
  demand.global_indexes = index_write_units(table, old_item, new_item);
  return demand;
}

std::optional<Value> consumed_capacity(const Value& in, const std::string& table_name, const Demand& demand) {
  std::string mode = in.value("ReturnConsumedCapacity", "NONE");
  if (mode == "NONE") return std::nullopt;
  Value out = {{"TableName", table_name}, {"CapacityUnits", demand.total()}};
  if (mode == "INDEXES") {
    out["Table"] = {{"CapacityUnits", demand.table}};
    for (const auto& [member, indexes] : {std::pair{"GlobalSecondaryIndexes", &demand.global_indexes},
                                          std::pair{"LocalSecondaryIndexes", &demand.local_indexes}}) {
      if (indexes->empty()) continue;
      out[member] = Value::object();
      for (const auto& [name, units] : *indexes) out[member][name] = {{"CapacityUnits", units}};
    }
  }
  return out;
}

std::optional<Value> consumed_capacities(const Value& in, const std::map<std::string, Demand>& by_table) {
  if (in.value("ReturnConsumedCapacity", "NONE") == "NONE") return std::nullopt;
  Value out = Value::array();
  for (const auto& [name, demand] : by_table) out.push_back(*consumed_capacity(in, name, demand));
  return out;
}

}  // namespace nuage::services::dynamodb
