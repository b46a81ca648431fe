#include "common/time.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace nuage::timefmt {
namespace {

// 2026-11-21T13:17:53Z
constexpr double kT = 1795267073;

double secs(std::string_view text) {
  auto t = parse(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? epoch_seconds(*t) : -1;
}

TEST(Time, Formats) {
  TimePoint t = from_epoch_seconds(kT);
  EXPECT_EQ(iso8601(t), "2026-11-21T13:17:53Z");
  EXPECT_EQ(iso8601(from_epoch_seconds(kT + 0.123), true), "2026-11-21T13:17:53.123Z");
  EXPECT_EQ(iso8601(t, true), "2026-11-21T13:17:53.000Z");
  EXPECT_EQ(iso8601(from_epoch_seconds(-1)), "1969-12-31T23:59:59Z");
  EXPECT_EQ(iso8601(from_epoch_seconds(951782400)), "2000-02-29T00:00:00Z");
  EXPECT_EQ(iso8601(from_epoch_seconds(4102444799.5), true), "2099-12-31T23:59:59.500Z");
  EXPECT_EQ(amz_date(t), "20261121T131753Z");
  EXPECT_EQ(rfc1123(t), "Sat, 21 Nov 2026 13:17:53 GMT");
  EXPECT_EQ(rfc1123(from_epoch_seconds(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_DOUBLE_EQ(epoch_seconds(t), kT);
  EXPECT_DOUBLE_EQ(epoch_seconds(from_epoch_seconds(1.5)), 1.5);
}

TEST(Time, ParsesIso8601Variants) {
  EXPECT_DOUBLE_EQ(secs("2026-11-21T13:17:53Z"), kT);
  EXPECT_DOUBLE_EQ(secs("2026-11-21t13:17:53z"), kT);
  EXPECT_DOUBLE_EQ(secs("2026-11-21 13:17:53Z"), kT);
  EXPECT_DOUBLE_EQ(secs("2026-11-21T13:17:53"), kT);  // no zone: UTC
  EXPECT_DOUBLE_EQ(secs("2026-11-21T13:17Z"), kT - 53);  // no seconds
  EXPECT_DOUBLE_EQ(secs("2026-11-21"), kT - (13 * 3600 + 17 * 60 + 53));
  EXPECT_DOUBLE_EQ(secs("20261121T131753Z"), kT);  // SigV4 compact form
  EXPECT_DOUBLE_EQ(secs("20261121"), kT - (13 * 3600 + 17 * 60 + 53));
}

TEST(Time, ParsesFractions) {
  EXPECT_NEAR(secs("2026-11-21T13:17:53.5Z"), kT + 0.5, 1e-6);
  EXPECT_NEAR(secs("2026-11-21T13:17:53.123Z"), kT + 0.123, 1e-6);
  EXPECT_NEAR(secs("2026-11-21T13:17:53.123456Z"), kT + 0.123456, 1e-6);
  EXPECT_NEAR(secs("2026-11-21T13:17:53,25Z"), kT + 0.25, 1e-6);
  EXPECT_NEAR(secs("2026-11-21T13:17:53.250+01:00"), kT - 3600 + 0.25, 1e-6);
}

TEST(Time, ParsesOffsets) {
  EXPECT_DOUBLE_EQ(secs("2026-11-21T15:17:53+02:00"), kT);
  EXPECT_DOUBLE_EQ(secs("2026-11-21T15:17:53+0200"), kT);
  EXPECT_DOUBLE_EQ(secs("2026-11-21T15:17:53+02"), kT);
  EXPECT_DOUBLE_EQ(secs("2026-11-21T08:47:53-04:30"), kT);
  EXPECT_DOUBLE_EQ(secs("2026-11-21T13:17:53+00:00"), kT);
  EXPECT_DOUBLE_EQ(secs("2026-11-21T13:17:53-00:00"), kT);
  // Crossing midnight and the year.
  EXPECT_DOUBLE_EQ(secs("2027-01-01T00:30:00+01:00"), secs("2026-12-31T23:30:00Z"));
}

TEST(Time, ParsesRfc1123) {
  EXPECT_DOUBLE_EQ(secs("Sat, 21 Nov 2026 13:17:53 GMT"), kT);
  EXPECT_DOUBLE_EQ(secs("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_DOUBLE_EQ(secs("Tue, 31 Dec 2024 23:59:59 GMT"), secs("2024-12-31T23:59:59Z"));
}

TEST(Time, ParsesEpochSeconds) {
  EXPECT_DOUBLE_EQ(secs("1795267073"), kT);
  EXPECT_DOUBLE_EQ(secs("1795267073.25"), kT + 0.25);
  EXPECT_DOUBLE_EQ(secs("0"), 0);
  EXPECT_DOUBLE_EQ(secs("1.5e9"), 1.5e9);
  EXPECT_DOUBLE_EQ(secs("-86400"), -86400);
}

TEST(Time, RejectsInvalid) {
  for (const char* bad : {"", "now", "2026", "2026-11", "2026-13-01T00:00:00Z", "2026-11-32T00:00:00Z",
                          "2026-11-21T24:00:00Z", "2026-11-21T13:60:00Z", "2026-11-21T13:17:53Zjunk",
                          "2026-11-21T13:17:53+", "2026-11-21T13:17:53+2", "2026-11-21T", "2026-11-21T1",
                          "2026/11/21", "21 Nov 2026 13:17:53 GMT", "Sat, 21 Foo 2026 13:17:53 GMT",
                          "Sat, 21 anF 2026 13:17:53 GMT", "Sat, 21 Nov 2026", "1e999", "nan", "inf"}) {
    // "2026" alone is epoch second 2026, not an error: numbers are epochs.
    if (std::string_view(bad) == "2026") continue;
    EXPECT_FALSE(parse(bad).has_value()) << bad;
  }
}

TEST(Time, RoundTrips) {
  for (double t : {0.0, 1.0, kT, kT + 0.5, 4102444800.0 /* 2100 */}) {
    EXPECT_DOUBLE_EQ(secs(iso8601(from_epoch_seconds(t), true)), t);
    EXPECT_DOUBLE_EQ(secs(rfc1123(from_epoch_seconds(t))), std::floor(t));
    EXPECT_DOUBLE_EQ(secs(amz_date(from_epoch_seconds(t))), std::floor(t));
  }
}

}  // namespace
}  // namespace nuage::timefmt
