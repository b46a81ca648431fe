// Unit tests of the stream store: AWS's sequence number form, appends in
// order with one counter for all streams, reads after a position within
// their limits, and the 24-hour trim of records and disabled streams.
#include "services/dynamodb/stream_store.h"

#include <gtest/gtest.h>

namespace nuage::services::dynamodb {
namespace {

StreamInfo stream_named(const std::string& arn, double created) {
  StreamInfo s;
  s.arn = arn;
  s.account = "000000000000";
  s.region = "us-east-1";
  s.table_name = "t";
  s.label = "label";
  s.view_type = "KEYS_ONLY";
  s.shard_id = "shardId-00000000000000000001-00000000";
  s.created = created;
  return s;
}

kit::Value change(const std::string& key) {
  return {{"eventName", "INSERT"}, {"dynamodb", {{"Keys", {{"pk", {{"S", key}}}}}}}};
}

TEST(StreamSequence, TwentyOneDigitsBothWays) {
  EXPECT_EQ(format_sequence(42), "100000000000000000042");
  EXPECT_EQ(parse_sequence("100000000000000000042"), 42);
  EXPECT_EQ(parse_sequence("42"), std::nullopt);
  EXPECT_EQ(parse_sequence("200000000000000000042"), std::nullopt);
  EXPECT_EQ(parse_sequence("10000000000000000004x"), std::nullopt);
}

TEST(StreamStore, AppendsReadInOrderAndTrimAfterADay) {
  auto db = storage::Database::open("");
  ASSERT_TRUE(db);
  StreamStore store(**db);
  ASSERT_TRUE(store.open().ok());
  auto a = store.create(stream_named("arn:a", 0));
  auto b = store.create(stream_named("arn:b", 0));
  ASSERT_TRUE(a && b);
  auto first = store.append("arn:a", 10, change("1"));
  auto other = store.append("arn:b", 10, change("x"));
  auto second = store.append("arn:a", 20000, change("2"));
  ASSERT_TRUE(first && other && second);
  EXPECT_LT(*first, *other);
  EXPECT_LT(*other, *second);
  auto rows = store.read("arn:a", 0, 10, 1 << 20);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(kit::Value::parse((*rows)[0].record)["dynamodb"]["SequenceNumber"], format_sequence(*first));
  EXPECT_EQ(store.read("arn:a", *first, 10, 1 << 20)->size(), 1u);
  EXPECT_EQ(store.read("arn:a", 0, 1, 1 << 20)->size(), 1u);
  EXPECT_EQ(store.read("arn:a", 0, 10, 1)->size(), 1u);  // at least one record within the bytes

  ASSERT_TRUE(store.trim(10 + kStreamRetentionSeconds + 1).ok());
  auto kept = store.read("arn:a", 0, 10, 1 << 20);
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].sequence, *second);
  auto found = store.find("arn:a");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->trimmed_through, *first);
  EXPECT_EQ((*found)->last_sequence, *second);

  ASSERT_TRUE(store.disable("arn:b", 100).ok());
  ASSERT_TRUE(store.trim(100 + kStreamRetentionSeconds + 1).ok());
  EXPECT_FALSE(*store.find("arn:b"));
  EXPECT_EQ(store.list("000000000000", "us-east-1", "")->size(), 1u);
}

}  // namespace
}  // namespace nuage::services::dynamodb
