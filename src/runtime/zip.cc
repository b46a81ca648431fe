#include "runtime/zip.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/text.h"

namespace nuage::runtime {

namespace fs = std::filesystem;

AwsError unzip_error() {
  return AwsError{"InvalidParameterValueException",
                  "Could not unzip uploaded file. Please check your file, then try to upload again.", 400};
}

namespace {

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

struct Entry {
  zip_uint64_t index;
  std::string name;  // without a trailing '/'
  bool dir = false;
  bool link = false;
  mode_t mode = 0644;
  uint64_t size = 0;
};

// A relative path made of ordinary components only ("a/b.py", never "../x",
// "/etc/x", "a//b" or "./a").
bool safe_relative(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find('\\') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos)
    return false;
  for (const auto& part : text::split(name, '/'))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

// Whether `target` of a link at `name` stays inside the package, lexically.
bool link_inside(const std::string& name, const std::string& target) {
  if (target.empty() || target.front() == '/') return false;
  std::vector<std::string> stack;
  auto parts = text::split(name, '/');
  parts.pop_back();  // the link's own name
  for (auto& p : parts) stack.push_back(p);
  for (const auto& p : text::split(target, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (stack.empty()) return false;
      stack.pop_back();
    } else {
      stack.push_back(p);
    }
  }
  return true;
}

Result<std::string> read_entry(zip_t* z, zip_uint64_t index, uint64_t limit) {
  zip_file_t* f = zip_fopen_index(z, index, 0);
  if (!f) return unzip_error();
  std::string out;
  char buf[65536];
  zip_int64_t n;
  while ((n = zip_fread(f, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) break;
  }
  zip_fclose(f);
  if (n < 0) return unzip_error();
  return out;
}

// Lists and checks the entries of an open archive.
Result<std::vector<Entry>> entries(zip_t* z, uint64_t* total) {
  zip_int64_t count = zip_get_num_entries(z, 0);
  if (count < 0) return unzip_error();
  std::vector<Entry> out;
  std::set<std::string> links;
  *total = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) return unzip_error();
    Entry e;
    e.index = static_cast<zip_uint64_t>(i);
    e.name = st.name;
    if (!e.name.empty() && e.name.back() == '/') {
      e.dir = true;
      e.name.pop_back();
    }
    if (e.name.empty()) continue;
    if (!safe_relative(e.name)) return unzip_error();
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    if (zip_file_get_external_attributes(z, e.index, 0, &opsys, &attr) == 0 && opsys == ZIP_OPSYS_UNIX) {
      mode_t mode = static_cast<mode_t>(attr >> 16);
      if (S_ISLNK(mode)) e.link = true;
      if (S_ISDIR(mode)) e.dir = true;
      if (mode & 0777) e.mode = mode & 0755;
    }
    if (e.mode == 0644 && (e.name == "bootstrap" || text::ends_with(e.name, "/bootstrap"))) e.mode = 0755;
    e.size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
    *total += e.size;
    if (*total > kMaxUnzippedBytes) return unzip_error();
    if (e.link) links.insert(e.name);
    out.push_back(std::move(e));
  }
  // Nothing may be written through a link of the package.
  for (const auto& e : out) {
    std::string prefix;
    auto parts = text::split(e.name, '/');
    for (size_t k = 0; k + 1 < parts.size(); ++k) {
      prefix += (k ? "/" : "") + parts[k];
      if (links.count(prefix)) return unzip_error();
    }
  }
  for (const auto& e : out) {
    if (!e.link) continue;
    auto target = read_entry(z, e.index, 4096);
    if (!target || !link_inside(e.name, *target)) return unzip_error();
  }
  return out;
}

ZipPtr open_buffer(std::string_view bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!src) return nullptr;
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &error);
  if (!z) zip_source_free(src);
  zip_error_fini(&error);
  return ZipPtr(z);
}

Status write_file(const fs::path& path, std::string_view data, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return unzip_error();
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return internal_error("cannot write " + path.string());
    }
    off += static_cast<size_t>(n);
  }
  ::fchmod(fd, mode);
  ::close(fd);
  return Status::Ok();
}

// Decompresses every file entry without keeping it: what it holds must be
// what its header says (size, and CRC, which libzip checks at the end), so a
// package whose headers lie is refused when it is uploaded, not when a later
// invocation extracts it.
Status verify_contents(zip_t* z, const std::vector<Entry>& list) {
  char buf[65536];
  uint64_t total = 0;
  for (const auto& e : list) {
    if (e.dir) continue;
    zip_file_t* f = zip_fopen_index(z, e.index, 0);
    if (!f) return unzip_error();
    uint64_t got = 0;
    zip_int64_t n;
    while ((n = zip_fread(f, buf, sizeof buf)) > 0) {
      got += static_cast<uint64_t>(n);
      total += static_cast<uint64_t>(n);
      if (got > e.size || total > kMaxUnzippedBytes) break;
    }
    zip_fclose(f);
    if (n < 0 || got != e.size) return unzip_error();
  }
  return Status::Ok();
}

}  // namespace

Result<uint64_t> inspect_zip(std::string_view bytes) {
  ZipPtr z = open_buffer(bytes);
  if (!z) return unzip_error();
  uint64_t total = 0;
  auto list = entries(z.get(), &total);
  if (!list) return list.take_error();
  NUAGE_TRY(verify_contents(z.get(), *list));
  return total;
}

Status extract_zip(const fs::path& zip, const fs::path& dest) {
  int err = 0;
  ZipPtr z(zip_open(zip.c_str(), ZIP_RDONLY, &err));
  if (!z) return unzip_error();
  uint64_t total = 0;
  auto list = entries(z.get(), &total);
  if (!list) return list.take_error();
  fs::path tmp = dest.string() + ".tmp-" + text::hex_encode(crypto::random_bytes(6));
  std::error_code ec;
  fs::create_directories(tmp, ec);
  if (ec) return internal_error("cannot create " + tmp.string());
  auto fail = [&](AwsError e) -> Status {
    fs::remove_all(tmp, ec);
    return e;
  };
  uint64_t written = 0;
  // Directories and files first, links last: no write ever goes through a link.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& e : *list) {
      if (e.link != (pass == 1)) continue;
      fs::path target = tmp / e.name;
      if (e.dir) {
        fs::create_directories(target, ec);
        if (ec) return fail(unzip_error());
        continue;
      }
      fs::create_directories(target.parent_path(), ec);
      if (ec) return fail(unzip_error());
      auto data = read_entry(z.get(), e.index, kMaxUnzippedBytes);
      if (!data) return fail(data.take_error());
      written += data->size();
      if (written > kMaxUnzippedBytes) return fail(unzip_error());
      if (e.link) {
        if (::symlink(data->c_str(), target.c_str()) != 0) return fail(unzip_error());
      } else {
        NUAGE_TRY(write_file(target, *data, e.mode));
      }
    }
  }
  fs::rename(tmp, dest, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    // Another thread extracted the same package first: its folder is as good.
    if (fs::exists(dest)) return Status::Ok();
    return internal_error("cannot rename into " + dest.string());
  }
  return Status::Ok();
}

}  // namespace nuage::runtime
