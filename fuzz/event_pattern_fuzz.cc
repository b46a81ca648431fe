// Fuzzes EventBridge's event-pattern language: validation (what PutRule and
// TestEventPattern run on a user's pattern) and matching against an event.
// Input: the pattern (JSON) on the first line, the event (JSON) after it.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "services/eventbridge/pattern.h"

using namespace nuage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [pattern_text, event_text] = fuzz::first_line(fuzz::as_text(data, size));
  auto pattern = nlohmann::json::parse(pattern_text, nullptr, false);
  if (pattern.is_discarded() || !services::eventbridge::validate_pattern(pattern).ok()) return 0;
  auto event = nlohmann::json::parse(event_text, nullptr, false);
  if (event.is_discarded()) return 0;
  (void)services::eventbridge::pattern_matches(pattern, event);
  return 0;
}
