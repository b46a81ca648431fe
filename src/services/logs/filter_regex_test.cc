// The filter-pattern regex subset against expected matches, and the inputs
// that made std::regex backtrack exponentially or overflow its stack.
#include "services/logs/filter_regex.h"

#include <gtest/gtest.h>

#include <string>

namespace nuage::services::logs {
namespace {

bool matches(std::string_view expression, std::string_view text) {
  auto re = FilterRegex::compile(expression);
  EXPECT_TRUE(re) << expression;
  return re && re->search(text);
}

TEST(FilterRegex, Subset) {
  EXPECT_TRUE(matches("AUTHORIZED", "[SUCCESS 200] UNAUTHORIZED REQUEST"));
  EXPECT_TRUE(matches("^[hc]at", "hat trick"));
  EXPECT_FALSE(matches("^[hc]at", "that"));
  EXPECT_TRUE(matches("[hc]at$", "that"));
  EXPECT_FALSE(matches("[hc]at$", "hats"));
  EXPECT_TRUE(matches("colou?r", "color"));
  EXPECT_TRUE(matches("colou?r", "colour"));
  EXPECT_FALSE(matches("colou?r", "colouur"));
  EXPECT_TRUE(matches("a{3,5}", "xaaay"));
  EXPECT_FALSE(matches("^a{3,5}$", "aaaaaa"));
  EXPECT_TRUE(matches("^a{3,}$", "aaaaaa"));
  EXPECT_TRUE(matches("^a{2}b$", "aab"));
  EXPECT_TRUE(matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}", "from 10.0.12.255 port"));
  EXPECT_FALSE(matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}", "from 10.0.12 port"));
  EXPECT_TRUE(matches("[Ee]rror|[Ff]ail", "job FAILED: Fail"));
  EXPECT_TRUE(matches("[Ee]rror|[Ff]ail", "an error"));
  EXPECT_FALSE(matches("[Ee]rror|[Ff]ail", "ok"));
  EXPECT_TRUE(matches("ERR[0-9]+", "code ERR42"));
  EXPECT_FALSE(matches("ERR[0-9]+", "code ERRx"));
  EXPECT_TRUE(matches("[^a-z ]+", "abc DEF"));
  EXPECT_FALSE(matches("^[^a-z]+$", "abcDEF"));
  EXPECT_TRUE(matches("a.c", "abc"));
  EXPECT_TRUE(matches("\\w+@\\w+", "mail: user@host"));
  EXPECT_TRUE(matches("\\s\\S", "a b"));
  EXPECT_TRUE(matches("x*", ""));
  EXPECT_TRUE(matches("[]x]", "]"));
  EXPECT_TRUE(matches("[a\\]]", "]"));
}

TEST(FilterRegex, RefusesWhatCloudWatchRefuses) {
  for (const char* bad : {"(a)", "a|(b)", "*a", "a**", "a{2", "a{3,2}", "a{0}", "[a-", "[z-a]", "\\", "a\\1", "^^a",
                          "a$b", "a||b", "|a", "a{99999}"})
    EXPECT_FALSE(FilterRegex::compile(bad)) << bad;
  EXPECT_FALSE(FilterRegex::compile(std::string(FilterRegex::kMaxNodes + 1, 'a')));
  EXPECT_FALSE(FilterRegex::compile("a{300}b{300}"));
}

TEST(FilterRegex, LinearOnHostileInput) {
  // What the fuzzer found: nested repetition that std::regex explored
  // exponentially; and a long message std::regex recursed through per byte.
  std::string message(200000, 'a');
  EXPECT_FALSE(matches("a*a*a*a*a*a*a*a*a*a*b", message));
  EXPECT_TRUE(matches("=*=*=*=*=*=*", "=====x"));
  EXPECT_TRUE(matches(".*.*.*a$", message));
  EXPECT_FALSE(matches("[ab]*c", message));
}

}  // namespace
}  // namespace nuage::services::logs
