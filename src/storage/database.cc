#include "storage/database.h"

namespace nuage::storage {

static AwsError sqlite_error(sqlite3* db, const std::string& what) {
  return internal_error("sqlite: " + what + ": " + sqlite3_errmsg(db));
}

std::string Row::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}
int64_t Row::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Row::real(int column) const { return sqlite3_column_double(stmt_, column); }
bool Row::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, bool sync_full) {
  sqlite3* db = nullptr;
  std::string name = path.empty() ? ":memory:" : path.string();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(name.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    AwsError e = internal_error(std::string("cannot open database ") + name + ": " + sqlite3_errmsg(db));
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Database> out(new Database(db));
  const char* pragmas = sync_full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                  : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
  NUAGE_TRY(out->exec(pragmas));
  sqlite3_busy_timeout(db, 5000);
  NUAGE_TRY(out->exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"));
  return out;
}

Database::~Database() {
  for (auto& [sql, c] : statements_) sqlite3_finalize(c.stmt);
  sqlite3_close_v2(db_);
}

Status Database::exec(const std::string& sql, const std::vector<SqlValue>& params,
                      const std::function<void(const Row&)>& on_row) {
  std::lock_guard lock(mu_);
  if (params.empty() && !on_row) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown";
      sqlite3_free(err);
      return internal_error("sqlite: " + msg);
    }
    return Status::Ok();
  }
  return run_prepared(sql, params, on_row);
}

Status Database::run_prepared(const std::string& sql, const std::vector<SqlValue>& params,
                              const std::function<void(const Row&)>& on_row) {
  // A cached statement when there is one free; else prepared here, and
  // cached unless the cache is full or this is a re-entrant use.
  sqlite3_stmt* stmt = nullptr;
  Cached* cached = nullptr;
  if (auto it = statements_.find(sql); it != statements_.end() && !it->second.busy) {
    cached = &it->second;
    stmt = cached->stmt;
  } else {
    bool keep = it == statements_.end() && statements_.size() < kMaxCachedStatements;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), keep ? SQLITE_PREPARE_PERSISTENT : 0,
                           &stmt, nullptr) != SQLITE_OK)
      return sqlite_error(db_, "prepare");
    if (keep) {
      cached = &statements_[sql];
      cached->stmt = stmt;
    }
  }
  // Afterwards: a cached statement is reset for its next use (releasing its
  // read snapshot), any other finalized.
  struct Release {
    sqlite3_stmt* stmt;
    Cached* cached;
    ~Release() {
      if (!cached) {
        sqlite3_finalize(stmt);
        return;
      }
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      cached->busy = false;
    }
  } release{stmt, cached};
  if (cached) cached->busy = true;
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    const SqlValue& p = params[i];
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::nullptr_t>(p)) rc = sqlite3_bind_null(stmt, idx);
    else if (auto* v = std::get_if<int64_t>(&p)) rc = sqlite3_bind_int64(stmt, idx, *v);
    else if (auto* d = std::get_if<double>(&p)) rc = sqlite3_bind_double(stmt, idx, *d);
    else {
      const auto& s = std::get<std::string>(p);
      rc = sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return sqlite_error(db_, "bind");
  }
  while (true) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(db_, "step");
    if (on_row) on_row(Row(stmt));
  }
  return Status::Ok();
}

Status Database::transaction(const std::function<Status()>& body) {
  std::lock_guard lock(mu_);
  // Nested: the body is part of the outer transaction, which decides.
  if (depth_ > 0) return body();
  NUAGE_TRY(run_prepared("BEGIN IMMEDIATE", {}, {}));
  Status result = Status::Ok();
  ++depth_;
  try {
    result = body();
  } catch (...) {
    --depth_;
    (void)run_prepared("ROLLBACK", {}, {});
    throw;
  }
  --depth_;
  if (!result.ok()) {
    (void)run_prepared("ROLLBACK", {}, {});
    return result;
  }
  NUAGE_TRY(run_prepared("COMMIT", {}, {}));
  return Status::Ok();
}

Status Database::migrate(const std::string& component, const std::vector<std::string>& steps) {
  std::lock_guard lock(mu_);
  int64_t current = 0;
  NUAGE_TRY(exec("SELECT version FROM schema_migrations WHERE component = ?", {component},
                 [&](const Row& r) { current = r.integer(0); }));
  for (size_t i = static_cast<size_t>(current); i < steps.size(); ++i) {
    NUAGE_TRY(transaction([&]() -> Status {
      NUAGE_TRY(exec(steps[i]));
      return exec("INSERT INTO schema_migrations(component, version) VALUES(?, ?) "
                  "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                  {component, static_cast<int64_t>(i + 1)});
    }));
  }
  return Status::Ok();
}

int64_t Database::changes() const {
  std::lock_guard lock(mu_);
  return sqlite3_changes64(db_);
}

}  // namespace nuage::storage
