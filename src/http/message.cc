#include "http/message.h"

#include <fstream>
#include <system_error>

#include "common/text.h"

namespace nuage::http {

void Headers::add(std::string_view name, std::string_view value) {
  items_.emplace_back(text::lower(name), std::string(value));
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void Headers::remove(std::string_view name) {
  std::erase_if(items_, [&](const auto& kv) { return text::iequals(kv.first, name); });
}

const std::string* Headers::find(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (text::iequals(k, name)) return &v;
  return nullptr;
}

std::string Headers::get(std::string_view name, std::string_view fallback) const {
  const std::string* v = find(name);
  return v ? *v : std::string(fallback);
}

Body Body::spooled(std::filesystem::path file, uint64_t size) {
  Body b;
  b.file_ = std::move(file);
  b.size_ = size;
  return b;
}

Body::~Body() {
  if (!file_.empty()) {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
  }
}

Body::Body(Body&& o) noexcept
    : memory_(std::move(o.memory_)), file_(std::move(o.file_)), size_(o.size_) {
  o.file_.clear();
  o.size_ = 0;
}

Body& Body::operator=(Body&& o) noexcept {
  if (this != &o) {
    if (!file_.empty()) {
      std::error_code ec;
      std::filesystem::remove(file_, ec);
    }
    memory_ = std::move(o.memory_);
    file_ = std::move(o.file_);
    size_ = o.size_;
    o.file_.clear();
    o.size_ = 0;
  }
  return *this;
}

std::string Body::read_all() const {
  if (file_.empty()) return memory_;
  std::string out;
  out.reserve(size_);
  for_each_chunk([&](std::string_view chunk) {
    out.append(chunk);
    return true;
  });
  return out;
}

bool Body::for_each_chunk(const std::function<bool(std::string_view)>& sink) const {
  if (file_.empty()) return memory_.empty() || sink(memory_);
  std::ifstream in(file_, std::ios::binary);
  if (!in) return false;
  std::string buf(1 << 16, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = in.gcount();
    if (n <= 0) break;
    if (!sink(std::string_view(buf.data(), static_cast<size_t>(n)))) return false;
  }
  return true;
}

std::filesystem::path Body::release_file() {
  auto f = std::move(file_);
  file_.clear();
  return f;
}

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

}  // namespace nuage::http
