#include "kit/value.h"

#include "common/time.h"

namespace nuage::kit {

// A placeholder is an empty binary value whose subtype is this tag plus the
// document's index in Output::shared; blobs never carry a subtype.
static constexpr std::uint64_t kSharedTag = 0x6e75616765000000ULL;

Value Output::share(std::shared_ptr<const Value> doc) {
  shared.push_back(std::move(doc));
  return Value::binary({}, kSharedTag + (shared.size() - 1));
}

const Value& Output::resolve(const Value& v) const {
  if (!v.is_binary() || !v.get_binary().has_subtype()) return v;
  std::uint64_t subtype = v.get_binary().subtype();
  if (subtype < kSharedTag || subtype - kSharedTag >= shared.size()) return v;
  return *shared[subtype - kSharedTag];
}

static Value inlined(const Output& out, const Value& v) {
  const Value& doc = out.resolve(v);
  if (doc.is_object()) {
    Value copy = Value::object();
    for (const auto& [k, item] : doc.items()) copy[k] = inlined(out, item);
    return copy;
  }
  if (doc.is_array()) {
    Value copy = Value::array();
    for (const auto& item : doc) copy.push_back(inlined(out, item));
    return copy;
  }
  return doc;
}

Value Output::materialized() const { return shared.empty() ? value : inlined(*this, value); }

std::string blob_bytes(const Value& value) {
  if (value.is_binary()) {
    const auto& b = value.get_binary();
    return std::string(b.begin(), b.end());
  }
  if (value.is_string()) return value.get<std::string>();
  return {};
}

Value make_blob(std::string bytes) { return Value::binary(std::vector<uint8_t>(bytes.begin(), bytes.end())); }

std::optional<double> timestamp_seconds(const Value& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    if (auto t = timefmt::parse(value.get<std::string>())) return timefmt::epoch_seconds(*t);
  }
  return std::nullopt;
}

}  // namespace nuage::kit
