#include "services/lambda/code.h"

#include <fstream>

#include "common/crypto.h"
#include "common/text.h"
#include "runtime/zip.h"
#include "services/lambda/errors.h"

namespace nuage::services::lambda {

namespace fs = std::filesystem;
using kit::Value;

Code::Code(kit::Environment& env)
    : env_(env), links_("/_nuage/lambda/code/", "application/zip", [this](const std::string& blob) {
        std::optional<fs::path> file;
        if (blobs_ && blobs_->exists(blob)) file = blobs_->path(blob);
        return file;
      }) {}

Status Code::open() {
  if (env_.work_dir.empty()) return Status::Ok();
  fs::path root = env_.work_dir / "lambda";
  blobs_ = std::make_unique<storage::BlobStore>(root / "blobs");
  NUAGE_TRY(blobs_->open());
  cache_dir_ = root / "cache";
  opt_dir_ = root / "opt";
  std::error_code ec;
  fs::create_directories(cache_dir_, ec);
  fs::create_directories(opt_dir_, ec);
  return Status::Ok();
}

std::string Code::location(const std::string& blob) const { return links_.url(env_.port(), blob); }

void Code::add_route(kit::Routes& routes) const { links_.add_route(routes); }

Result<Value> Code::store(const kit::RequestContext& ctx, const Value& code, const std::string& operation) {
  std::string bytes;
  if (code.contains("ZipFile") && !code["ZipFile"].is_null()) {
    bytes = kit::blob_bytes(code["ZipFile"]);
  } else if (code.contains("S3Bucket") && code.contains("S3Key")) {
    Value get = {{"Bucket", code["S3Bucket"]}, {"Key", code["S3Key"]}};
    if (code.contains("S3ObjectVersion")) get["VersionId"] = code["S3ObjectVersion"];
    auto out = env_.call("s3", "GetObject", get, ctx.caller, ctx.region);
    if (!out)
      return errors("InvalidParameterValueException", "Error occurred while GetObject. S3 Error Code: " +
                                                          out.error().code +
                                                          ". S3 Error Message: " + out.error().message);
    if (out->stream_bytes) {
      bytes = *out->stream_bytes;
    } else if (out->stream_file) {
      std::ifstream f(out->stream_file->path, std::ios::binary);
      f.seekg(static_cast<std::streamoff>(out->stream_file->offset));
      bytes.resize(out->stream_file->length);
      f.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    } else if (out->value.contains("Body")) {
      bytes = kit::blob_bytes(out->value["Body"]);
    }
  } else if (code.contains("ImageUri")) {
    return errors("InvalidParameterValueException",
                  "Container images are not supported by nuage: use a .zip file archive.");
  } else {
    return errors("InvalidParameterValueException", "Please provide a source for function code.");
  }
  if (bytes.size() > runtime::kMaxZippedBytes)
    return errors("RequestEntityTooLargeException",
                  "Request must be smaller than 69905067 bytes for the " + operation + " operation");
  auto unzipped = runtime::inspect_zip(bytes);
  if (!unzipped) return unzipped.take_error();
  if (!blobs_) return internal_error("lambda has no storage folder");
  auto blob = blobs_->put(bytes);
  if (!blob) return blob.take_error();
  std::string sha = crypto::sha256(bytes);
  return Value{{"blob", *blob},
               {"sha_hex", text::hex_encode(sha)},
               {"CodeSha256", text::base64_encode(sha)},
               {"size", bytes.size()},
               {"unzipped", *unzipped}};
}

Result<fs::path> Code::extracted(const std::string& blob, const std::string& sha_hex) {
  fs::path dest = cache_dir_ / sha_hex;
  if (fs::exists(dest)) return dest;
  std::lock_guard lock(extract_mu_);
  if (fs::exists(dest)) return dest;
  NUAGE_TRY(runtime::extract_zip(blobs_->path(blob), dest));
  return dest;
}

// Built once per list of layer hashes, from hard links into the cache.
Result<fs::path> Code::merged_layers(const Value& layers) {
  if (!layers.is_array() || layers.empty()) return fs::path();
  std::string key;
  for (const auto& l : layers) key += l.value("sha_hex", "") + ",";
  fs::path dest = opt_dir_ / text::hex_encode(crypto::sha256(key));
  if (fs::exists(dest)) return dest;
  std::vector<fs::path> sources;
  for (const auto& l : layers) {
    auto dir = extracted(l["blob"], l["sha_hex"]);
    if (!dir) return dir.take_error();
    sources.push_back(*dir);
  }
  std::lock_guard lock(extract_mu_);
  if (fs::exists(dest)) return dest;
  fs::path tmp = dest.string() + ".tmp-" + text::hex_encode(crypto::random_bytes(6));
  std::error_code ec;
  fs::create_directories(tmp, ec);
  for (const auto& src : sources) {
    fs::copy(src, tmp,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing | fs::copy_options::copy_symlinks |
                 fs::copy_options::create_hard_links,
             ec);
    if (ec) {
      // Hard links may be refused (another file system): copy instead.
      ec.clear();
      fs::copy(src, tmp,
               fs::copy_options::recursive | fs::copy_options::overwrite_existing | fs::copy_options::copy_symlinks,
               ec);
      if (ec) return internal_error("cannot merge layers: " + ec.message());
    }
  }
  fs::rename(tmp, dest, ec);
  if (ec) fs::remove_all(tmp, ec);
  return dest;
}

}  // namespace nuage::services::lambda
