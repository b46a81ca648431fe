// Fuzzes schedule expressions (cron(), rate(), at()) and the search for
// their next occurrences in a time zone, as rules and schedules arm timers.
// Input: [flags byte: allow at(), zone] [8 bytes: a start instant] expression.
#include <cstring>

#include "fuzz_input.h"
#include "events/schedule.h"

using namespace nuage;
using events::TimeZone;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  static const char* kZones[] = {"UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe",
                                 "Asia/Kathmandu", "Pacific/Apia", "America/Santiago", "Asia/Tehran"};
  static const auto* zones = [] {
    auto* loaded = new std::vector<TimeZone>;
    for (const char* name : kZones)
      if (auto zone = TimeZone::load(name)) loaded->push_back(*zone);
    if (loaded->empty()) loaded->push_back(*TimeZone::load(""));
    return loaded;
  }();
  bool allow_at = data[0] & 1;
  const TimeZone& zone = (*zones)[(data[0] >> 1) % zones->size()];
  int64_t start = 0;
  std::memcpy(&start, data + 1, sizeof start);
  start %= int64_t{400} * 365 * 86400;  // 1570..2370: inside and around the years cron can name
  auto schedule = events::parse_schedule(fuzz::as_text(data + 9, size - 9), allow_at, "invalid");
  if (!schedule) return 0;
  std::optional<int64_t> next = start;
  for (int i = 0; i < 3 && next; ++i) next = schedule->next_after(*next, zone, start);
  return 0;
}
