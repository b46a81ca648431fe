#include "common/documents.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "common/text.h"

namespace nuage::documents {

using nlohmann::json;

namespace {

// nlohmann's DOM builder behind a depth gate: one pass, and the parse stops
// at the first container past the limit (a SAX handler returning false ends
// it), so nothing deeper is ever built.
class DepthLimitedSax {
 public:
  DepthLimitedSax(json& out, size_t max_depth) : dom_(out, false), max_depth_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) { return dom_.number_float(v, s); }
  bool string(json::string_t& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool key(json::string_t& v) { return dom_.key(v); }
  bool start_object(size_t n) { return enter() && dom_.start_object(n); }
  bool start_array(size_t n) { return enter() && dom_.start_array(n); }
  bool end_object() { return leave() && dom_.end_object(); }
  bool end_array() { return leave() && dom_.end_array(); }
  template <class Exception>
  bool parse_error(size_t position, const std::string& token, const Exception& e) {
    return dom_.parse_error(position, token, e);
  }
  bool too_deep() const { return too_deep_; }

 private:
  bool enter() {
    if (++depth_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }
  bool leave() {
    --depth_;
    return true;
  }
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  size_t max_depth_;
  size_t depth_ = 0;
  bool too_deep_ = false;
};

// Walks the CBOR item iteratively, without building anything: what
// from_cbor would recurse into (containers, tags) stays within max_depth,
// and no length claims more bytes or elements than are left. The byte
// ranges of tag heads go to `tags` (nlohmann's reader refuses tags 0-5,
// timestamps among them, so they are cut out before it reads).
Failure scan_cbor(std::string_view b, size_t max_depth, std::vector<std::pair<size_t, size_t>>& tags) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  const size_t n = b.size();
  size_t i = 0;
  // Open containers and tags: items still expected (definite), or
  // UINT64_MAX for an indefinite container that ends with a break byte.
  constexpr uint64_t kIndefinite = UINT64_MAX;
  std::vector<uint64_t> open;
  auto argument = [&](unsigned info, uint64_t& value) -> bool {
    if (info < 24) {
      value = info;
      return true;
    }
    if (info > 27) return false;
    size_t bytes = size_t{1} << (info - 24);
    if (n - i < bytes) return false;
    value = 0;
    for (size_t k = 0; k < bytes; ++k) value = (value << 8) | p[i++];
    return true;
  };
  auto bytes_left = [&] { return static_cast<uint64_t>(n - i); };
  auto string_body = [&](unsigned major, uint64_t length) -> Failure {
    if (length > bytes_left()) return Failure::kTooLarge;
    std::string_view chunk(b.data() + i, static_cast<size_t>(length));
    if (major == 3 && !text::is_valid_utf8(chunk)) return Failure::kInvalidUtf8;
    i += static_cast<size_t>(length);
    return Failure::kNone;
  };
  for (;;) {
    // One data item starts here (or a break closes an indefinite container).
    if (i >= n) return Failure::kSyntax;
    unsigned head = p[i++];
    unsigned major = head >> 5, info = head & 31;
    bool completed = true;
    if (head == 0xFF) {
      if (open.empty() || open.back() != kIndefinite) return Failure::kSyntax;
      open.pop_back();
    } else if (major == 2 || major == 3) {
      if (info == 31) {  // indefinite string: definite chunks of the same type up to a break
        for (;;) {
          if (i >= n) return Failure::kSyntax;
          unsigned chunk = p[i++];
          if (chunk == 0xFF) break;
          uint64_t length;
          if ((chunk >> 5) != major || (chunk & 31) == 31 || !argument(chunk & 31, length))
            return Failure::kSyntax;
          if (Failure f = string_body(major, length); f != Failure::kNone) return f;
        }
      } else {
        uint64_t length;
        if (!argument(info, length)) return Failure::kSyntax;
        if (Failure f = string_body(major, length); f != Failure::kNone) return f;
      }
    } else if (major == 4 || major == 5) {
      uint64_t count = kIndefinite;
      if (info != 31) {
        if (!argument(info, count)) return Failure::kSyntax;
        // Every element takes at least one byte.
        if (count > bytes_left() || (major == 5 && count > bytes_left() / 2)) return Failure::kTooLarge;
        if (major == 5) count *= 2;
      }
      if (count != 0) {
        if (open.size() + 1 > max_depth) return Failure::kTooDeep;
        open.push_back(count);
        completed = false;
      }
    } else if (major == 6) {  // a tag: the next item is its content
      uint64_t tag;
      size_t start = i - 1;
      if (!argument(info, tag)) return Failure::kSyntax;
      tags.emplace_back(start, i - start);
      if (open.size() + 1 > max_depth) return Failure::kTooDeep;
      open.push_back(1);
      completed = false;
    } else if (major == 7) {
      uint64_t ignored;
      if (info >= 28 || !argument(info, ignored)) return Failure::kSyntax;
    } else {  // integers
      uint64_t ignored;
      if (!argument(info, ignored)) return Failure::kSyntax;
    }
    if (!completed) continue;
    // The item is complete: it fills one slot of the innermost container,
    // which may complete in turn.
    while (!open.empty() && open.back() != kIndefinite) {
      if (--open.back() > 0) break;
      open.pop_back();
    }
    if (open.empty()) return i == n ? Failure::kNone : Failure::kSyntax;
  }
}

}  // namespace

Parsed parse_json(std::string_view text, size_t max_depth) {
  Parsed out;
  DepthLimitedSax sax(out.value, max_depth);
  bool ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json, true, false);
  if (!ok) {
    out.value = json(json::value_t::discarded);
    out.failure = sax.too_deep() ? Failure::kTooDeep : Failure::kSyntax;
  }
  return out;
}

json parse_json_or_discarded(std::string_view text) { return parse_json(text).value; }

Parsed parse_cbor(std::string_view bytes, size_t max_depth) {
  Parsed out;
  std::vector<std::pair<size_t, size_t>> tags;
  out.failure = scan_cbor(bytes, max_depth, tags);
  if (out.failure != Failure::kNone) {
    out.value = json(json::value_t::discarded);
    return out;
  }
  std::string untagged;
  if (!tags.empty()) {
    untagged.reserve(bytes.size());
    size_t at = 0;
    for (const auto& [start, length] : tags) {
      untagged.append(bytes.substr(at, start - at));
      at = start + length;
    }
    untagged.append(bytes.substr(at));
    bytes = untagged;
  }
  try {
    out.value = json::from_cbor(bytes.begin(), bytes.end(), true, false, json::cbor_tag_handler_t::error);
  } catch (const json::exception&) {
    out.value = json(json::value_t::discarded);
  }
  if (out.value.is_discarded()) out.failure = Failure::kSyntax;
  return out;
}

}  // namespace nuage::documents
