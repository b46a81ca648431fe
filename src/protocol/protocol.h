// The protocol layer: one parser and one serializer per AWS wire protocol
// (query, ec2, json, rest-json, rest-xml, smithy-rpc-v2-cbor), each driven entirely by the
// service model's shapes. Providers never see a wire format: they receive
// the operation's input as a Value and return the output as a Value.
//
// The values exchanged with providers, and their conventions, are the
// provider kit's (kit/value.h).
//
// Thread-safety: protocols are stateless singletons, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "http/message.h"
#include "kit/value.h"
#include "model/model.h"

namespace nuage::protocol {

using kit::Output;
using kit::Value;
using kit::blob_bytes;
using kit::make_blob;
using kit::timestamp_seconds;

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
