#include <gtest/gtest.h>

#include "services/tag_list.h"

using nuage::kit::Value;
using nuage::services::merge_tags;
using nuage::services::remove_tags;

TEST(TagList, MergeReplacesByKeyAndAppends) {
  Value tags = {{{"Key", "a"}, {"Value", "1"}}, {{"Key", "b"}, {"Value", "2"}}};
  Value merged = merge_tags(tags, Value{{{"Key", "b"}, {"Value", "3"}}, {{"Key", "c"}}});
  EXPECT_EQ(merged, (Value{{{"Key", "a"}, {"Value", "1"}}, {{"Key", "b"}, {"Value", "3"}},
                           {{"Key", "c"}, {"Value", ""}}}));
  EXPECT_EQ(merge_tags(Value(), Value{{{"Key", "x"}, {"Value", "y"}}}).size(), 1u);
}

TEST(TagList, RemoveByKey) {
  Value tags = {{{"Key", "a"}, {"Value", "1"}}, {{"Key", "b"}, {"Value", "2"}}};
  EXPECT_EQ(remove_tags(tags, Value{"b", "zz"}), (Value{{{"Key", "a"}, {"Value", "1"}}}));
  EXPECT_EQ(remove_tags(Value(), Value{"a"}), Value::array());
}
