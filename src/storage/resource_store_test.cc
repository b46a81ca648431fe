// The resource store: scoping, copy-on-write sharing, pagination, tags,
// transactions, change announcements, reload after a restart, and a failed
// migration reported as an error.
#include "storage/resource_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto.h"
#include "common/text.h"

namespace nuage::storage {
namespace {

namespace fs = std::filesystem;

const Scope kA{"111111111111", "us-east-1"};
const Scope kB{"222222222222", "eu-west-1"};

std::unique_ptr<ResourceStore> open_store(Database& db, events::Bus* bus = nullptr,
                                          std::vector<std::string> legacy = {}) {
  ResourceStore::Options o;
  o.service = "test";
  o.legacy_migrations = std::move(legacy);
  o.kinds["mapped"] = {"tags", true};
  o.bus = bus;
  auto store = ResourceStore::open(db, std::move(o));
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(*store) : nullptr;
}

struct StoreTest : ::testing::Test {
  std::unique_ptr<Database> db = std::move(Database::open({}).value());
};

TEST_F(StoreTest, DocumentsAreScopedByAccountAndRegion) {
  auto store = open_store(*db);
  ASSERT_TRUE(store->put(kA, "thing", "t-1", {{"Name", "a"}}).ok());
  ASSERT_TRUE(store->put(kB, "thing", "t-1", {{"Name", "b"}}).ok());
  EXPECT_EQ((*store->get(kA, "thing", "t-1"))["Name"], "a");
  EXPECT_EQ((*store->get(kB, "thing", "t-1"))["Name"], "b");
  EXPECT_EQ(store->get(Scope{"111111111111", "eu-west-1"}, "thing", "t-1"), nullptr);
  EXPECT_EQ(store->all(kA, "thing").size(), 1u);
  EXPECT_EQ(store->all(kA, "other").size(), 0u);
  ASSERT_TRUE(store->erase(kA, "thing", "t-1").ok());
  EXPECT_EQ(store->get(kA, "thing", "t-1"), nullptr);
  EXPECT_NE(store->get(kB, "thing", "t-1"), nullptr);
}

TEST_F(StoreTest, SharedDocumentsAreCopiedOnWrite) {
  auto store = open_store(*db);
  ASSERT_TRUE(store->put(kA, "thing", "t-1", {{"State", "running"}}).ok());
  std::shared_ptr<const Document> answer = store->share(kA, "thing", "t-1");
  Document* doc = store->find(kA, "thing", "t-1");
  ASSERT_NE(doc, nullptr);
  EXPECT_NE(static_cast<const Document*>(doc), answer.get());  // a copy: the answer still holds the original
  (*doc)["State"] = "stopped";
  ASSERT_TRUE(store->put(kA, "thing", "t-1", *doc).ok());
  EXPECT_EQ((*answer)["State"], "running");
  EXPECT_EQ((*store->get(kA, "thing", "t-1"))["State"], "stopped");
  // Nobody holds it now: found in place.
  answer.reset();
  const Document* before = store->get(kA, "thing", "t-1");
  EXPECT_EQ(store->find(kA, "thing", "t-1"), before);
}

TEST_F(StoreTest, PagesResumeAfterTheTokensId) {
  auto store = open_store(*db);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->put(kA, "thing", "t-" + std::to_string(i), {{"i", i}}).ok());
  auto view = store->all(kA, "thing");
  std::vector<std::string> seen;
  std::string token;
  while (true) {
    auto it = token.empty() ? view.begin() : view.after(*ResourceStore::from_page_token(token));
    int n = 0;
    std::string last;
    for (; it != view.end() && n < 2; ++it, ++n) {
      last = (*it).first;
      seen.push_back(last);
    }
    if (!(it != view.end())) break;
    token = ResourceStore::page_token(last);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"t-0", "t-1", "t-2", "t-3", "t-4"}));
  EXPECT_FALSE(ResourceStore::from_page_token("not base64!").has_value());
}

