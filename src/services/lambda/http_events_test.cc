#include "services/lambda/http_events.h"

#include <gtest/gtest.h>

namespace nuage::services::lambda {
namespace {

TEST(HttpEvents, TextContentTypes) {
  EXPECT_TRUE(is_text_content("text/plain; charset=utf-8"));
  EXPECT_TRUE(is_text_content("application/json"));
  EXPECT_TRUE(is_text_content("application/vnd.api+json"));
  EXPECT_TRUE(is_text_content(""));
  EXPECT_FALSE(is_text_content("application/octet-stream"));
  EXPECT_FALSE(is_text_content("image/png"));
  EXPECT_FALSE(is_text_content("application/x-www-form-urlencoded"));
}

TEST(HttpEvents, Version2SimpleFormIsAJsonBody) {
  http::Response res;
  ASSERT_TRUE(http_response_from(R"({"hello":"world"})", true, res));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("content-type"), "application/json");
  EXPECT_EQ(res.body, R"({"hello":"world"})");
  ASSERT_TRUE(http_response_from(R"("just a string")", true, res));
  EXPECT_EQ(res.body, R"("just a string")");
  // 1.0 requires statusCode.
  EXPECT_FALSE(http_response_from(R"({"hello":"world"})", false, res));
}

TEST(HttpEvents, FullFormMapsEveryMember) {
  http::Response res;
  ASSERT_TRUE(http_response_from(
      R"({"statusCode": 418, "headers": {"x-a": "1", "x-n": 2}, "multiValueHeaders": {"x-m": ["p", "q"]},
          "cookies": ["c=1", "d=2"], "body": "AAH/", "isBase64Encoded": true})",
      true, res));
  EXPECT_EQ(res.status, 418);
  EXPECT_EQ(res.headers.get("x-a"), "1");
  EXPECT_EQ(res.headers.get("x-n"), "2");
  EXPECT_EQ(res.body, std::string("\x00\x01\xff", 3));
  int multi = 0, cookies = 0;
  for (const auto& [name, value] : res.headers.items()) {
    multi += name == "x-m";
    cookies += name == "set-cookie";
  }
  EXPECT_EQ(multi, 2);
  EXPECT_EQ(cookies, 2);
  // 1.0 has no cookies member.
  ASSERT_TRUE(http_response_from(R"({"statusCode": 200, "cookies": ["c=1"]})", false, res));
  EXPECT_FALSE(res.headers.contains("set-cookie"));
}

TEST(HttpEvents, MalformedAnswersAreRefused) {
  http::Response res;
  EXPECT_FALSE(http_response_from("not json", true, res));
  EXPECT_FALSE(http_response_from(R"({"statusCode": "teapot"})", true, res));
  EXPECT_FALSE(http_response_from(R"({"statusCode": 200, "body": "%%%", "isBase64Encoded": true})", true, res));
}

}  // namespace
}  // namespace nuage::services::lambda
