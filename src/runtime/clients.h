// nuage's own Lambda runtime clients (src/runtime/clients/: bootstrap.py,
// bootstrap.js), embedded in the binary by CMake and written to a folder at
// start so execution environments can run them (mounted at /var/runtime).
// Thread-safety: embedded_clients() is immutable; write_clients() is called
// once at start.
#pragma once

#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace nuage::runtime {

// (file name, content) of every embedded client.
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_clients();

// Writes every client into `dir` (created if needed).
Status write_clients(const std::filesystem::path& dir);

}  // namespace nuage::runtime
