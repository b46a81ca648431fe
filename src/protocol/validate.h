// The check of an operation's input against its model, before any provider
// runs: required members, and each member's min/max (string length in code
// points, blob length in bytes, list and map sizes, number ranges), pattern
// (Java regex on the whole value, see common/regex.h) and enum. Answered in
// the protocol's own words:
//   query      -> ValidationError      "1 validation error detected: Value 'x'
//   json, rest-json, cbor               at 'userName' failed to satisfy constraint:
//              -> ValidationException   Member must have length less than or equal to 64"
//   ec2        -> MissingParameter / InvalidParameterValue (EC2 reports one error)
//   rest-xml   -> S3's InvalidArgument (ArgumentName, ArgumentValue), InvalidStorageClass
// All errors are reported together, "; "-separated, as AWS's services do.
// Only shapes marked constrained by the model loader are walked, so an
// operation without constraints costs one flag test per member.
// Thread-safety: pure functions (compiled patterns are cached process-wide).
#pragma once

#include <string_view>

#include "common/error.h"
#include "model/model.h"
#include "protocol/protocol.h"

namespace nuage::protocol {

// `style` is the protocol's name ("query", "ec2", "json", "rest-json",
// "rest-xml", "smithy-rpc-v2-cbor").
// `service` picks the few services whose validation errors carry another
// code (CloudWatch Logs: InvalidParameterException).
Status validate_input(const model::Service& service, const model::Shape& shape, const Value& value,
                      std::string_view style);

}  // namespace nuage::protocol
