// Lambda's deployment packages: function code and layer content given as a
// ZipFile or an S3 object, checked (runtime/zip.h: no path leaves the
// package, AWS's size limits) and kept in the blob store under
// <work>/lambda/blobs; extracted once per package hash into
// <work>/lambda/cache/<sha256>; the layers of a configuration merged once
// into <work>/lambda/opt/<hash of the list> (later layers win, as AWS merges
// them). The code download route (GET /_nuage/lambda/code/<blob>?token=...)
// is a kit::DownloadLinks: the Code.Location GetFunction answers.
//
// Thread-safety: safe from any thread; extractions run one at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "kit/download_links.h"
#include "kit/environment.h"
#include "kit/provider.h"
#include "kit/value.h"
#include "storage/blob_store.h"

namespace nuage::services::lambda {

class Code {
 public:
  explicit Code(kit::Environment& env);
  // Opens the blob store and the cache folders; nothing without a work folder.
  Status open();

  // Validates and stores a package given as {ZipFile} or {S3Bucket, S3Key,
  // S3ObjectVersion}: {blob, sha_hex, CodeSha256, size, unzipped}.
  // `operation` words the too-large error as AWS does.
  Result<kit::Value> store(const kit::RequestContext& ctx, const kit::Value& code, const std::string& operation);
  // Where GetFunction / GetLayerVersion say the package can be downloaded.
  std::string location(const std::string& blob) const;
  void add_route(kit::Routes& routes) const;

  // The package's folder, extracted on first use.
  Result<std::filesystem::path> extracted(const std::string& blob, const std::string& sha_hex);
  // The layers of a configuration ([{blob, sha_hex}]) merged into one
  // folder; "" when there are none.
  Result<std::filesystem::path> merged_layers(const kit::Value& layers);

 private:
  kit::Environment& env_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::filesystem::path cache_dir_, opt_dir_;
  std::mutex extract_mu_;  // one extraction at a time (they are cached)
  kit::DownloadLinks links_;
};

}  // namespace nuage::services::lambda
