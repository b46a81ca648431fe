#include "services/dynamodb/item_store.h"

namespace nuage::services::dynamodb {

Status ItemStore::open() {
  return db_.migrate("dynamodb_items", {
      "CREATE TABLE dynamodb_items (table_id TEXT NOT NULL, hash TEXT NOT NULL, range TEXT NOT NULL,"
      " item TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (table_id, hash, range)) WITHOUT ROWID",
  });
}

std::optional<StoredItem> ItemStore::get(const std::string& table, const std::string& hash, const std::string& range,
                                         Status& status) const {
  std::optional<StoredItem> found;
  status = db_.exec("SELECT item, size FROM dynamodb_items WHERE table_id = ? AND hash = ? AND range = ?",
                    {table, hash, range}, [&](const storage::Row& row) {
                      found = StoredItem{row.text(0), row.integer(1)};
                    });
  return found;
}

Status ItemStore::put(const std::string& table, const std::string& hash, const std::string& range,
                      const StoredItem& item) {
  return db_.exec("INSERT OR REPLACE INTO dynamodb_items (table_id, hash, range, item, size) VALUES (?, ?, ?, ?, ?)",
                  {table, hash, range, item.item, item.size});
}

Status ItemStore::erase(const std::string& table, const std::string& hash, const std::string& range) {
  return db_.exec("DELETE FROM dynamodb_items WHERE table_id = ? AND hash = ? AND range = ?", {table, hash, range});
}

Status ItemStore::drop(const std::string& table) {
  return db_.exec("DELETE FROM dynamodb_items WHERE table_id = ?", {table});
}

// An item's expiry: its top-level `attribute` (json_each matches the name
// exactly, whatever characters it holds) when that is a number.
constexpr const char* kExpiryOf =
    "SELECT hash, range, CAST(json_extract(a.value, '$.N') AS REAL) AS expiry FROM dynamodb_items, json_each(item) AS a"
    " WHERE table_id = ?1 AND a.key = ?2 AND json_type(a.value, '$.N') IS NOT NULL";

Result<std::vector<StoredRow>> ItemStore::expire(const std::string& table, const std::string& attribute, double from,
                                                 double to) {
  // RETURNING answers the rows this statement removed (their stream records
  // need their old images).
  std::vector<StoredRow> removed;
  NUAGE_TRY(db_.exec(std::string("DELETE FROM dynamodb_items WHERE table_id = ?1 AND (hash, range) IN (SELECT hash, "
                                 "range FROM (") +
                         kExpiryOf + ") WHERE expiry BETWEEN ?3 AND ?4) RETURNING hash, range, item, size",
                     {table, attribute, from, to}, [&](const storage::Row& row) {
                       removed.push_back({row.text(0), row.text(1), StoredItem{row.text(2), row.integer(3)}});
                     }));
  return removed;
}

Result<std::optional<double>> ItemStore::next_expiry(const std::string& table, const std::string& attribute,
                                                     double after) const {
  std::optional<double> next;
  NUAGE_TRY(db_.exec(std::string("SELECT min(expiry) FROM (") + kExpiryOf + ") WHERE expiry > ?3",
                     {table, attribute, after}, [&](const storage::Row& row) {
                       if (!row.is_null(0)) next = row.real(0);
                     }));
  return next;
}

Result<TableStats> ItemStore::stats(const std::string& table) const {
  TableStats stats;
  NUAGE_TRY(db_.exec("SELECT count(*), coalesce(sum(size), 0) FROM dynamodb_items WHERE table_id = ?", {table},
                     [&](const storage::Row& row) {
                       stats.count = row.integer(0);
                       stats.bytes = row.integer(1);
                     }));
  return stats;
}

namespace {
// Rows are read in batches, so a visitor that stops early costs one batch.
constexpr int64_t kBatchRows = 256;
}  // namespace

// GCC 12 warns, wrongly, that a std::string inside a moved SqlValue "may be
// used uninitialized" when the parameter vector grows (a known false
// positive of -Wmaybe-uninitialized with std::variant).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
Status ItemStore::query(const std::string& table, const std::string& hash, const RangeBounds& bounds, bool forward,
                        const std::optional<std::string>& after, const RowVisitor& visit) const {
  std::optional<std::string> cursor = after;
  while (true) {
    std::string sql = "SELECT range, item, size FROM dynamodb_items WHERE table_id = ? AND hash = ?";
    std::vector<storage::SqlValue> params = {table, hash};
    if (bounds.lower) {
      sql += bounds.lower_inclusive ? " AND range >= ?" : " AND range > ?";
      params.push_back(*bounds.lower);
    }
    if (bounds.upper) {
      sql += bounds.upper_inclusive ? " AND range <= ?" : " AND range < ?";
      params.push_back(*bounds.upper);
    }
    if (cursor) {
      sql += forward ? " AND range > ?" : " AND range < ?";
      params.push_back(*cursor);
    }
    sql += forward ? " ORDER BY range ASC LIMIT ?" : " ORDER BY range DESC LIMIT ?";
    params.push_back(kBatchRows);
    std::vector<StoredRow> rows;
    NUAGE_TRY(db_.exec(sql, params, [&](const storage::Row& row) {
      rows.push_back({hash, row.text(0), StoredItem{row.text(1), row.integer(2)}});
    }));
    for (const auto& row : rows)
      if (!visit(row)) return Status::Ok();
    if (static_cast<int64_t>(rows.size()) < kBatchRows) return Status::Ok();
    cursor = rows.back().range;
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

Status ItemStore::scan(const std::string& table, const std::optional<std::pair<std::string, std::string>>& after,
                       const RowVisitor& visit) const {
  auto cursor = after;
  while (true) {
    std::vector<StoredRow> rows;
    auto on_row = [&](const storage::Row& row) {
      rows.push_back({row.text(0), row.text(1), StoredItem{row.text(2), row.integer(3)}});
    };
    if (cursor)
      NUAGE_TRY(db_.exec("SELECT hash, range, item, size FROM dynamodb_items WHERE table_id = ? AND (hash, range) > (?, ?)"
                         " ORDER BY hash, range LIMIT ?",
                         {table, cursor->first, cursor->second, kBatchRows}, on_row));
    else
      NUAGE_TRY(db_.exec("SELECT hash, range, item, size FROM dynamodb_items WHERE table_id = ? ORDER BY hash, range LIMIT ?",
                         {table, kBatchRows}, on_row));
    for (const auto& row : rows)
      if (!visit(row)) return Status::Ok();
    if (static_cast<int64_t>(rows.size()) < kBatchRows) return Status::Ok();
    cursor = std::make_pair(rows.back().hash, rows.back().range);
  }
}

void ItemStore::clear() { (void)db_.exec("DELETE FROM dynamodb_items"); }

}  // namespace nuage::services::dynamodb
