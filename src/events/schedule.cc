#include "events/schedule.h"

#include <cctype>
#include <ctime>
#include <fstream>
#include <iterator>

#include "common/text.h"

namespace nuage::events {

namespace {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yy + (m <= 2));
}

int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// 1 = Sunday ... 7 = Saturday
int weekday(int y, int m, int d) {
  int64_t days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  int w = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday (4)
  return w + 1;
}

int32_t be32(const unsigned char* p) {
  return static_cast<int32_t>((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]);
}

int64_t be64(const unsigned char* p) {
  return static_cast<int64_t>((uint64_t(static_cast<uint32_t>(be32(p))) << 32) |
                              static_cast<uint32_t>(be32(p + 4)));
}

}  // namespace

Result<TimeZone> TimeZone::load(const std::string& name) {
  TimeZone tz;
  if (name.empty() || name == "UTC" || name == "Etc/UTC" || name == "GMT") return tz;
  bool safe = !name.empty() && name.find("..") == std::string::npos && name[0] != '/';
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' && c != '+') safe = false;
  AwsError invalid{"ValidationException", "Invalid time zone: " + name, 400};
  if (!safe) return invalid;
  std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
  if (!in) return invalid;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto* p = reinterpret_cast<const unsigned char*>(data.data());
  if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) return invalid;
  auto counts = [&](size_t at, int64_t c[6]) {
    for (int i = 0; i < 6; ++i) c[i] = be32(p + at + 20 + 4 * i);
  };
  int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  counts(0, c);
  size_t v1_size = 44 + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
  size_t base = 0;
  int time_size = 4;
  if (data[4] >= '2' && data.size() > v1_size + 44) {  // use the 64-bit block
    base = v1_size;
    counts(base, c);
    time_size = 8;
  }
  size_t at = base + 44;
  size_t need = at + c[3] * (time_size + 1) + c[4] * 6;
  if (data.size() < need || c[4] == 0) return invalid;
  std::vector<int64_t> times;
  for (int64_t i = 0; i < c[3]; ++i) times.push_back(time_size == 8 ? be64(p + at + i * 8) : be32(p + at + i * 4));
  const unsigned char* idx = p + at + c[3] * time_size;
  const unsigned char* types = idx + c[3];
  std::vector<int> type_offsets;
  for (int64_t i = 0; i < c[4]; ++i) type_offsets.push_back(be32(types + i * 6));
  tz.name_ = name;
  tz.initial_offset_ = type_offsets[0];
  for (int64_t i = 0; i < c[3]; ++i) {
    if (idx[i] >= type_offsets.size()) return invalid;
    tz.transitions_.push_back(times[i]);
    tz.offsets_.push_back(type_offsets[idx[i]]);
  }
  return tz;
}

int TimeZone::offset_at(int64_t utc) const {
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_[static_cast<size_t>(it - transitions_.begin() - 1)];
}

int64_t TimeZone::to_utc(int64_t local) const {
  // Candidates: local minus each offset in force around that time.
  int64_t earliest = INT64_MAX;
  int before = offset_at(local - 86400);
  int after = offset_at(local + 86400);
  for (int off : {before, after}) {
    int64_t utc = local - off;
    if (offset_at(utc) == off) earliest = std::min(earliest, utc);
  }
  if (earliest != INT64_MAX) return earliest;
  // Skipped by a jump forward: run at the first instant after the gap.
  return local - before;
}

