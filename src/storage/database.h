// The one SQLite database of nuage (WAL mode), shared by every service: each
// service owns its tables, created and evolved by versioned migrations.
// With an empty path the database lives in memory (--ephemeral).
//
// Durability: a statement or transaction that returned Ok is committed; WAL
// with synchronous=NORMAL survives kill -9 of the process (the OS keeps the
// written pages); `--sync full` also survives power loss.
//
// Statements with parameters or rows are prepared once and kept (up to
// kMaxCachedStatements distinct SQL texts), so a hot path pays SQLite's
// parser only the first time; a statement re-entered from an on_row callback
// gets a fresh one.
//
// Thread-safety: one connection guarded by a recursive mutex; every member is
// safe from any thread, and transaction() holds the lock for its whole body.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "common/error.h"

namespace nuage::storage {

using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

class Row {
 public:
  explicit Row(sqlite3_stmt* stmt) : stmt_(stmt) {}
  std::string text(int column) const;
  int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  // Opens (creating if needed) `path`; empty path = in memory.
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, bool sync_full = false);
  ~Database();

  // Runs one statement with bound parameters; `on_row` sees each result row.
  Status exec(const std::string& sql, const std::vector<SqlValue>& params = {},
              const std::function<void(const Row&)>& on_row = {});
  // Runs `body` in a transaction: committed if it returns Ok, rolled back
  // otherwise. Nests: inside another transaction (on the same thread, which
  // holds the connection) the body runs as part of it.
  Status transaction(const std::function<Status()>& body);
  // Applies, in order, the steps of `component` not applied yet; each step in
  // its own transaction. Steps are never edited once released: add new ones.
  Status migrate(const std::string& component, const std::vector<std::string>& steps);

  int64_t changes() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  static constexpr size_t kMaxCachedStatements = 512;
  // One statement (the first of `sql`), prepared or taken from the cache.
  Status run_prepared(const std::string& sql, const std::vector<SqlValue>& params,
                      const std::function<void(const Row&)>& on_row);
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;  // being stepped (an on_row callback may re-enter exec)
  };
  sqlite3* db_;
  mutable std::recursive_mutex mu_;
  int depth_ = 0;  // transactions open, under mu_
  std::map<std::string, Cached, std::less<>> statements_;  // under mu_
};

}  // namespace nuage::storage
