// Safe reading of deployment packages (function code and layers) with
// libzip: checks AWS's limits and extracts without ever writing outside the
// destination folder — entries with "..", absolute paths, or symbolic links
// that point outside are refused before anything is written.
// Thread-safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "common/error.h"

namespace nuage::runtime {

inline constexpr uint64_t kMaxZippedBytes = 50ULL * 1024 * 1024;       // direct upload
inline constexpr uint64_t kMaxUnzippedBytes = 250ULL * 1024 * 1024;    // code + layers

// The error AWS answers for a package it cannot read.
AwsError unzip_error();

// Opens the zip in memory and checks every entry (names, links, total size,
// and that each decompresses to the size and CRC its header declares).
// Returns the total unzipped size.
Result<uint64_t> inspect_zip(std::string_view bytes);

// Extracts the zip file into `dest` (which must not exist yet; it is built
// in a sibling temporary folder and renamed into place, so a concurrent or
// interrupted extraction never leaves a half folder).
Status extract_zip(const std::filesystem::path& zip, const std::filesystem::path& dest);

}  // namespace nuage::runtime
