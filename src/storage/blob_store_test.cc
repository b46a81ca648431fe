#include "storage/blob_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

namespace nuage::storage {
namespace {

namespace fs = std::filesystem;

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("nuage-blob-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void write(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary);
    out << bytes;
  }
  // Files left in the store's temporary folder.
  size_t temp_files() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(root_ / "tmp")) ++n;
    return n;
  }
  fs::path root_;
};

TEST_F(BlobStoreTest, PutStoresBytesUnderRoot) {
  BlobStore store(root_);
  ASSERT_TRUE(store.open().ok());
  std::string bytes("binary\0data\xff", 12);
  auto id = store.put(bytes);
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(store.exists(*id));
  fs::path p = store.path(*id);
  EXPECT_EQ(read(p), bytes);
  // The blob lives inside the root, never in the temporary folder.
  auto rel = fs::relative(p, root_);
  EXPECT_FALSE(rel.empty());
  EXPECT_NE(*rel.begin(), "..");
  EXPECT_NE(*rel.begin(), "tmp");
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(BlobStoreTest, EmptyBlob) {
  BlobStore store(root_);
  ASSERT_TRUE(store.open().ok());
  auto id = store.put("");
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(store.exists(*id));
  EXPECT_EQ(fs::file_size(store.path(*id)), 0u);
}

TEST_F(BlobStoreTest, IdsAreUniqueAndNeverContainPathSeparators) {
  BlobStore store(root_);
  ASSERT_TRUE(store.open().ok());
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    auto id = store.put("same bytes");
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->find('/'), std::string::npos) << *id;
    EXPECT_EQ(id->find('\\'), std::string::npos) << *id;
    EXPECT_EQ(id->find(".."), std::string::npos) << *id;
    EXPECT_GT(id->size(), 2u);
    ids.insert(*id);
  }
  EXPECT_EQ(ids.size(), 200u);  // same content, distinct blobs
}

TEST_F(BlobStoreTest, AdoptMovesTheFile) {
  BlobStore store(root_);
  ASSERT_TRUE(store.open().ok());
  fs::path spooled = store.temp_path();
  EXPECT_EQ(spooled.parent_path(), root_ / "tmp");
  write(spooled, "spooled body");
  auto id = store.adopt(spooled);
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(fs::exists(spooled));
  EXPECT_EQ(read(store.path(*id)), "spooled body");
}

TEST_F(BlobStoreTest, AdoptMissingFileFails) {
  BlobStore store(root_);
  ASSERT_TRUE(store.open().ok());
  auto id = store.adopt(root_ / "tmp" / "does-not-exist");
  EXPECT_FALSE(id.ok());
}

TEST_F(BlobStoreTest, RemoveDeletesOnlyThatBlob) {
  BlobStore store(root_);
  ASSERT_TRUE(store.open().ok());
  auto a = store.put("a");
  auto b = store.put("b");
  ASSERT_TRUE(a.ok() && b.ok());
  store.remove(*a);
  EXPECT_FALSE(store.exists(*a));
  EXPECT_TRUE(store.exists(*b));
  store.remove(*a);  // removing twice is harmless
  store.remove("");  // as are ids too short to name a blob
  store.remove("ab");
  EXPECT_FALSE(store.exists(""));
  EXPECT_TRUE(store.exists(*b));
}

TEST_F(BlobStoreTest, TemporaryFilesCleanedAtStart) {
  std::string id;
  {
    BlobStore store(root_);
    ASSERT_TRUE(store.open().ok());
    auto stored = store.put("kept");
    ASSERT_TRUE(stored.ok());
    id = *stored;
    // A crash mid-write leaves temporary files behind.
    write(store.temp_path(), "half written");
    write(store.temp_path(), "another");
    EXPECT_EQ(temp_files(), 2u);
  }
  BlobStore reopened(root_);
  ASSERT_TRUE(reopened.open().ok());
  EXPECT_EQ(temp_files(), 0u);
  EXPECT_TRUE(reopened.exists(id));
  EXPECT_EQ(read(reopened.path(id)), "kept");
}

}  // namespace
}  // namespace nuage::storage
