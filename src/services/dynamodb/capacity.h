// Capacity units as DynamoDB meters them, and the ConsumedCapacity member
// of an answer (ReturnConsumedCapacity TOTAL or INDEXES).
//   reads:  the item size rounded up to 4 KB, at least one unit; half for
//           an eventually consistent read; Query and Scan round the sum of
//           the items read once;
//   writes: the larger of the old and new item, rounded up to 1 KB, at
//           least one unit;
//   global secondary indexes: a write that puts an item into an index costs
//           one index write, one that takes it out one, one that changes its
//           index key two (a delete and a put), one that changes only
//           projected attributes one, anything else none — each of the
//           projected item's 1 KB units.
// A Demand is what one request (or one item of a batch) consumes: the
// table's own units, each GSI's, and each LSI's (which the table's
// capacity pays for) — what throttling charges and ConsumedCapacity shows.
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "kit/value.h"

namespace nuage::services::dynamodb {

struct Demand {
  bool write = false;
  double table = 0;
  std::map<std::string, double> global_indexes, local_indexes;
  double total() const;
  void add(const Demand& other);
};

double read_units(int64_t bytes, bool consistent);
double write_units(int64_t old_bytes, int64_t new_bytes);
// Index name -> write units of one item write (absent item: null Value).
std::map<std::string, double> index_write_units(const kit::Value& table, const kit::Value& old_item,
                                                const kit::Value& new_item);
// What a write from old_item to new_item (absent: null) consumes.
Demand write_demand(const kit::Value& table, const kit::Value& old_item, const kit::Value& new_item);
// The answer's ConsumedCapacity, or nullopt for NONE.
std::optional<kit::Value> consumed_capacity(const kit::Value& in, const std::string& table_name, const Demand& demand);
// BatchGetItem's and BatchWriteItem's: one entry per table, or nullopt for NONE.
std::optional<kit::Value> consumed_capacities(const kit::Value& in, const std::map<std::string, Demand>& by_table);

}  // namespace nuage::services::dynamodb
