// Download links a provider hands out where AWS hands out presigned S3 URLs
// (Lambda's Code.Location and Content.Location): a URL under /_nuage/ that
// serves one stored file to whoever holds it, checked by an HMAC token under
// a per-process secret (links stop working after a restart, as AWS's
// expire). The route answers the file itself (streamed from disk), or S3's
// AccessDenied error in S3's XML, rendered by the protocol layer — the
// client of such a link talks to "S3" — so no provider writes HTTP or a wire
// format for it.
//
//   DownloadLinks links("/_nuage/lambda/code/", "application/zip",
//                       [&](const std::string& id) { return blob_path_or_nullopt(id); });
//   out["Location"] = links.url(env.port(), blob_id);
//   links.add_route(routes);  // in register_routes
//
// Ids are what the provider names its files by (lowercase hex: blob ids);
// anything else is refused before `find` is asked.
//
// Thread-safety: immutable after construction; `find` is called from HTTP
// worker threads and must be safe there.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "kit/provider.h"

namespace nuage::kit {

class DownloadLinks {
 public:
  using Finder = std::function<std::optional<std::filesystem::path>(const std::string& id)>;
  DownloadLinks(std::string prefix, std::string content_type, Finder find);

  // http://127.0.0.1:<port><prefix><id>?token=<hmac>
  std::string url(uint16_t port, const std::string& id) const;
  void add_route(Routes& routes) const;

  // The answer to a GET of `path` with the query's `token` (the route's handler).
  http::Response serve(const std::string& path, const std::string& token) const;

 private:
  std::string token(const std::string& id) const;

  std::string prefix_, content_type_;
  Finder find_;
  std::string secret_;
};

}  // namespace nuage::kit
