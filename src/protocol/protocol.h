// The protocol layer: one parser and one serializer per AWS wire protocol
// (query, ec2, json, rest-json, rest-xml, smithy-rpc-v2-cbor), each driven entirely by the
// service model's shapes. Providers never see a wire format: they receive
// the operation's input as a Value and return the output as a Value.
//
// Value conventions (both directions, shaped by the operation's shapes):
//   structure -> object keyed by member name; list -> array; map -> object;
//   string -> string; integer/long -> integer; float/double -> number;
//   boolean -> bool; timestamp -> number of seconds since the epoch (outputs
//   may also give an ISO 8601 string); blob -> binary (outputs may give a
//   string of bytes). A streaming blob payload is not in the Value: the
//   provider reads the request Body, and returns a file range to stream.
//
// Thread-safety: protocols are stateless singletons, safe from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include "common/error.h"
#include "http/message.h"
#include "model/model.h"

namespace nuage::protocol {

using Value = nlohmann::json;

// What a provider returns: the output value and, for operations whose output
// payload is a streaming blob, the bytes to stream.
struct Output {
  Value value = Value::object();
  // Documents `value` refers to instead of holding copies: share(doc)
  // returns a placeholder to put anywhere in `value`, and serializers write
  // the document in its place. A provider answers from its stored documents
  // this way without a deep copy; it must never change a shared document
  // again (ec2::Store copies on write).
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

class Protocol {
 public:
  virtual ~Protocol() = default;
  virtual std::string_view name() const = 0;

  // Which operation of `service` the request calls. Errors: the protocol's
  // "unknown operation" error (InvalidAction, UnknownOperationException...).
  virtual Result<const model::Operation*> identify(const model::Service& service,
                                                  const http::Request& request) const = 0;

  // The operation's input Value, checked against its shape (types, required
  // members). Bad input: the protocol's client error (400).
  virtual Result<Value> parse(const model::Service& service, const model::Operation& operation,
                              const http::Request& request) const = 0;

  virtual http::Response serialize(const model::Service& service, const model::Operation& operation,
                                   const Output& output, const std::string& request_id) const = 0;

  virtual http::Response serialize_error(const model::Service& service, const AwsError& error,
                                         const std::string& request_id) const = 0;
};

// "query", "ec2", "json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor"; nullptr for others.
const Protocol* find_protocol(std::string_view name);

}  // namespace nuage::protocol
