// HTTP request and response values exchanged between the HTTP server and the
// layer above it. Nothing here knows about AWS; nothing here includes Beast.
//
// A request body is either held in memory (small bodies) or spooled to a
// file (large ones), so a 5 GiB upload never sits in memory. A response body
// is either a string or a byte range of a file streamed from disk.
// Thread-safety: plain values, single owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nuage::http {

// Header list in arrival order. Names are stored lower-cased; lookups are
// case-insensitive.
class Headers {
 public:
  void add(std::string_view name, std::string_view value);
  void set(std::string_view name, std::string_view value);  // replaces all
  void remove(std::string_view name);
  const std::string* find(std::string_view name) const;     // first value
  std::string get(std::string_view name, std::string_view fallback = "") const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// A request body. Files it names are owned by the body and removed when it is
// destroyed, unless released (e.g. renamed into the blob store).
class Body {
 public:
  Body() = default;
  explicit Body(std::string bytes) : memory_(std::move(bytes)), size_(memory_.size()) {}
  static Body spooled(std::filesystem::path file, uint64_t size);
  ~Body();
  Body(Body&&) noexcept;
  Body& operator=(Body&&) noexcept;
  Body(const Body&) = delete;
  Body& operator=(const Body&) = delete;

  uint64_t size() const { return size_; }
  bool in_file() const { return !file_.empty(); }
  const std::filesystem::path& file() const { return file_; }
  // The bytes, for in-memory bodies. Empty for spooled ones.
  const std::string& memory() const { return memory_; }
  // Reads the whole body into a string (from memory or file).
  std::string read_all() const;
  // Streams the body in chunks to `sink`; stops early if it returns false.
  bool for_each_chunk(const std::function<bool(std::string_view)>& sink) const;
  // Gives up ownership of the spooled file (caller now owns it).
  std::filesystem::path release_file();

 private:
  std::string memory_;
  std::filesystem::path file_;
  uint64_t size_ = 0;
};

struct Request {
  std::string method;   // "GET", "PUT", ...
  std::string target;   // raw request-target: path and query, still percent-encoded
  Headers headers;
  Body body;
  std::string remote_address;  // peer IP, for aws:SourceIp
  bool secure = false;         // always false today: nuage speaks plain HTTP

  std::string_view path() const;   // target before '?', still encoded
  std::string_view query() const;  // target after '?', still encoded ("" if none)
};

struct FileRange {
  std::filesystem::path path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::optional<FileRange> file;  // when set, streamed instead of `body`
  // Called by the server once the response is fully written (or the
  // connection dropped); lets the producer release what it pinned.
  std::function<void()> on_sent;
};

using Handler = std::function<Response(Request&)>;

}  // namespace nuage::http
