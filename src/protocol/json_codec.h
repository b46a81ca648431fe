// Values to and from JSON bodies by shape (json and rest-json protocols):
// member keys from locationName, timestamps as epoch seconds (or the shape's
// timestampFormat), blobs as base64.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "common/error.h"
#include "protocol/protocol.h"

namespace nuage::protocol::json {

// Converts a wire JSON value to the internal Value of `shape`; members bound
// to HTTP locations are skipped. Wrong types fail with `error_code`.
Result<Value> from_wire(const Value& wire, const model::Shape& shape, const std::string& error_code,
                        const std::string& path = "");

// Converts an internal Value of `shape` to wire JSON.
Value to_wire(const Value& value, const model::Shape& shape);

}  // namespace nuage::protocol::json
