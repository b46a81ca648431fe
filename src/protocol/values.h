// Conversions shared by the protocols: scalars to and from their text forms
// (query strings, headers, XML text), timestamps in each wire format, blobs.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "protocol/protocol.h"

namespace nuage::protocol {

// The name a member carries on the wire when no protocol rule overrides it:
// the reference's locationName, else the shape's, else the member name.
const std::string& wire_name(const model::Member& member);
// A list or map is flattened if its reference or its shape says so.
bool is_flattened(const model::Member& member);

// The client error for a request body nested deeper than
// limits::kMaxDocumentDepth, in the protocol's code.
AwsError document_too_deep(const std::string& error_code);

// Parses a scalar from text; strings must be valid UTF-8. `timestamp_default`
// is the protocol's format for this location ("iso8601", "rfc822",
// "unixTimestamp"); any known format is accepted. Fails with `error_code`
// naming `field`.
Result<Value> scalar_from_text(const model::Shape& shape, std::string_view text, const std::string& field,
                               const std::string& error_code);

// Text form of a scalar Value. Timestamps use the shape's timestampFormat,
// else `timestamp_default`.
std::string scalar_to_text(const model::Shape& shape, const Value& value,
                           std::string_view timestamp_default);

std::string format_timestamp(double seconds, std::string_view format);


}  // namespace nuage::protocol
