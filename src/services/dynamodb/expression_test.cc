#include <gtest/gtest.h>

#include <string>

#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/expression.h"

namespace nuage::services::dynamodb {
namespace {

Value item() {
  return Value{{"pk", {{"S", "user#1"}}},
               {"age", {{"N", "42"}}},
               {"name", {{"S", "Ada Lovelace"}}},
               {"tags", {{"SS", {"math", "poetry"}}}},
               {"scores", {{"NS", {"1", "2"}}}},
               {"active", {{"BOOL", true}}},
               {"nothing", {{"NULL", true}}},
               {"list", {{"L", {{{"S", "a"}}, {{"N", "7"}}, {{"M", {{"deep", {{"S", "x"}}}}}}}}}},
               {"map", {{"M", {{"city", {{"S", "London"}}}, {"zip", {{"N", "1"}}}}}}}};
}

const Value kValues = {{":n", {{"N", "42"}}},   {":low", {{"N", "40"}}},     {":high", {{"N", "50"}}},
                       {":s", {{"S", "Ada"}}},  {":tag", {{"S", "math"}}},   {":t", {{"S", "SS"}}},
                       {":city", {{"S", "London"}}}, {":one", {{"N", "1"}}}, {":list", {{"L", {{{"S", "z"}}}}}},
                       {":set", {{"SS", {"poetry", "music"}}}}, {":seven", {{"N", "7"}}},
                       {":ones", {{"NS", {"1"}}}}, {":both", {{"NS", {"1", "2"}}}}};

Result<bool> check(const std::string& text, const Value& on = item()) {
  Placeholders p(Value{{"#n", "name"}, {"#d", "deep"}}, kValues);
  auto c = parse_condition(text, "ConditionExpression", p);
  if (!c) return c.take_error();
  return evaluate(**c, on);
}

bool holds(const std::string& text) {
  auto r = check(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() && *r;
}

std::string refusal(const std::string& text) {
  auto r = check(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error().message;
}

TEST(DynamoConditions, ComparatorsAndLogic) {
  EXPECT_TRUE(holds("age = :n"));
  EXPECT_TRUE(holds("age <> :low"));
  EXPECT_TRUE(holds("age > :low AND age < :high"));
  EXPECT_TRUE(holds("age >= :n AND age <= :n"));
  EXPECT_FALSE(holds("age < :low"));
  EXPECT_TRUE(holds("age < :low OR age = :n"));
  EXPECT_TRUE(holds("NOT age < :low"));
  EXPECT_TRUE(holds("NOT (age < :low OR age > :high)"));
  EXPECT_TRUE(holds("age BETWEEN :low AND :high"));
  EXPECT_FALSE(holds("age BETWEEN :high AND :low"));
  EXPECT_TRUE(holds("age IN (:low, :n)"));
  EXPECT_FALSE(holds("age IN (:low, :high)"));
  // Different types never order; a missing attribute is unequal to anything.
  EXPECT_FALSE(holds("age > :s"));
  EXPECT_FALSE(holds("missing = :n"));
  EXPECT_TRUE(holds("missing <> :n"));
  // AND binds tighter than OR.
  EXPECT_TRUE(holds("age = :n OR age = :low AND age = :high"));
  EXPECT_TRUE(holds("map.city = :city AND list[1] = :seven AND list[2].#d <> :s OR pk = :s"));
}

TEST(DynamoConditions, Functions) {
  EXPECT_TRUE(holds("attribute_exists(age)"));
  EXPECT_TRUE(holds("attribute_not_exists(nope)"));
  EXPECT_TRUE(holds("attribute_exists(map.city) AND attribute_not_exists(map.street)"));
  EXPECT_TRUE(holds("attribute_type(tags, :t)"));
  EXPECT_TRUE(holds("begins_with(#n, :s)"));
  EXPECT_FALSE(holds("begins_with(age, :s)"));
  EXPECT_TRUE(holds("contains(#n, :s)"));
  EXPECT_TRUE(holds("contains(tags, :tag)"));
  EXPECT_TRUE(holds("contains(list, :seven)"));
  EXPECT_TRUE(holds("size(#n) = :seven OR size(tags) > :one"));
  EXPECT_TRUE(holds("size(map) > :one OR size(list) > :one"));
  EXPECT_FALSE(holds("size(age) > :one"));  // numbers have no size
}

TEST(DynamoConditions, ErrorsAsAwsWordsThem) {
  EXPECT_EQ(refusal("age = :missing"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
            "attribute value: :missing");
  EXPECT_EQ(refusal("#missing = :n"),
            "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; "
            "attribute name: #missing");
  EXPECT_EQ(refusal("age = = :n"), "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :n\"");
  EXPECT_EQ(refusal("age = :n AND"), "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"");
  EXPECT_EQ(refusal("foo(age)"), "Invalid ConditionExpression: Invalid function name; function: foo");
  EXPECT_EQ(refusal("begins_with(age)"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or "
            "function: begins_with, number of operands: 1");
  EXPECT_EQ(refusal("age = if_not_exists(age, :n)"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; "
            "function: if_not_exists");
  EXPECT_EQ(refusal(""), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(refusal("age = :n $"), "Invalid ConditionExpression: Syntax error; token: \"$\", near: \":n $\"");
}

TEST(DynamoConditions, HostileInputIsRefusedNotCrashed) {
  std::string deep(5000, '(');
  EXPECT_NE(refusal(deep + "age = :n").find("Invalid ConditionExpression"), std::string::npos);
  std::string nested;
  for (int i = 0; i < 150; ++i) nested += "(";
  nested += "age = :n";
  for (int i = 0; i < 150; ++i) nested += ")";
  EXPECT_NE(refusal(nested).find("nesting"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 200; ++i) nots += "NOT ";
  EXPECT_NE(refusal(nots + "age = :n").find("nesting"), std::string::npos);
  EXPECT_NE(refusal("list[99999999999] = :n").find("Invalid ConditionExpression"), std::string::npos);
  // Many ORs in a row do not nest: fine while under 4 KB.
  std::string ors = "age = :n";
  for (int i = 0; i < 300; ++i) ors += " OR age = :n";
  EXPECT_TRUE(holds(ors));
}

TEST(DynamoPlaceholders, UnusedAreRefused) {
  Placeholders p(Value{{"#a", "age"}, {"#b", "b"}}, Value{{":v", {{"N", "1"}}}, {":w", {{"N", "2"}}}});
  ASSERT_TRUE(parse_condition("#a = :v", "ConditionExpression", p).ok());
  auto e = p.unused();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}");
}

Result<Value> updated(const std::string& text, Value on = item()) {
  Placeholders p(Value{{"#n", "name"}}, kValues);
  auto actions = parse_update(text, p);
  if (!actions) return actions.take_error();
  NUAGE_TRY(apply_update(*actions, on));
  return on;
}

TEST(DynamoUpdates, SetRemoveAddDelete) {
  auto v = updated("SET age = age + :one, #n = :s, map.zip = :seven, list[0] = :s, list[9] = :n REMOVE active, nothing");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ((*v)["age"], (Value{{"N", "43"}}));
  EXPECT_EQ((*v)["name"], (Value{{"S", "Ada"}}));
  EXPECT_EQ((*v)["map"]["M"]["zip"], (Value{{"N", "7"}}));
  EXPECT_EQ((*v)["list"]["L"][0], (Value{{"S", "Ada"}}));
  EXPECT_EQ((*v)["list"]["L"].size(), 4u);  // past the end: appended
  EXPECT_FALSE(v->contains("active"));
  EXPECT_FALSE(v->contains("nothing"));

  v = updated("SET fresh = if_not_exists(fresh, :one), age = if_not_exists(age, :one), list = list_append(list, :list)");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ((*v)["fresh"], (Value{{"N", "1"}}));
  EXPECT_EQ((*v)["age"], (Value{{"N", "42"}}));
  EXPECT_EQ((*v)["list"]["L"].size(), 4u);

  v = updated("ADD tags :set, counter :seven DELETE scores :ones");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ((*v)["tags"]["SS"], (Value{"math", "poetry", "music"}));
  EXPECT_EQ((*v)["counter"], (Value{{"N", "7"}}));
  EXPECT_EQ((*v)["scores"]["NS"], (Value{"2"}));
  v = updated("DELETE scores :both");  // a set left empty is removed
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->contains("scores"));
  v = updated("REMOVE list[0], list[1]");  // indexes of the list before the update
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)["list"]["L"], (Value{{{"M", {{"deep", {{"S", "x"}}}}}}}));
}

TEST(DynamoUpdates, ErrorsAsAwsWordsThem) {
  auto message = [](const std::string& text) {
    auto v = updated(text);
    EXPECT_FALSE(v.ok()) << text;
    return v.ok() ? "" : v.error().message;
  };
  EXPECT_EQ(message("SET #n = #n + :one"), "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(message("SET a.b = :one"), "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(message("ADD #n :s"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING");
  EXPECT_EQ(message("DELETE tags :one"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER");
  EXPECT_EQ(message("SET age = :one SET #n = :s"),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;");
  EXPECT_EQ(message("SET map = :one REMOVE map.city"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of "
            "these paths; path one: [map], path two: [map, city]");
  EXPECT_EQ(message("SET age = :nine"),
            "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute "
            "value: :nine");
}

TEST(DynamoProjection, PathsAndCompactedLists) {
  Placeholders p(Value{{"#n", "name"}}, Value());
  auto paths = parse_projection("#n, map.city, list[2].deep, list[0], missing", p);
  ASSERT_TRUE(paths.ok()) << paths.error().message;
  Value got = project(item(), *paths);
  EXPECT_EQ(got, (Value{{"name", {{"S", "Ada Lovelace"}}},
                        {"map", {{"M", {{"city", {{"S", "London"}}}}}}},
                        {"list", {{"L", {{{"S", "a"}}, {{"M", {{"deep", {{"S", "x"}}}}}}}}}}}));
  Placeholders q{Value(), Value()};
  auto overlap = parse_projection("a, a.b", q);
  ASSERT_FALSE(overlap.ok());
}

}  // namespace
}  // namespace nuage::services::dynamodb
