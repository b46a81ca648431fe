#include "storage/database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace nuage::storage {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("nuage-db-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::unique_ptr<Database> open_db(const fs::path& path = {}) {
  auto db = Database::open(path);
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
  return db.ok() ? std::move(*db) : nullptr;
}

int64_t count(Database& db, const std::string& sql, const std::vector<SqlValue>& params = {}) {
  int64_t n = -1;
  Status s = db.exec(sql, params, [&](const Row& r) { n = r.integer(0); });
  EXPECT_TRUE(s.ok()) << s.error().message;
  return n;
}

int64_t version(Database& db, const std::string& component) {
  int64_t v = 0;
  EXPECT_TRUE(db.exec("SELECT version FROM schema_migrations WHERE component = ?", {component},
                      [&](const Row& r) { v = r.integer(0); })
                  .ok());
  return v;
}

TEST(Database, ExecBindsAndReadsEveryType) {
  auto db = open_db();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, n TEXT)").ok());
  std::string with_nul("a\0b", 3);
  ASSERT_TRUE(db->exec("INSERT INTO t VALUES (?, ?, ?, ?)",
                       {int64_t{1} << 40, 2.5, with_nul, nullptr})
                  .ok());
  EXPECT_EQ(db->changes(), 1);
  int rows = 0;
  ASSERT_TRUE(db->exec("SELECT i, r, s, n FROM t", {}, [&](const Row& r) {
                  ++rows;
                  EXPECT_EQ(r.integer(0), int64_t{1} << 40);
                  EXPECT_DOUBLE_EQ(r.real(1), 2.5);
                  EXPECT_EQ(r.text(2), with_nul);  // embedded NUL kept
                  EXPECT_TRUE(r.is_null(3));
                  EXPECT_EQ(r.text(3), "");
                  EXPECT_FALSE(r.is_null(0));
                }).ok());
  EXPECT_EQ(rows, 1);
}

TEST(Database, ErrorsAreInternalErrors) {
  auto db = open_db();
  ASSERT_TRUE(db);
  Status s = db->exec("SELEC nonsense");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "InternalError");
  EXPECT_EQ(s.error().status, 500);
  s = db->exec("SELECT * FROM missing WHERE a = ?", {int64_t{1}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("missing"), std::string::npos);
  ASSERT_TRUE(db->exec("CREATE TABLE u (k TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE(db->exec("INSERT INTO u VALUES (?)", {std::string("a")}).ok());
  EXPECT_FALSE(db->exec("INSERT INTO u VALUES (?)", {std::string("a")}).ok());
}

TEST(Database, NestedTransactionsBelongToTheOuterOne) {
  auto db = std::move(Database::open({}).value());
  ASSERT_TRUE(db->exec("CREATE TABLE t (v INTEGER)").ok());
  Status outer = db->transaction([&]() -> Status {
    NUAGE_TRY(db->exec("INSERT INTO t VALUES (1)"));
    NUAGE_TRY(db->transaction([&]() -> Status { return db->exec("INSERT INTO t VALUES (2)"); }));
    return internal_error("the outer body fails");
  });
  EXPECT_FALSE(outer.ok());
  int64_t rows = -1;
  ASSERT_TRUE(db->exec("SELECT COUNT(*) FROM t", {}, [&](const Row& r) { rows = r.integer(0); }).ok());
  EXPECT_EQ(rows, 0);  // the inner insert was rolled back with the outer one
  ASSERT_TRUE(db->transaction([&]() -> Status {
    return db->transaction([&]() -> Status { return db->exec("INSERT INTO t VALUES (3)"); });
  }).ok());
  ASSERT_TRUE(db->exec("SELECT COUNT(*) FROM t", {}, [&](const Row& r) { rows = r.integer(0); }).ok());
  EXPECT_EQ(rows, 1);
}

TEST(Database, MigrationsAppliedOnceAndInOrder) {
  auto db = open_db();
  ASSERT_TRUE(db);
  // Step 2 depends on step 1; step 3 on step 2.
  std::vector<std::string> steps = {
      "CREATE TABLE m (a INTEGER)",
      "ALTER TABLE m ADD COLUMN b INTEGER",
      "INSERT INTO m (a, b) VALUES (1, 2)",
  };
  ASSERT_TRUE(db->migrate("svc", steps).ok());
  EXPECT_EQ(version(*db, "svc"), 3);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM m"), 1);
  // Running again applies nothing (the INSERT would add a row).
  ASSERT_TRUE(db->migrate("svc", steps).ok());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM m"), 1);
  // A new step is applied alone.
  steps.push_back("INSERT INTO m (a, b) VALUES (3, 4)");
  ASSERT_TRUE(db->migrate("svc", steps).ok());
  EXPECT_EQ(version(*db, "svc"), 4);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM m"), 2);
  // Components are independent.
  ASSERT_TRUE(db->migrate("other", {"CREATE TABLE o (x)"}).ok());
  EXPECT_EQ(version(*db, "other"), 1);
  EXPECT_EQ(version(*db, "svc"), 4);
}

TEST(Database, FailedMigrationStepIsRolledBackAndStops) {
  auto db = open_db();
  ASSERT_TRUE(db);
  std::vector<std::string> steps = {
      "CREATE TABLE f (a INTEGER)",
      // Two statements: the first succeeds, the second fails: neither stays.
      "INSERT INTO f VALUES (1); INSERT INTO nowhere VALUES (2)",
      "INSERT INTO f VALUES (3)",
  };
  EXPECT_FALSE(db->migrate("bad", steps).ok());
  EXPECT_EQ(version(*db, "bad"), 1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM f"), 0);
  // Fixing the step lets the migration continue from where it stopped.
  steps[1] = "INSERT INTO f VALUES (1)";
  ASSERT_TRUE(db->migrate("bad", steps).ok());
  EXPECT_EQ(version(*db, "bad"), 3);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM f"), 2);
}

TEST(Database, MigrationsPersistAcrossReopen) {
  TempDir dir;
  fs::path file = dir.path() / "nuage.db";
  std::vector<std::string> steps = {"CREATE TABLE p (a INTEGER)", "INSERT INTO p VALUES (1)"};
  {
    auto db = open_db(file);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->migrate("svc", steps).ok());
  }
  auto db = open_db(file);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate("svc", steps).ok());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM p"), 1);
  std::string mode;
  ASSERT_TRUE(db->exec("PRAGMA journal_mode", {}, [&](const Row& r) { mode = r.text(0); }).ok());
  EXPECT_EQ(mode, "wal");
}

TEST(Database, TransactionCommitsOrRollsBack) {
  auto db = open_db();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (a INTEGER)").ok());
  ASSERT_TRUE(db->transaction([&]() -> Status {
                  NUAGE_TRY(db->exec("INSERT INTO t VALUES (?)", {int64_t{1}}));
                  return db->exec("INSERT INTO t VALUES (?)", {int64_t{2}});
                }).ok());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 2);

  Status s = db->transaction([&]() -> Status {
    NUAGE_TRY(db->exec("INSERT INTO t VALUES (?)", {int64_t{3}}));
    return AwsError{"ConditionalCheckFailedException", "no", 400};
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "ConditionalCheckFailedException");  // the body's error, unchanged
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 2);

  // A failing statement inside the body rolls back the earlier ones.
  s = db->transaction([&]() -> Status {
    NUAGE_TRY(db->exec("INSERT INTO t VALUES (?)", {int64_t{4}}));
    NUAGE_TRY(db->exec("INSERT INTO nowhere VALUES (1)"));
    return Status::Ok();
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 2);

  // An exception rolls back and propagates; the database stays usable.
  EXPECT_THROW((void)db->transaction([&]() -> Status {
                 (void)db->exec("INSERT INTO t VALUES (5)");
                 throw std::runtime_error("boom");
               }),
               std::runtime_error);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 2);
  ASSERT_TRUE(db->transaction([&] { return db->exec("INSERT INTO t VALUES (6)"); }).ok());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 3);
}

