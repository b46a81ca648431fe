// Small text utilities shared by every layer: case, trimming, splitting,
// percent-encoding as AWS defines it (RFC 3986 unreserved set), base64, hex.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nuage::text {

std::string lower(std::string_view s);
// ASCII case-insensitive equality (HTTP header names and tokens).
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// RFC 3986 percent-encoding of everything but unreserved characters
// (A-Z a-z 0-9 - _ . ~); when keep_slash, '/' is kept as well.
std::string uri_encode(std::string_view s, bool keep_slash = false);
// Percent-decoding; when plus_is_space, '+' decodes to ' ' (form bodies).
// Returns nullopt on a malformed escape.
std::optional<std::string> uri_decode(std::string_view s, bool plus_is_space = false);

// Split "a=1&b=2" into decoded pairs, in order. Malformed escapes -> nullopt.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(
    std::string_view query, bool plus_is_space);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);

// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool is_valid_utf8(std::string_view s);
// Code points in valid UTF-8 text.
size_t utf8_length(std::string_view s);

}  // namespace nuage::text
