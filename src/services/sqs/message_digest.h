// The digests SQS returns beside a message, as the SDKs verify them:
// MD5OfMessageBody / MD5OfBody (the MD5 of the body's UTF-8 bytes) and
// MD5OfMessageAttributes / MD5OfMessageSystemAttributes, AWS's encoding of
// a message's attributes: for each attribute in name order, the name, the
// data type and the value, each as a 4-byte big-endian length followed by
// its bytes, with one byte between type and value saying how the value is
// carried (1: a string, 2: binary).
//
// Attributes are given in their stored form (message_attributes.h): a map
// name -> {"DataType", "StringValue" | "BinaryValue" (base64 text)}.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "kit/value.h"

namespace nuage::services::sqs {

// Lower-case hex MD5 of the body.
std::string md5_of_body(const std::string& body);
// Lower-case hex MD5 of the attributes' encoding; "" for no attributes (AWS
// then leaves the member out).
std::string md5_of_attributes(const kit::Value& stored_attributes);

}  // namespace nuage::services::sqs
