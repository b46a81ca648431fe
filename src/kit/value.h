// The values providers and the protocol layer exchange: what a provider
// receives as an operation's input and returns as its output. The protocol
// layer turns wire formats into these values and back; providers never see
// a wire format.
//
// Conventions (both directions, shaped by the operation's shapes):
//   structure -> object keyed by member name; list -> array; map -> object;
//   string -> string; integer/long -> integer; float/double -> number;
//   boolean -> bool; timestamp -> number of seconds since the epoch (outputs
//   may also give an ISO 8601 string); blob -> binary (outputs may give a
//   string of bytes). A streaming blob payload is not in the Value: the
//   provider reads the request payload (kit/payload.h), and returns a file
//   range or bytes to stream.
//
// Thread-safety: plain values; a shared document is immutable.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/message.h"

namespace nuage::kit {

using Value = nlohmann::json;

// What a provider returns: the output value and, for operations whose output
// payload is a streaming blob, the bytes to stream.
struct Output {
  Value value = Value::object();
  // Documents `value` refers to instead of holding copies: share(doc)
  // returns a placeholder to put anywhere in `value`, and serializers write
  // the document in its place. A provider answers from its stored documents
  // this way without a deep copy; it must never change a shared document
  // again (storage::ResourceStore copies on write).
  std::vector<std::shared_ptr<const Value>> shared;
  Value share(std::shared_ptr<const Value> doc);
  // `v` itself, or the document `v` stands for.
  const Value& resolve(const Value& v) const;
  // `value` with every placeholder replaced by a copy of its document.
  Value materialized() const;
  // `value` itself when nothing is shared, else materialized() kept in
  // `scratch`: for serializers that do not resolve placeholders.
  const Value& inlined_value(Value& scratch) const {
    return shared.empty() ? value : (scratch = materialized());
  }

  std::optional<http::FileRange> stream_file;  // streamed from disk
  std::optional<std::string> stream_bytes;     // or sent from memory
  // Overrides the operation's HTTP status when the model has no statusCode
  // member for it (S3's 206 Partial Content for a Range GET).
  std::optional<int> status;
};

// Raw bytes of a blob Value (binary or string).
std::string blob_bytes(const Value& value);
Value make_blob(std::string bytes);

// A timestamp Value (epoch number or date string) as seconds since the epoch.
std::optional<double> timestamp_seconds(const Value& value);

}  // namespace nuage::kit