TEST(Database, ConcurrentExecFromThreads) {
  TempDir dir;
  auto db = open_db(dir.path() / "nuage.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE c (thread INTEGER, n INTEGER)").ok());
  constexpr int kThreads = 4, kPerThread = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Status s = i % 2 == 0
                       ? db->exec("INSERT INTO c VALUES (?, ?)", {int64_t{t}, int64_t{i}})
                       : db->transaction([&]() -> Status {
                           NUAGE_TRY(db->exec("INSERT INTO c VALUES (?, ?)", {int64_t{t}, int64_t{i}}));
                           int64_t n = 0;
                           NUAGE_TRY(db->exec("SELECT COUNT(*) FROM c WHERE thread = ?", {int64_t{t}},
                                              [&](const Row& r) { n = r.integer(0); }));
                           // Inside the transaction, this thread's rows are exactly i + 1.
                           if (n != i + 1) return AwsError{"Mismatch", std::to_string(n), 500};
                           return Status::Ok();
                         });
        if (!s.ok()) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM c"), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(count(*db, "SELECT COUNT(DISTINCT n) FROM c WHERE thread = ?", {int64_t{t}}), kPerThread);
}

TEST(Database, CachedStatementsServeRepeatedAndReentrantCalls) {
  auto db = std::move(Database::open({}).value());
  ASSERT_TRUE(db->exec("CREATE TABLE t (v INTEGER)").ok());
  for (int64_t i = 0; i < 3; ++i) ASSERT_TRUE(db->exec("INSERT INTO t VALUES (?)", {i}).ok());
  // The same SELECT run again from inside its own row callback.
  const std::string select = "SELECT v FROM t WHERE v >= ? ORDER BY v";
  std::vector<int64_t> outer, inner;
  ASSERT_TRUE(db->exec(select, {int64_t{1}}, [&](const Row& r) {
    outer.push_back(r.integer(0));
    ASSERT_TRUE(db->exec(select, {int64_t{2}}, [&](const Row& q) { inner.push_back(q.integer(0)); }).ok());
  }).ok());
  EXPECT_EQ(outer, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(inner, (std::vector<int64_t>{2, 2}));
  // A schema change under a cached statement: it is prepared again.
  ASSERT_TRUE(db->exec("ALTER TABLE t ADD COLUMN w TEXT").ok());
  std::vector<int64_t> after;
  ASSERT_TRUE(db->exec(select, {int64_t{0}}, [&](const Row& r) { after.push_back(r.integer(0)); }).ok());
  EXPECT_EQ(after.size(), 3u);
  // A failed statement leaves its cached form usable.
  EXPECT_FALSE(db->exec("INSERT INTO missing VALUES (?)", {int64_t{1}}).ok());
  EXPECT_FALSE(db->exec("INSERT INTO missing VALUES (?)", {int64_t{1}}).ok());
  ASSERT_TRUE(db->exec("INSERT INTO t(v) VALUES (?)", {int64_t{9}}).ok());
}

}  // namespace
}  // namespace nuage::storage
