#include "common/time.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace nuage::timefmt {

using namespace std::chrono;

static std::tm to_tm(TimePoint t) {
  std::time_t tt = system_clock::to_time_t(floor<seconds>(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

// Appends `value` as `width` decimal digits (zero-padded).
static void put_digits(char*& out, long long value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out += width;
}

std::string iso8601(TimePoint t, bool millis) {
  // By hand rather than strftime: answers format several timestamps per
  // resource, and strftime goes through the locale machinery each time.
  auto day = floor<days>(t);
  year_month_day date{day};
  hh_mm_ss time{floor<milliseconds>(t - day)};
  char buf[32];
  char* out = buf;
  put_digits(out, static_cast<int>(date.year()), 4);
  *out++ = '-';
  put_digits(out, static_cast<unsigned>(date.month()), 2);
  *out++ = '-';
  put_digits(out, static_cast<unsigned>(date.day()), 2);
  *out++ = 'T';
  put_digits(out, time.hours().count(), 2);
  *out++ = ':';
  put_digits(out, time.minutes().count(), 2);
  *out++ = ':';
  put_digits(out, time.seconds().count(), 2);
  if (millis) {
    *out++ = '.';
    put_digits(out, time.subseconds().count(), 3);
  }
  *out++ = 'Z';
  return std::string(buf, out);
}

std::string iso8601_millis(double epoch_seconds) { return iso8601(from_epoch_seconds(epoch_seconds), true); }

std::string amz_date(TimePoint t) {
  std::tm tm = to_tm(t);
  char buf[32];
  return std::string(buf, std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm));
}

std::string rfc1123(TimePoint t) {
  std::tm tm = to_tm(t);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

double epoch_seconds(TimePoint t) {
  return static_cast<double>(duration_cast<microseconds>(t.time_since_epoch()).count()) / 1e6;
}

int64_t epoch_micros(TimePoint t) { return duration_cast<microseconds>(t.time_since_epoch()).count(); }

TimePoint from_epoch_seconds(double seconds) {
  // Rounded to the microsecond (what epoch_seconds keeps): a double near
  // 1.8e9 s is only ~0.2 us precise, and truncating its nanoseconds turned
  // 1795267073.25 into ...53.249999872, serialized as "53.249Z".
  return TimePoint(duration_cast<system_clock::duration>(round<microseconds>(duration<double>(seconds))));
}

static bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

static std::optional<TimePoint> make(int y, int mo, int d, int h, int mi, int s, double frac,
                                     int offset_seconds) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::time_t tt = timegm(&tm);
  auto tp = system_clock::from_time_t(tt) - seconds(offset_seconds);
  return tp + duration_cast<system_clock::duration>(duration<double>(frac));
}

static std::optional<TimePoint> parse_iso(std::string_view s) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  size_t p = 0;
  bool compact = s.size() >= 8 && s[4] != '-';
  if (!digits(s, 0, 4, y)) return std::nullopt;
  if (compact) {
    if (!digits(s, 4, 2, mo) || !digits(s, 6, 2, d)) return std::nullopt;
    p = 8;
  } else {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d))
      return std::nullopt;
    p = 10;
  }
  double frac = 0;
  int offset = 0;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    ++p;
    if (compact) {
      if (!digits(s, p, 2, h) || !digits(s, p + 2, 2, mi) || !digits(s, p + 4, 2, sec)) return std::nullopt;
      p += 6;
    } else {
      if (!digits(s, p, 2, h) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, mi))
        return std::nullopt;
      p += 5;
      if (p < s.size() && s[p] == ':') {
        if (!digits(s, p + 1, 2, sec)) return std::nullopt;
        p += 3;
      }
    }
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      size_t start = p;
      ++p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
      frac = std::strtod(std::string(s.substr(start, p - start)).replace(0, 1, "0.").c_str(), nullptr);
    }
    if (p < s.size()) {
      if (s[p] == 'Z' || s[p] == 'z') {
        ++p;
      } else if (s[p] == '+' || s[p] == '-') {
        int oh, om = 0;
        int sign = s[p] == '-' ? -1 : 1;
        if (!digits(s, p + 1, 2, oh)) return std::nullopt;
        p += 3;
        if (p < s.size() && s[p] == ':') ++p;
        if (p < s.size()) {
          if (!digits(s, p, 2, om)) return std::nullopt;
          p += 2;
        }
        offset = sign * (oh * 3600 + om * 60);
      }
    }
  }
  if (p != s.size()) return std::nullopt;
  return make(y, mo, d, h, mi, sec, frac, offset);
}

static std::optional<TimePoint> parse_rfc1123(std::string_view s) {
  // "Sat, 21 Nov 2026 13:17:53 GMT"
  static const char* kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  auto comma = s.find(", ");
  if (comma == std::string_view::npos) return std::nullopt;
  std::string rest(s.substr(comma + 2));
  int d, y, h, mi, sec;
  char mon[4] = {0};
  char zone[8] = {0};
  if (std::sscanf(rest.c_str(), "%d %3s %d %d:%d:%d %7s", &d, mon, &y, &h, &mi, &sec, zone) != 7)
    return std::nullopt;
  const char* found = std::strstr(kMonths, mon);
  // Only whole names: "anF" occurs in "JanFeb" but is no month.
  if (!found || std::strlen(mon) != 3 || (found - kMonths) % 3 != 0) return std::nullopt;
  int mo = static_cast<int>((found - kMonths) / 3) + 1;
  return make(y, mo, d, h, mi, sec, 0, 0);
}

std::optional<TimePoint> parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool numeric = true;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+')) numeric = false;
  if (numeric && text.find('-', 1) == std::string_view::npos && text.size() != 8) {
    char* end = nullptr;
    std::string copy(text);
    double v = std::strtod(copy.c_str(), &end);
    if (end && *end == '\0' && std::isfinite(v)) return from_epoch_seconds(v);
  }
  if (auto t = parse_iso(text)) return t;
  return parse_rfc1123(text);
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start || i - start > 12) return std::nullopt;
    long long n = std::stoll(std::string(text.substr(start, i - start)));
    long long unit = 1;
    if (i < text.size()) {
      switch (text[i]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400; break;
        default: return std::nullopt;
      }
      ++i;
    } else if (any) {
      return std::nullopt;  // "1h30" is ambiguous
    }
    total += n * unit;
    any = true;
  }
  return std::chrono::seconds(total);
}

}  // namespace nuage::timefmt
