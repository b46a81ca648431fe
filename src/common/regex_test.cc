// Java-dialect model patterns on PCRE2 (regex.h).
#include "common/regex.h"

#include <gtest/gtest.h>

#include "model/model.h"

namespace nuage {
namespace {

bool whole(const std::string& pattern, const std::string& value) {
  const Regex* re = model_pattern(pattern);
  EXPECT_NE(re, nullptr) << pattern;
  return re && re->match(value) == Regex::Match::kYes;
}

TEST(Regex, WholeValueSemantics) {
  EXPECT_TRUE(whole("[\\w+=,.@-]+", "alice@example.com"));
  EXPECT_FALSE(whole("[\\w+=,.@-]+", "bad name"));  // a find() would match "bad"
  EXPECT_FALSE(whole("[\\w+=,.@-]+", ""));
  EXPECT_TRUE(whole("$|kafka://x", ""));
  EXPECT_FALSE(whole("^.{1,3}$", "abc\n"));
}

TEST(Regex, JavaConstructsTranslate) {
  EXPECT_EQ(translate_java("\\u002F[\\u0021-\\u007E]+"), "\\x{2F}[\\x{21}-\\x{7E}]+");
  // A surrogate pair is one code point past the BMP.
  EXPECT_EQ(translate_java("[\\uD800\\uDC00-\\uDBFF\\uDFFF]"), "[\\x{10000}-\\x{10FFFF}]");
  EXPECT_EQ(translate_java("\\uD800"), std::nullopt);
  // A '-' after a class escape is literal in Java.
  EXPECT_EQ(translate_java("[\\w-_]*"), "[\\w\\-_]*");
  EXPECT_EQ(translate_java("[a-z\\d-_/]"), "[a-z\\d\\-_/]");
  // Java's POSIX classes, in and out of a class.
  EXPECT_EQ(translate_java("\\p{Print}+"), "[[:print:]]+");
  EXPECT_EQ(translate_java("[\\p{Alnum}_]"), "[[:alnum:]_]");
  EXPECT_EQ(translate_java("\\p{L}"), "\\p{L}");
  // Counted repeats past PCRE2's limit become open-ended.
  EXPECT_EQ(translate_java("^.{1,100000}$"), "^.{1,}$");
  EXPECT_TRUE(whole("\\p{Print}+", "hello world"));
  EXPECT_FALSE(whole("\\p{Print}+", "tab\there"));
  EXPECT_TRUE(whole("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", "caf\xC3\xA9 2"));
  EXPECT_TRUE(whole("[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
                    "arn:aws:iam::000000000000:role/r"));
}

TEST(Regex, OneClassPatternsDecideAsciiByTable) {
  // "[class]+" / "[class]*": ASCII values by the class's table, others by PCRE2.
  EXPECT_TRUE(whole("[\\w+=,.@-]+", "alice.smith@example.com"));
  EXPECT_FALSE(whole("[\\w+=,.@-]+", "a b"));
  EXPECT_FALSE(whole("[\\w+=,.@-]+", ""));
  EXPECT_TRUE(whole("[\\w-]*", ""));
  EXPECT_TRUE(whole("^[a-z]+$", "abc"));
  EXPECT_FALSE(whole("^[a-z]+$", "abC"));
  EXPECT_FALSE(whole("[^:*]*", "a:b"));
  EXPECT_TRUE(whole("[\\s\\S]*", "line\nnext"));
  const char* tag = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*";
  EXPECT_FALSE(whole(tag, "a&b"));
  EXPECT_TRUE(whole(tag, "caf\xC3\xA9 2"));
  EXPECT_FALSE(whole(tag, "caf\xC3\xA9&"));
}

TEST(Regex, LookaroundsAndBackreferences) {
  EXPECT_TRUE(whole("^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$", "my-bucket"));
  EXPECT_FALSE(whole("^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$", "my--bucket"));
  EXPECT_FALSE(whole("[0-9A-Za-z\\.\\-_]*(?<!\\.)", "name."));
}

TEST(Regex, EveryPatternOfTheEmbeddedModelsCompiles) {
  std::vector<std::string> failed;
  for (const auto& name : model::service_names())
    for (const auto& [shape_name, shape] : model::find_service(name)->shapes)
      if (!shape.pattern.empty() && !model_pattern(shape.pattern)) failed.push_back(name + "." + shape_name);
  EXPECT_TRUE(failed.empty()) << failed.size() << " patterns do not compile, first " << failed.front();
  // One PCRE2 cannot compile is not checked, never a refusal.
  EXPECT_EQ(model_pattern("[unclosed"), nullptr);
  EXPECT_EQ(model_pattern("[unclosed"), nullptr);  // cached, logged once
}

TEST(Regex, HostileInputIsBounded) {
  // Exponential backtracking gives up at the match limit instead of hanging.
  auto re = Regex::compile("(a+)+$", Regex::Mode::kSearch);
  ASSERT_NE(re, nullptr);
  std::string subject(5000, 'a');
  subject += "!";
  EXPECT_NE(re->match(subject), Regex::Match::kYes);
  auto search = Regex::compile("ERR[0-9]+", Regex::Mode::kSearch);
  EXPECT_EQ(search->match("x ERR42 y"), Regex::Match::kYes);
}

}  // namespace
}  // namespace nuage
