// A message's attributes (MessageAttributes, MessageSystemAttributes) from
// a request to their stored form, checked as AWS checks them, and back to
// the form of a ReceiveMessage answer.
//
// Stored form: name -> {"DataType", "StringValue"} or {"DataType",
// "BinaryValue": base64 text} (services/sqs/message_digest.h digests it).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::sqs {

struct StoredAttributes {
  kit::Value attributes = kit::Value::object();
  size_t bytes = 0;  // what counts toward the message size: names, types and values
};

// MessageAttributes of a SendMessage (at most 10, AWS's names and types).
Result<StoredAttributes> user_attributes(const kit::Value& given);
// MessageSystemAttributes (AWSTraceHeader only).
Result<StoredAttributes> system_attributes(const kit::Value& given);
// The stored attributes a receive asked for (`names`: "All", ".*", "prefix.*"
// or exact names), in the stored form.
kit::Value select_attributes(const kit::Value& stored, const kit::Value& names);
// The stored form as a MessageAttributes output value (binary values as blobs).
kit::Value output_attributes(const kit::Value& stored);
// Whether `body` holds only the characters AWS accepts in a message (XML's:
// #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF) and is UTF-8.
bool valid_message_text(const std::string& body);

}  // namespace nuage::services::sqs
