// A queue's attributes as AWS defines them: which names exist, which a
// client may set (and when: FifoQueue only at creation), their defaults and
// the ranges AWS accepts, checked with AWS's words. Values are kept as AWS
// answers them: strings ("30", "true", a JSON policy).
//
// Thread-safety: pure functions over immutable tables.
#pragma once

#include <optional>
#include <string>

#include "common/error.h"
#include "kit/value.h"

namespace nuage::services::sqs {

// The attributes a new queue has before the client's are applied
// (fifo: the FIFO queue's extra ones).
kit::Value default_attributes(bool fifo);

// Checks `given` (name -> string, as CreateQueue / SetQueueAttributes carry
// them) for a queue of kind `fifo`; `creating`: FifoQueue may be given.
// Returns the error AWS answers for the first bad one: InvalidAttributeName
// for an unknown or read-only name, InvalidAttributeValue for a value out
// of range, and AWS's InvalidParameterValue for FIFO-only attributes on a
// standard queue.
std::optional<AwsError> check_attributes(const kit::Value& given, bool fifo, bool creating);

// Whether `name` is an attribute GetQueueAttributes knows ("All" included).
bool is_known_attribute(const std::string& name);

// The RedrivePolicy of a queue's attributes, parsed; nullopt when unset.
struct RedrivePolicy {
  std::string dead_letter_arn;
  int max_receive_count = 0;
};
std::optional<RedrivePolicy> redrive_policy(const kit::Value& attributes);

}  // namespace nuage::services::sqs
