// Helpers shared by the fuzz targets: splitting one libFuzzer input into the
// pieces a target feeds its parser.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace nuage::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The text up to the first '\n' and everything after it (empty when there is none).
inline std::pair<std::string_view, std::string_view> first_line(std::string_view input) {
  size_t cut = input.find('\n');
  if (cut == std::string_view::npos) return {input, {}};
  return {input.substr(0, cut), input.substr(cut + 1)};
}

}  // namespace nuage::fuzz
