#include "services/tag_list.h"

namespace nuage::services {

using kit::Value;

Value merge_tags(Value tags, const Value& add) {
  if (!tags.is_array()) tags = Value::array();
  for (const auto& t : add) {
    bool replaced = false;
    for (auto& old : tags)
      if (old["Key"] == t["Key"]) {
        old["Value"] = t.value("Value", "");
        replaced = true;
      }
    if (!replaced) tags.push_back({{"Key", t["Key"]}, {"Value", t.value("Value", "")}});
  }
  return tags;
}

Value remove_tags(const Value& tags, const Value& keys) {
  Value out = Value::array();
  if (!tags.is_array()) return out;
  for (const auto& t : tags) {
    bool drop = false;
    for (const auto& k : keys) drop = drop || t["Key"] == k;
    if (!drop) out.push_back(t);
  }
  return out;
}

}  // namespace nuage::services