bool CronExpression::matches_date(int y, int m, int d) const {
  if (y < 1970 || y - 1970 >= 240 || !years.test(static_cast<size_t>(y - 1970))) return false;
  if (!months.test(static_cast<size_t>(m))) return false;
  int dim = days_in_month(y, m);
  int wd = weekday(y, m, d);
  if (!any_day_of_month) {
    if (last_day) return d == dim;
    if (last_weekday) {
      int last = dim;
      while (weekday(y, m, last) == 1 || weekday(y, m, last) == 7) --last;
      return d == last;
    }
    if (nearest_weekday) {
      int target = std::min(nearest_weekday, dim);
      int w = weekday(y, m, target);
      int day = target;
      if (w == 7) day = target == 1 ? target + 2 : target - 1;   // Saturday
      else if (w == 1) day = target == dim ? target - 2 : target + 1;  // Sunday
      return d == day;
    }
    return days.test(static_cast<size_t>(d));
  }
  if (!any_day_of_week) {
    if (last_dow_in_month) return wd == last_dow_in_month && d + 7 > dim;
    if (nth_dow) return wd == nth_dow && (d - 1) / 7 + 1 == nth;
    return weekdays.test(static_cast<size_t>(wd));
  }
  return true;
}

namespace {

enum class Names { kNone, kMonths, kDays };

int name_value(std::string_view token, Names names = Names::kNone) {
  static const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  static const char* kDays[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
  std::string up;
  for (char c : token) up.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (names == Names::kMonths) {
    for (int i = 0; i < 12; ++i)
      if (up == kMonths[i]) return i + 1;
  } else if (names == Names::kDays) {
    for (int i = 0; i < 7; ++i)
      if (up == kDays[i]) return i + 1;
  }
  if (up.empty() || up.size() > 4 || up.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(up);
}

// Parses a field of ranges/lists/steps into `set` with values in [lo, hi].
template <size_t N>
bool parse_field(std::string_view field, int lo, int hi, std::bitset<N>& set, int base, Names names) {
  for (const auto& part : text::split(field, ',')) {
    std::string_view p = part;
    int step = 1;
    if (auto slash = p.find('/'); slash != std::string_view::npos) {
      step = name_value(p.substr(slash + 1));
      if (step <= 0) return false;
      p = p.substr(0, slash);
    }
    int from, to;
    if (p == "*") {
      from = lo;
      to = hi;
    } else if (auto dash = p.find('-'); dash != std::string_view::npos) {
      from = name_value(p.substr(0, dash), names);
      to = name_value(p.substr(dash + 1), names);
    } else {
      from = name_value(p, names);
      to = part.find('/') != std::string::npos ? hi : from;
    }
    if (from < lo || to > hi || from > to) return false;
    for (int v = from; v <= to; v += step) set.set(static_cast<size_t>(v - base));
  }
  return true;
}

}  // namespace

Result<Schedule> parse_schedule(std::string_view expression, bool allow_at, const std::string& error_message) {
  AwsError invalid{"ValidationException", error_message, 400};
  std::string_view e = text::trim(expression);
  Schedule s;
  s.text = std::string(e);
  auto body_of = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (!text::starts_with(e, prefix) || e.back() != ')') return std::nullopt;
    return e.substr(prefix.size(), e.size() - prefix.size() - 1);
  };
  if (auto body = body_of("rate(")) {
    auto parts = text::split(text::trim(*body), ' ');
    if (parts.size() != 2) return invalid;
    int value = name_value(parts[0]);
    static const std::pair<const char*, int64_t> kUnits[] = {{"minute", 60}, {"hour", 3600}, {"day", 86400}};
    for (const auto& [unit, secs] : kUnits) {
      std::string singular = unit, plural = std::string(unit) + "s";
      if ((value == 1 && parts[1] == singular) || (value > 1 && parts[1] == plural)) {
        s.kind = Schedule::Kind::kRate;
        s.rate_seconds = value * secs;
        return s;
      }
    }
    return invalid;
  }
  if (auto body = body_of("at(")) {
    if (!allow_at) return invalid;
    int y, mo, d, h, mi, sec;
    std::string b(*body);
    if (std::sscanf(b.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6 || b.size() != 19)
      return invalid;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59) return invalid;
    s.kind = Schedule::Kind::kAt;
    s.at_local = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
                 mi * 60 + sec;
    return s;
  }
  auto body = body_of("cron(");
  if (!body) return invalid;
  std::vector<std::string> f;
  for (const auto& part : text::split(text::trim(*body), ' '))
    if (!part.empty()) f.push_back(part);
  if (f.size() != 6) return invalid;
  CronExpression& c = s.cron;
  if (!parse_field(f[0], 0, 59, c.minutes, 0, Names::kNone)) return invalid;
  if (!parse_field(f[1], 0, 23, c.hours, 0, Names::kNone)) return invalid;
  if (!parse_field(f[3], 1, 12, c.months, 0, Names::kMonths)) return invalid;
  if (!parse_field(f[5], 1970, 2199, c.years, 1970, Names::kNone)) return invalid;
  c.any_day_of_month = f[2] == "?";
  c.any_day_of_week = f[4] == "?";
  if (c.any_day_of_month == c.any_day_of_week) return invalid;  // exactly one '?'
  if (!c.any_day_of_month) {
    const std::string& dom = f[2];
    if (dom == "L") c.last_day = true;
    else if (dom == "LW") c.last_weekday = true;
    else if (dom.size() > 1 && dom.back() == 'W') {
      int n = name_value(dom.substr(0, dom.size() - 1));
      if (n < 1 || n > 31) return invalid;
      c.nearest_weekday = n;
    } else if (!parse_field(dom, 1, 31, c.days, 0, Names::kNone)) {
      return invalid;
    }
  } else {
    const std::string& dow = f[4];
    if (dow == "L") c.last_dow_in_month = 7;
    else if (dow.size() > 1 && dow.back() == 'L') {
      int n = name_value(dow.substr(0, dow.size() - 1), Names::kDays);
      if (n < 1 || n > 7) return invalid;
      c.last_dow_in_month = n;
    } else if (auto hash = dow.find('#'); hash != std::string::npos) {
      int n = name_value(dow.substr(0, hash), Names::kDays);
      int k = name_value(dow.substr(hash + 1));
      if (n < 1 || n > 7 || k < 1 || k > 5) return invalid;
      c.nth_dow = n;
      c.nth = k;
    } else if (!parse_field(dow, 1, 7, c.weekdays, 0, Names::kDays)) {
      return invalid;
    }
  }
  s.kind = Schedule::Kind::kCron;
  return s;
}

std::optional<int64_t> Schedule::next_after(int64_t after_utc, const TimeZone& zone, int64_t anchor_utc) const {
  if (kind == Kind::kRate) {
    if (after_utc < anchor_utc) return anchor_utc;
    int64_t k = (after_utc - anchor_utc) / rate_seconds + 1;
    return anchor_utc + k * rate_seconds;
  }
  if (kind == Kind::kAt) {
    int64_t utc = zone.to_utc(at_local);
    return utc > after_utc ? std::optional<int64_t>(utc) : std::nullopt;
  }
  // Walk local days from the day of `after`; within a matching day take the
  // first (hour, minute) whose UTC instant is after `after_utc`.
  int64_t local_after = after_utc + zone.offset_at(after_utc);
  int64_t day = (local_after >= 0 ? local_after : local_after - 86399) / 86400;
  for (int64_t i = 0; i < 366 * 30; ++i, ++day) {
    int y, m, d;
    civil_from_days(day, y, m, d);
    if (y > 2199) return std::nullopt;
    if (!cron.matches_date(y, m, d)) continue;
    for (int h = 0; h < 24; ++h) {
      if (!cron.hours.test(static_cast<size_t>(h))) continue;
      for (int mi = 0; mi < 60; ++mi) {
        if (!cron.minutes.test(static_cast<size_t>(mi))) continue;
        int64_t utc = zone.to_utc(day * 86400 + h * 3600 + mi * 60);
        if (utc > after_utc) return utc;
      }
    }
  }
  return std::nullopt;
}

}  // namespace nuage::events