TEST_F(StoreTest, TagsInListAndMapFormsAreIndexed) {
  auto store = open_store(*db);
  ASSERT_TRUE(store->put(kA, "thing", "t-1", {{"Tags", {{{"Key", "env"}, {"Value", "dev"}}}}}).ok());
  ASSERT_TRUE(store->put(kA, "mapped", "m-1", {{"Name", "m"}}).ok());
  ASSERT_TRUE(store->tag(kA, "mapped", "m-1", {{"env", "dev"}, {"team", "a"}}).ok());
  EXPECT_TRUE((*store->get(kA, "mapped", "m-1"))["tags"].is_object());
  EXPECT_EQ((*store->get(kA, "mapped", "m-1"))["tags"]["team"], "a");
  ASSERT_NE(store->tagged(kA, "thing", "env", "dev"), nullptr);
  EXPECT_EQ(store->tagged(kA, "thing", "env", "dev")->count("t-1"), 1u);
  EXPECT_EQ(store->tagged(kA, "mapped", "team", "a")->count("m-1"), 1u);
  ASSERT_TRUE(store->tag(kA, "thing", "t-1", {{"env", "prod"}}).ok());
  EXPECT_EQ(store->tagged(kA, "thing", "env", "dev"), nullptr);
  EXPECT_EQ(store->tags(kA, "thing", "t-1"), (Tags{{"env", "prod"}}));
  ASSERT_TRUE(store->untag(kA, "mapped", "m-1", {"env"}).ok());
  EXPECT_EQ(store->tags(kA, "mapped", "m-1"), (Tags{{"team", "a"}}));
  EXPECT_EQ(store->tagged(kA, "mapped", "env", "dev"), nullptr);
}

TEST_F(StoreTest, AFailedTransactionLeavesDocumentsAndAnnouncesNothing) {
  events::Bus bus;
  std::vector<std::string> changes;
  bus.subscribe_changes([&](const events::ResourceChange& c) {
    changes.push_back(c.id + (c.document ? ":put" : ":erase"));
  });
  auto store = open_store(*db, &bus);
  ASSERT_TRUE(store->put(kA, "thing", "keep", {{"v", 1}}).ok());
  bus.drain_changes();
  changes.clear();
  Status s = store->transaction([&]() -> Status {
    Document* doc = store->find(kA, "thing", "keep");
    (*doc)["v"] = 2;
    NUAGE_TRY(store->put(kA, "thing", "keep", *doc));
    NUAGE_TRY(store->put(kA, "thing", "new", {{"v", 1}}));
    return internal_error("give up");
  });
  EXPECT_FALSE(s.ok());
  bus.drain_changes();
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ((*store->get(kA, "thing", "keep"))["v"], 1);
  EXPECT_EQ(store->get(kA, "thing", "new"), nullptr);
  // And the database agrees: a reload sees the same.
  auto reloaded = open_store(*db);
  EXPECT_EQ((*reloaded->get(kA, "thing", "keep"))["v"], 1);
  EXPECT_EQ(reloaded->get(kA, "thing", "new"), nullptr);

  ASSERT_TRUE(store->transaction([&]() -> Status {
    NUAGE_TRY(store->put(kA, "thing", "new", {{"v", 1}}));
    return store->erase(kA, "thing", "keep");
  }).ok());
  bus.drain_changes();
  EXPECT_EQ(changes, (std::vector<std::string>{"new:put", "keep:erase"}));
}

TEST_F(StoreTest, ChangesCarryTheStoredDocument) {
  events::Bus bus;
  std::vector<events::ResourceChange> changes;
  bus.subscribe_changes([&](const events::ResourceChange& c) { changes.push_back(c); });
  auto store = open_store(*db, &bus);
  ASSERT_TRUE(store->put(kA, "thing", "t-1", {{"v", 1}}).ok());
  ASSERT_TRUE(store->erase(kA, "thing", "t-1").ok());
  bus.drain_changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].service, "test");
  EXPECT_EQ(changes[0].kind, "thing");
  EXPECT_EQ(changes[0].account, kA.account);
  EXPECT_EQ((*changes[0].document)["v"], 1);
  EXPECT_EQ(changes[1].document, nullptr);
  EXPECT_EQ((*changes[1].deleted)["v"], 1);
}

TEST_F(StoreTest, AGuardedStoreAnswersInventoryRequests) {
  events::Bus bus;
  std::mutex guard;
  std::vector<events::ResourceChange> changes;
  bus.subscribe_changes([&](const events::ResourceChange& c) { changes.push_back(c); });
  ResourceStore::Options o;
  o.service = "test";
  o.bus = &bus;
  o.guard = &guard;
  auto store = std::move(ResourceStore::open(*db, std::move(o)).value());
  ASSERT_TRUE(store->put(kA, "thing", "t-1", {{"v", 1}}).ok());
  ASSERT_TRUE(store->put(kA, "other", "o-1", {{"v", 2}}).ok());
  ASSERT_TRUE(store->put(kB, "thing", "t-2", {{"v", 3}}).ok());
  bus.drain_changes();
  changes.clear();
  bus.request_inventory(kA.account, kA.region);
  bus.drain_changes();
  ASSERT_EQ(changes.size(), 2u);  // kA's documents only
  for (const auto& c : changes) {
    EXPECT_EQ(c.account, kA.account);
    EXPECT_NE(c.document, nullptr);
  }
  changes.clear();
  bus.request_inventory(kB.account, "");  // every region
  bus.drain_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].id, "t-2");
  // A store that is gone answers no more.
  store.reset();
  changes.clear();
  bus.request_inventory(kA.account, kA.region);
  bus.drain_changes();
  EXPECT_TRUE(changes.empty());
}

