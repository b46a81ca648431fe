// Fuzzes CloudWatch Logs filter patterns: parsing (FilterLogEvents' pattern)
// and matching a log message.
// Input: the pattern on the first line, the message after it.
#include "fuzz_input.h"
#include "services/logs/filter_pattern.h"

using namespace nuage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [pattern_text, message] = fuzz::first_line(fuzz::as_text(data, size));
  auto pattern = services::logs::FilterPattern::parse(pattern_text);
  if (pattern) (void)pattern->matches(message);
  return 0;
}
