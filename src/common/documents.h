// Client documents to trees, with bounded depth and size: JSON text (request
// bodies and the JSON documents members hold — policies, event patterns,
// event details) and CBOR bodies. Every parse of client bytes goes through
// here, never through nlohmann's parse/from_cbor directly: those accept any
// depth (and the recursive code after them — copies, dumps, pattern
// matching — then overflows the stack), and from_cbor throws on a header
// claiming more elements than memory can hold.
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "common/limits.h"

namespace nuage::documents {

enum class Failure { kNone, kSyntax, kTooDeep, kInvalidUtf8, kTooLarge };

struct Parsed {
  nlohmann::json value;  // discarded unless failure == kNone
  Failure failure = Failure::kNone;
  bool ok() const { return failure == Failure::kNone; }
};

// JSON text, nested at most `max_depth` arrays/objects.
Parsed parse_json(std::string_view text, size_t max_depth = limits::kMaxDocumentDepth);
// The same, as nlohmann's parse(text, nullptr, false) answers: the value, or
// a discarded value when `text` is not JSON or is nested too deep.
nlohmann::json parse_json_or_discarded(std::string_view text);

// One CBOR data item (RFC 8949) filling `bytes`: nested at most `max_depth`
// levels (arrays, maps and tags), no length claiming more than the bytes
// left, text strings valid UTF-8. Tags are dropped (the shape says what a
// value is).
Parsed parse_cbor(std::string_view bytes, size_t max_depth = limits::kMaxDocumentDepth);

}  // namespace nuage::documents