TEST(ResourceStoreFile, DocumentsSurviveAReopen) {
  fs::path dir = fs::temp_directory_path() / ("nuage-store-" + text::hex_encode(crypto::random_bytes(6)));
  fs::create_directories(dir);
  {
    auto db = std::move(Database::open(dir / "nuage.db").value());
    auto store = open_store(*db);
    ASSERT_TRUE(store->put(kA, "thing", "t-1", {{"Tags", {{{"Key", "k"}, {"Value", "v"}}}}}).ok());
  }
  {
    auto db = std::move(Database::open(dir / "nuage.db").value());
    auto store = open_store(*db);
    ASSERT_NE(store->get(kA, "thing", "t-1"), nullptr);
    ASSERT_NE(store->tagged(kA, "thing", "k", "v"), nullptr);
  }
  fs::remove_all(dir);
}

TEST_F(StoreTest, AFailedMigrationIsAnError) {
  ResourceStore::Options o;
  o.service = "broken";
  o.legacy_migrations = {"CREATE TABLE oops (", "SELECT 1"};
  auto store = ResourceStore::open(*db, std::move(o));
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("incomplete input"), std::string::npos) << store.error().message;
}

TEST_F(StoreTest, LegacyRowsMoveIn) {
  ASSERT_TRUE(db->migrate("test", {"CREATE TABLE old_things (account TEXT, region TEXT, id TEXT, doc TEXT)"}).ok());
  ASSERT_TRUE(db->exec("INSERT INTO old_things VALUES ('111111111111', 'us-east-1', 'o-1', '{\"v\": 7}')").ok());
  auto store = open_store(*db, nullptr,
                          {"CREATE TABLE old_things (account TEXT, region TEXT, id TEXT, doc TEXT)",
                           "INSERT INTO resources SELECT 'test', account, region, 'thing', id, doc FROM old_things",
                           "DROP TABLE old_things"});
  ASSERT_NE(store->get(kA, "thing", "o-1"), nullptr);
  EXPECT_EQ((*store->get(kA, "thing", "o-1"))["v"], 7);
}

TEST_F(StoreTest, LegacyRowsMoveInFromAComponentOfAnotherName) {
  // A provider whose table was migrated under another component name: its
  // first step (the table's creation) is not run again.
  ASSERT_TRUE(db->migrate("old-name", {"CREATE TABLE old_things (account TEXT, region TEXT, id TEXT, doc TEXT)"}).ok());
  ASSERT_TRUE(db->exec("INSERT INTO old_things VALUES ('111111111111', 'us-east-1', 'o-1', '{\"v\": 7}')").ok());
  ResourceStore::Options o;
  o.service = "test";
  o.legacy_component = "old-name";
  o.legacy_migrations = {"CREATE TABLE old_things (account TEXT, region TEXT, id TEXT, doc TEXT)",
                         "INSERT INTO resources SELECT 'test', account, region, 'thing', id, doc FROM old_things",
                         "DROP TABLE old_things"};
  auto store = ResourceStore::open(*db, std::move(o));
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_NE((*store)->get(kA, "thing", "o-1"), nullptr);
  EXPECT_EQ((*(*store)->get(kA, "thing", "o-1"))["v"], 7);
}

TEST_F(StoreTest, AnIdPrefixIsOneRangeFromItsFirstId) {
  auto store = open_store(*db);
  for (const char* id : {"a-b/1", "a/1", "a/2", "a0/1", "b/1"}) ASSERT_TRUE(store->put(kA, "thing", id, {}).ok());
  auto view = store->all(kA, "thing");
  std::vector<std::string> seen;
  for (auto it = view.from("a/"); it != view.end() && text::starts_with((*it).first, "a/"); ++it)
    seen.push_back((*it).first);
  EXPECT_EQ(seen, (std::vector<std::string>{"a/1", "a/2"}));
  // from() includes the id itself, after() does not.
  EXPECT_EQ((*view.from("a/1")).first, "a/1");
  EXPECT_EQ((*view.after("a/1")).first, "a/2");
  EXPECT_FALSE(store->all(kB, "thing").from("a/") != store->all(kB, "thing").end());
}

}  // namespace
}  // namespace nuage::storage
