// Tag lists of the [{"Key": ..., "Value": ...}] form most AWS APIs use (IAM,
// EventBridge, Scheduler, EC2, ...), changed the way AWS changes them.
// Thread-safety: pure functions.
#pragma once

#include "protocol/protocol.h"

namespace nuage::services {

// `tags` with each tag of `add` set: a tag whose key is present takes the
// new value, others are appended.
protocol::Value merge_tags(protocol::Value tags, const protocol::Value& add);
// `tags` without the tags whose key is in `keys`.
protocol::Value remove_tags(const protocol::Value& tags, const protocol::Value& keys);

}  // namespace nuage::services
