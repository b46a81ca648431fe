// The blob store: large immutable byte strings (S3 objects, Lambda zips) as
// files under one folder, named by opaque ids. A blob becomes visible only
// once complete: written to a temporary file, fsynced, then renamed into
// place; the caller commits the database row that names it afterwards, so a
// crash leaves at worst an unreferenced file, never a half-written blob.
//
// Ids are generated here (random hex), never derived from user input, so no
// key or name can reach a path outside the store.
// Thread-safety: all members are safe from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace nuage::storage {

class BlobStore {
 public:
  explicit BlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  // Creates the folders and empties the temporary one (what a crash left
  // there was never acknowledged). Call once before use.
  Status open();

  // Stores `bytes`; returns the new blob id.
  Result<std::string> put(std::string_view bytes);
  // Moves an existing file (e.g. a spooled request body on the same file
  // system) into the store after fsyncing it; returns the new blob id.
  Result<std::string> adopt(const std::filesystem::path& file);
  std::filesystem::path path(const std::string& id) const;
  bool exists(const std::string& id) const;
  void remove(const std::string& id);
  // A fresh temporary file path inside the store (same file system).
  std::filesystem::path temp_path() const;
  const std::filesystem::path& root() const { return root_; }

 private:
  static std::string new_id();
  std::filesystem::path root_;
};

}  // namespace nuage::storage
