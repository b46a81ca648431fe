// Fuzzes the deployment-package reader (libzip): inspection of a zip held in
// memory and, when it passes, extraction — which must never write outside
// its destination, whatever the entries' names and links say.
// Input: the zip file's bytes.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fuzz_input.h"
#include "runtime/zip.h"

namespace fs = std::filesystem;
using namespace nuage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = fuzz::as_text(data, size);
  if (!runtime::inspect_zip(bytes)) return 0;
  // A private folder holding only the zip and the destination: after the
  // extraction it must hold nothing else.
  static const fs::path root = fs::temp_directory_path() / ("nuage-zip-fuzz-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root / "jail");
  fs::path zip = root / "jail" / "code.zip";
  std::ofstream(zip, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  (void)runtime::extract_zip(zip, root / "jail" / "out");
  for (const auto& entry : fs::directory_iterator(root / "jail"))
    if (entry.path().filename() != "code.zip" && entry.path().filename() != "out") {
      std::fprintf(stderr, "extraction escaped its destination: %s\n", entry.path().c_str());
      std::abort();
    }
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.path().filename() != "jail") {
      std::fprintf(stderr, "extraction escaped its destination: %s\n", entry.path().c_str());
      std::abort();
    }
  fs::remove_all(root, ec);
  return 0;
}
