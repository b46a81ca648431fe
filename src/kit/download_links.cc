#include "kit/download_links.h"

#include "common/crypto.h"
#include "common/text.h"
#include "kit/errors.h"
#include "protocol/protocol.h"

namespace nuage::kit {

DownloadLinks::DownloadLinks(std::string prefix, std::string content_type, Finder find)
    : prefix_(std::move(prefix)),
      content_type_(std::move(content_type)),
      find_(std::move(find)),
      secret_(crypto::random_bytes(32)) {}

std::string DownloadLinks::token(const std::string& id) const {
  return text::hex_encode(crypto::hmac_sha256(secret_, id)).substr(0, 32);
}

std::string DownloadLinks::url(uint16_t port, const std::string& id) const {
  return "http://127.0.0.1:" + std::to_string(port) + prefix_ + id + "?token=" + token(id);
}

void DownloadLinks::add_route(Routes& routes) const {
  routes.emplace_back(prefix_, [this](http::Request& request) {
    std::string token;
    if (auto q = text::parse_query(request.query(), false))
      for (const auto& [k, v] : *q)
        if (k == "token") token = v;
    return serve(std::string(request.path()), token);
  });
}

http::Response DownloadLinks::serve(const std::string& path, const std::string& given) const {
  std::string id = path.substr(path.rfind('/') + 1);
  std::optional<std::filesystem::path> file;
  if (!id.empty() && id.find_first_not_of("0123456789abcdef") == std::string::npos && given == token(id))
    file = find_(id);
  std::error_code ec;
  uint64_t size = file ? std::filesystem::file_size(*file, ec) : 0;
  if (!file || ec) {
    // What S3 answers for a presigned URL that does not hold.
    static const Errors s3_errors("s3", {{"AccessDenied", 403}});
    return protocol::find_protocol("rest-xml")
        ->serialize_error(*model::find_service("s3"),
                          s3_errors("AccessDenied", "Request has expired or the signature does not match"),
                          crypto::random_uuid());
  }
  http::Response res;
  res.headers.set("Content-Type", content_type_);
  res.file = http::FileRange{*file, 0, size};
  return res;
}

}  // namespace nuage::kit
