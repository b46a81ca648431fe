#include "runtime/clients.h"

#include <fstream>

namespace nuage::runtime {

Status write_clients(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return internal_error("cannot create " + dir.string() + ": " + ec.message());
  for (const auto& [name, content] : embedded_clients()) {
    std::filesystem::path tmp = dir / (std::string(name) + ".tmp");
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(content.data(), static_cast<std::streamsize>(content.size()));
      if (!out) return internal_error("cannot write " + tmp.string());
    }
    std::filesystem::rename(tmp, dir / std::string(name), ec);
    if (ec) return internal_error("cannot write " + (dir / std::string(name)).string());
  }
  return Status::Ok();
}

}  // namespace nuage::runtime
