// The items of every DynamoDB table: one SQLite table, `dynamodb_items`,
// keyed by (table id, partition key, sort key) in a byte-sortable encoding
// (services/dynamodb/attribute_value.h, `encode_key`), WITHOUT ROWID so the
// primary key is the storage order. A Query is then one range of the
// primary-key B-tree — (table, hash) fixed, the sort key bounded — read in
// either direction with no sort and no secondary index; one table for all
// tables keeps DDL out of CreateTable/DeleteTable (a DeleteTable is one
// range delete) and the prepared statements shared.
//
// Each write is its own statement (or the caller's transaction), committed
// before the call returns: an acknowledged item survives kill -9.
//
// Thread-safety: the database's; the provider serializes calls anyway.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <optional>
#include <vector>
#include <string>

#include "common/error.h"
#include "storage/database.h"

namespace nuage::services::dynamodb {

struct StoredItem {
  std::string item;  // the item's attribute map, as JSON text (blobs base64)
  int64_t size = 0;  // DynamoDB's item size in bytes
};

struct TableStats {
  int64_t count = 0;
  int64_t bytes = 0;
};

// Bounds on the sort key of a Query (encoded keys; absent = unbounded).
struct RangeBounds {
  std::optional<std::string> lower, upper;
  bool lower_inclusive = true, upper_inclusive = true;
};

// One stored row as a read visits it; the visitor answers false to stop.
struct StoredRow {
  std::string hash, range;
  StoredItem item;
};
using RowVisitor = std::function<bool(const StoredRow& row)>;

class ItemStore {
 public:
  explicit ItemStore(storage::Database& db) : db_(db) {}
  Status open();

  std::optional<StoredItem> get(const std::string& table, const std::string& hash, const std::string& range,
                                Status& status) const;
  Status put(const std::string& table, const std::string& hash, const std::string& range, const StoredItem& item);
  Status erase(const std::string& table, const std::string& hash, const std::string& range);
  // Removes every item of a table (DeleteTable).
  Status drop(const std::string& table);
  Result<TableStats> stats(const std::string& table) const;
  // The items of one partition within `bounds`, in sort-key order (or
  // reversed), starting after `after` (an encoded sort key) when given.
  Status query(const std::string& table, const std::string& hash, const RangeBounds& bounds, bool forward,
               const std::optional<std::string>& after, const RowVisitor& visit) const;
  // Every item of a table in key order, after (hash, range) when given.
  Status scan(const std::string& table, const std::optional<std::pair<std::string, std::string>>& after,
              const RowVisitor& visit) const;
  // Time to live: removes the items whose `attribute` is a number of epoch
  // seconds within [from, to] and answers those that went. Items whose value
  // lies before `from` (AWS ignores expiry times over five years past) stay.
  Result<std::vector<StoredRow>> expire(const std::string& table, const std::string& attribute, double from, double to);
  // The earliest expiry time after `after` among a table's items, if any.
  Result<std::optional<double>> next_expiry(const std::string& table, const std::string& attribute,
                                            double after) const;
  // Forgets every item (POST /_nuage/reset).
  void clear();

 private:
  storage::Database& db_;
};

}  // namespace nuage::services::dynamodb
