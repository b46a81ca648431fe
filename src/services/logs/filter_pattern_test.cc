// The filter pattern syntax, as a table of (pattern, message, matches).
#include "services/logs/filter_pattern.h"

#include <gtest/gtest.h>

namespace nuage::services::logs {
namespace {

struct Case {
  const char* pattern;
  const char* message;
  bool matches;
};

const Case kCases[] = {
    {"", "anything", true},
    {"ERROR", "2026-01-01 ERROR boom", true},
    {"ERROR", "2026-01-01 error boom", false},  // case-sensitive
    {"ERROR boom", "ERROR: boom", true},
    {"ERROR boom", "ERROR: bang", false},
    {"\"Out of memory\"", "fatal: Out of memory", true},
    {"\"Out of memory\"", "Out of the memory", false},
    {"?ERROR ?WARN", "WARN disk", true},
    {"?ERROR ?WARN", "INFO ok", false},
    {"ERROR -Retrying", "ERROR timeout", true},
    {"ERROR -Retrying", "ERROR timeout. Retrying", false},
    {"%ERR[0-9]+%", "code ERR42", true},
    {"%ERR[0-9]+%", "code ERRx", false},
    {"%disk [a-z]+% -tmp", "disk full on /", true},
    {"{ $.level = \"ERROR\" }", R"({"level": "ERROR", "msg": "x"})", true},
    {"{ $.level = \"ERROR\" }", R"({"level": "INFO"})", false},
    {"{ $.level = \"ERROR\" }", "ERROR not json", false},
    {"{ $.level != \"INFO\" }", R"({"level": "WARN"})", true},
    {"{ $.level = ERR* }", R"({"level": "ERROR"})", true},
    {"{ $.latency > 100 }", R"({"latency": 150})", true},
    {"{ $.latency > 100 }", R"({"latency": 50})", false},
    {"{ $.latency >= 50 }", R"({"latency": 50})", true},
    {"{ $.latency < 50 }", R"({"latency": 50})", false},
    {"{ $.latency <= 50.5 }", R"({"latency": 50})", true},
    {"{ $.code = 200 }", R"({"code": 200})", true},
    {"{ $.user.id = 7 }", R"({"user": {"id": 7}})", true},
    {"{ $.items[1] = \"b\" }", R"({"items": ["a", "b"]})", true},
    {"{ $.items[*] = \"b\" }", R"({"items": ["a", "b"]})", true},
    {"{ ($.level = \"ERROR\") && ($.latency > 10) }", R"({"level": "ERROR", "latency": 11})", true},
    {"{ ($.level = \"ERROR\") && ($.latency > 10) }", R"({"level": "ERROR", "latency": 9})", false},
    {"{ $.level = \"ERROR\" || $.level = \"WARN\" }", R"({"level": "WARN"})", true},
    {"{ $.a = 1 && ($.b = 2 || $.c = 3) }", R"({"a": 1, "c": 3})", true},
    {"{ $.a IS NULL }", R"({"a": null})", true},
    {"{ $.a NOT EXISTS }", R"({"b": 1})", true},
    {"{ $.a NOT EXISTS }", R"({"a": 1})", false},
    {"{ $.ok IS TRUE }", R"({"ok": true})", true},
    {"{ $.ok IS FALSE }", R"({"ok": true})", false},
    {"[ip, user, ..., status = 404, bytes]", "1.2.3.4 bob GET /x 404 10", true},
    {"[ip, user, ..., status = 404, bytes]", "1.2.3.4 bob GET /x 200 10", false},
    {"[ip, user, ..., status = 4*, bytes]", "1.2.3.4 bob GET /x 403 10", true},
    {"[a, b]", "one two three", false},
};

TEST(FilterPattern, Table) {
  for (const auto& c : kCases) {
    auto p = FilterPattern::parse(c.pattern);
    ASSERT_TRUE(p.ok()) << c.pattern;
    EXPECT_EQ(p->matches(c.message), c.matches) << c.pattern << " / " << c.message;
  }
}

TEST(FilterPattern, RejectsMalformed) {
  for (const char* bad : {"{ $.level = }", "{ $.level = \"x\"", "\"unterminated", "{ ($.a = 1 }", "[a, , b]",
                          "%[%"}) {
    auto p = FilterPattern::parse(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, "InvalidParameterException");
  }
}

}  // namespace
}  // namespace nuage::services::logs
