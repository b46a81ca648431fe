#include "services/apigatewayv2/routing.h"

#include <gtest/gtest.h>

namespace nuage::services::apigatewayv2 {
namespace {

const std::vector<std::string> kRoutes = {"GET /items/{id}", "GET /items/special", "ANY /items/{id}",
                                          "ANY /{proxy+}",   "GET /files/{path+}", "$default"};

TEST(RouteMatching, LiteralBeatsVariable) {
  auto m = match_route(kRoutes, "GET", "/items/special");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route_key, "GET /items/special");
  EXPECT_TRUE(m->path_parameters.empty());
}

TEST(RouteMatching, VariableCapturesSegment) {
  auto m = match_route(kRoutes, "GET", "/items/42");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route_key, "GET /items/{id}");
  EXPECT_EQ(m->path_parameters.at("id"), "42");
}

TEST(RouteMatching, MethodBeatsAny) {
  EXPECT_EQ(match_route(kRoutes, "DELETE", "/items/42")->route_key, "ANY /items/{id}");
  EXPECT_EQ(match_route(kRoutes, "GET", "/items/42")->route_key, "GET /items/{id}");
}

TEST(RouteMatching, GreedyTakesTheRest) {
  auto m = match_route(kRoutes, "GET", "/files/a/b/c.txt");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route_key, "GET /files/{path+}");
  EXPECT_EQ(m->path_parameters.at("path"), "a/b/c.txt");
  auto any = match_route(kRoutes, "POST", "/x/y");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->route_key, "ANY /{proxy+}");
  EXPECT_EQ(any->path_parameters.at("proxy"), "x/y");
}

TEST(RouteMatching, DefaultTakesWhatNothingElseMatches) {
  EXPECT_EQ(match_route(kRoutes, "GET", "/")->route_key, "$default");
  EXPECT_FALSE(match_route({"GET /a"}, "GET", "/b"));
  EXPECT_FALSE(match_route({"GET /a"}, "GET", "/a/b"));
  EXPECT_FALSE(match_route({"GET /a/{b}"}, "GET", "/a"));
}

TEST(RouteKeys, ProblemsAreNamed) {
  EXPECT_EQ(route_key_problem("$default"), "");
  EXPECT_EQ(route_key_problem("GET /items/{id}"), "");
  EXPECT_EQ(route_key_problem("ANY /{proxy+}"), "");
  EXPECT_NE(route_key_problem("FETCH /a"), "");
  EXPECT_NE(route_key_problem("GET a"), "");
  EXPECT_NE(route_key_problem("GET /{proxy+}/more"), "");
  EXPECT_NE(route_key_problem("GET /{a}/{a}"), "");
  EXPECT_NE(route_key_problem("GET"), "");
}

}  // namespace
}  // namespace nuage::services::apigatewayv2
