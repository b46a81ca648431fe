// The generic tagging operations over a resource store: registered before the
// provider opens its store (as providers do), AWS's validation, the
// resolver's not-found error, and tags kept in the kind's member.
#include "kit/tagging.h"

#include <gtest/gtest.h>

namespace nuage::kit {
namespace {

const storage::Scope kScope{"111111111111", "us-east-1"};

struct TaggingTest : ::testing::Test {
  std::unique_ptr<storage::Database> db = std::move(storage::Database::open({}).value());
  std::unique_ptr<storage::ResourceStore> store;  // opened after registration
  std::mutex mutex;
  OperationTable table;
  const Errors errors{"events", {{"ValidationException", 400}}};

  void SetUp() override {
    TaggingSpec spec;
    spec.max_tags = 3;
    add_tagging(table, spec, errors, store, mutex,
                [this](const RequestContext&, const std::string& arn) -> Result<TaggedResource> {
                  std::string id = arn.substr(arn.rfind('/') + 1);
                  if (!store->get(kScope, "rule", id))
                    return errors("ResourceNotFoundException", "Rule " + id + " does not exist.");
                  return TaggedResource{kScope, "rule", id};
                });
    storage::ResourceStore::Options o;
    o.service = "test";
    o.kinds["rule"] = {"_Tags", false};
    store = std::move(storage::ResourceStore::open(*db, std::move(o)).value());
    ASSERT_TRUE(store->put(kScope, "rule", "r1", {{"Name", "r1"}}).ok());
  }

  Result<Output> call(const std::string& op, const Value& in) {
    RequestContext ctx;
    return table.find(op)->handler(ctx, in);
  }
  static Value tag_list(std::initializer_list<std::pair<const char*, const char*>> tags) {
    Value out = Value::array();
    for (const auto& [k, v] : tags) out.push_back({{"Key", k}, {"Value", v}});
    return out;
  }
};

const char* kArn = "arn:aws:events:us-east-1:111111111111:rule/r1";

TEST_F(TaggingTest, TagsAreAddedOverwrittenListedAndRemoved) {
  ASSERT_TRUE(call("TagResource", {{"ResourceARN", kArn}, {"Tags", tag_list({{"a", "1"}, {"b", "2"}})}}).ok());
  ASSERT_TRUE(call("TagResource", {{"ResourceARN", kArn}, {"Tags", tag_list({{"a", "3"}})}}).ok());
  auto listed = call("ListTagsForResource", {{"ResourceARN", kArn}});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->value["Tags"], tag_list({{"a", "3"}, {"b", "2"}}));
  // Kept in the kind's member.
  EXPECT_EQ((*store->get(kScope, "rule", "r1"))["_Tags"], tag_list({{"a", "3"}, {"b", "2"}}));
  ASSERT_TRUE(call("UntagResource", {{"ResourceARN", kArn}, {"TagKeys", Value::array({"a"})}}).ok());
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceARN", kArn}})->value["Tags"], tag_list({{"b", "2"}}));
}

TEST_F(TaggingTest, RefusedTagsChangeNothing) {
  auto reserved = call("TagResource", {{"ResourceARN", kArn}, {"Tags", tag_list({{"aws:x", "1"}})}});
  ASSERT_FALSE(reserved.ok());
  EXPECT_EQ(reserved.error().code, "ValidationException");
  auto many = call("TagResource",
                   {{"ResourceARN", kArn}, {"Tags", tag_list({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}})}});
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().status, 400);
  EXPECT_TRUE(store->tags(kScope, "rule", "r1").empty());
}

TEST_F(TaggingTest, AnUnknownArnIsTheResolversError) {
  std::string missing = "arn:aws:events:us-east-1:111111111111:rule/nope";
  for (const char* op : {"TagResource", "UntagResource", "ListTagsForResource"}) {
    auto r = call(op, {{"ResourceARN", missing}, {"Tags", tag_list({{"a", "1"}})}, {"TagKeys", Value::array({"a"})}});
    ASSERT_FALSE(r.ok()) << op;
    EXPECT_EQ(r.error().code, "ResourceNotFoundException");
    EXPECT_EQ(r.error().message, "Rule nope does not exist.");
  }
}

TEST_F(TaggingTest, EachOperationIsAuthorizedOnTheArnItNames) {
  RequestContext ctx;
  ctx.operation = "TagResource";
  auto auth = table.authorization("TagResource", ctx, Value{{"ResourceARN", kArn}});
  ASSERT_EQ(auth.targets.size(), 1u);
  EXPECT_EQ(auth.targets[0].resource, kArn);
}

}  // namespace
}  // namespace nuage::kit
