// Tag lists of the [{"Key": ..., "Value": ...}] form most AWS APIs use (IAM,
// EventBridge, Scheduler, EC2, ...), changed the way AWS changes them.
// Thread-safety: pure functions.
#pragma once

#include "kit/value.h"

namespace nuage::services {

// `tags` with each tag of `add` set: a tag whose key is present takes the
// new value, others are appended.
kit::Value merge_tags(kit::Value tags, const kit::Value& add);
// `tags` without the tags whose key is in `keys`.
kit::Value remove_tags(const kit::Value& tags, const kit::Value& keys);

}  // namespace nuage::services
