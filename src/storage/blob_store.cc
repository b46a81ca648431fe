#include "storage/blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "common/crypto.h"
#include "common/text.h"

namespace nuage::storage {

namespace fs = std::filesystem;

static Status fsync_file(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) return internal_error("open " + p.string());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return internal_error("fsync " + p.string());
  return Status::Ok();
}

static void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

Status BlobStore::open() {
  std::error_code ec;
  fs::create_directories(root_ / "tmp", ec);
  if (ec) return internal_error("cannot create " + (root_ / "tmp").string() + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(root_ / "tmp", ec)) fs::remove(entry.path(), ec);
  return Status::Ok();
}

std::string BlobStore::new_id() { return text::hex_encode(crypto::random_bytes(16)); }

fs::path BlobStore::path(const std::string& id) const { return root_ / id.substr(0, 2) / id; }

fs::path BlobStore::temp_path() const { return root_ / "tmp" / new_id(); }

bool BlobStore::exists(const std::string& id) const {
  std::error_code ec;
  return id.size() > 2 && fs::exists(path(id), ec);
}

Result<std::string> BlobStore::put(std::string_view bytes) {
  fs::path tmp = temp_path();
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return internal_error("cannot create " + tmp.string());
  size_t written = bytes.empty() ? 0 : std::fwrite(bytes.data(), 1, bytes.size(), f);
  bool ok = written == bytes.size() && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok) {
    std::error_code ec;
    fs::remove(tmp, ec);
    return internal_error("cannot write " + tmp.string());
  }
  return adopt(tmp);
}

Result<std::string> BlobStore::adopt(const fs::path& file) {
  NUAGE_TRY(fsync_file(file));
  std::string id = new_id();
  fs::path dest = path(id);
  std::error_code ec;
  fs::create_directories(dest.parent_path(), ec);
  fs::rename(file, dest, ec);
  if (ec) {
    // Different file system: copy, then fsync the copy.
    fs::path tmp = temp_path();
    fs::copy_file(file, tmp, ec);
    if (ec) return internal_error("cannot store blob: " + ec.message());
    NUAGE_TRY(fsync_file(tmp));
    fs::rename(tmp, dest, ec);
    if (ec) return internal_error("cannot store blob: " + ec.message());
    fs::remove(file, ec);
  }
  fsync_dir(dest.parent_path());
  return id;
}

void BlobStore::remove(const std::string& id) {
  if (id.size() <= 2) return;
  std::error_code ec;
  fs::remove(path(id), ec);
}

}  // namespace nuage::storage
