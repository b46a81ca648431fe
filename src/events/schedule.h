// Schedule expressions as EventBridge and EventBridge Scheduler define them:
//   cron(minutes hours day-of-month month day-of-week year)  — six fields,
//     `?` in exactly one of the two day fields, `L`, `W`, `LW`, `#`, ranges,
//     lists, steps, JAN-DEC and SUN-SAT (SUN = 1);
//   rate(value unit)  — minute(s) | hour(s) | day(s), singular for 1;
//   at(yyyy-mm-ddThh:mm:ss)  — one time (Scheduler only).
// Times are evaluated in a time zone (UTC for EventBridge rules): the zone's
// rules come from the system tz database (/usr/share/zoneinfo). A local time
// skipped by a daylight-saving jump runs at the first instant after it; a
// repeated local time runs once, at its first occurrence.
// Thread-safety: values; TimeZone::load caches nothing.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace nuage::events {

class TimeZone {
 public:
  static Result<TimeZone> load(const std::string& name);  // "" or "UTC": UTC
  int offset_at(int64_t utc_seconds) const;                // local = utc + offset
  int64_t to_utc(int64_t local_seconds) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_ = "UTC";
  std::vector<int64_t> transitions_;  // UTC instants
  std::vector<int> offsets_;          // offset in force from transitions_[i]
  int initial_offset_ = 0;
};

struct CronExpression {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;       // 1..31 (when no special rule)
  std::bitset<13> months;     // 1..12
  std::bitset<8> weekdays;    // 1..7, SUN = 1
  std::bitset<240> years;     // 1970..2209 as offsets from 1970
  bool any_day_of_month = false;  // '?' in day-of-month
  bool any_day_of_week = false;   // '?' in day-of-week
  bool last_day = false;          // L in day-of-month
  bool last_weekday = false;      // LW
  int nearest_weekday = 0;        // nW
  int last_dow_in_month = 0;      // nL in day-of-week (1..7), or 7 for a bare L
  int nth_dow = 0, nth = 0;       // n#k in day-of-week

  bool matches_date(int year, int month, int day) const;
};

struct Schedule {
  enum class Kind { kCron, kRate, kAt } kind = Kind::kCron;
  CronExpression cron;
  int64_t rate_seconds = 0;
  int64_t at_local = 0;  // local seconds since the epoch (naive)
  std::string text;

  // The first occurrence strictly after `after_utc` (UTC seconds), in `zone`.
  // For rate(): `anchor_utc` + k * rate. nullopt when there is none.
  std::optional<int64_t> next_after(int64_t after_utc, const TimeZone& zone, int64_t anchor_utc = 0) const;
};

// Parses "cron(...)", "rate(...)" or (when `allow_at`) "at(...)".
// Errors: ValidationException with `error_message` as the message (the
// wording differs between EventBridge and Scheduler).
Result<Schedule> parse_schedule(std::string_view expression, bool allow_at, const std::string& error_message);

}  // namespace nuage::events
