// Time formats AWS uses on the wire, and the parsing of them.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nuage::timefmt {

using TimePoint = std::chrono::system_clock::time_point;

// 2026-11-21T13:17:53Z, or with milliseconds: 2026-11-21T13:17:53.123Z
std::string iso8601(TimePoint t, bool millis = false);
// 20261121T131753Z (SigV4 X-Amz-Date)
std::string amz_date(TimePoint t);
// Sat, 21 Nov 2026 13:17:53 GMT (RFC 7231 / HTTP dates)
std::string rfc1123(TimePoint t);
// seconds since the epoch with fractional part, as a double
double epoch_seconds(TimePoint t);
// whole microseconds since the epoch: exact arithmetic on clock instants
int64_t epoch_micros(TimePoint t);
TimePoint from_epoch_seconds(double seconds);
// iso8601 with milliseconds of epoch seconds: how stored times are answered.
std::string iso8601_millis(double epoch_seconds);

// Accepts ISO 8601 (with or without fraction and offset), the compact SigV4
// form, RFC 1123, and epoch seconds.
std::optional<TimePoint> parse(std::string_view text);

// "90", "90s", "15m", "1h30m", "3d", "1d2h" -> seconds. nullopt if malformed.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace nuage::timefmt
