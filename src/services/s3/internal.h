// Pieces shared by the files of the S3 provider: S3's error values (worded
// as S3 words them), the object row layout, ids and small conversions.
// Thread-safety: pure functions.
#pragma once

#include <unistd.h>

#include <cmath>
#include <string>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/s3/errors.h"
#include "services/s3/provider.h"

namespace nuage::services::s3::detail {

using Value = kit::Value;

inline AwsError no_such_bucket(const std::string& bucket) {
  return errors("NoSuchBucket", "The specified bucket does not exist", Value{{"BucketName", bucket}});
}
inline AwsError no_such_key(const std::string& key) {
  return errors("NoSuchKey", "The specified key does not exist.", Value{{"Key", key}});
}
inline AwsError no_such_version(const std::string& key, const std::string& version) {
  return errors("NoSuchVersion", "The specified version does not exist.", Value{{"Key", key}, {"VersionId", version}});
}
inline AwsError no_such_upload(const std::string& upload_id) {
  return errors("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
                  "been aborted or completed.", Value{{"UploadId", upload_id}});
}
inline AwsError access_denied() { return errors("AccessDenied", "Access Denied"); }
inline AwsError invalid_argument(const std::string& message, const std::string& name, const std::string& value) {
  return errors("InvalidArgument", message, Value{{"ArgumentName", name}, {"ArgumentValue", value}});
}
inline AwsError invalid_request(const std::string& message) { return errors("InvalidRequest", message); }
inline AwsError malformed_xml() {
  return errors("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
}
inline AwsError precondition_failed(const std::string& condition) {
  return errors("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", Value{{"Condition", condition}});
}
inline AwsError not_modified() { return errors("NotModified", "Not Modified"); }

// What S3 keeps of a write request's representation headers (content type
// and encoding, disposition, cache control, Metadata, StorageClass...).
Value content_meta(const Value& in);
// x-amz-tagging: "k1=v1&k2=v2" (form-encoded) as a TagSet array.
Result<Value> parse_tagging_header(const std::string& header);

// Writes all of `data` to `fd`; false on error.
inline bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t w = ::write(fd, data, size);
    if (w <= 0) return false;
    data += w;
    size -= static_cast<size_t>(w);
  }
  return true;
}

inline constexpr const char* kObjectColumns =
    "id, bucket, key, version_id, latest, delete_marker, blob, size, etag, modified, meta";

inline Provider::Object read_object(const storage::Row& r) {
  Provider::Object o;
  o.id = r.integer(0);
  o.bucket = r.text(1);
  o.key = r.text(2);
  o.version_id = r.text(3);
  o.latest = r.integer(4) != 0;
  o.delete_marker = r.integer(5) != 0;
  o.blob = r.is_null(6) ? "" : r.text(6);
  o.size = r.integer(7);
  o.etag = r.is_null(8) ? "" : r.text(8);
  o.modified = r.real(9);
  o.meta = Value::parse(r.text(10), nullptr, false);
  if (!o.meta.is_object()) o.meta = Value::object();
  return o;
}

inline constexpr const char* kBucketColumns = "name, account, region, created, versioning, config";

inline Provider::Bucket read_bucket(const storage::Row& r) {
  Provider::Bucket b;
  b.name = r.text(0);
  b.account = r.text(1);
  b.region = r.text(2);
  b.created = r.real(3);
  b.versioning = r.text(4);
  b.config = Value::parse(r.text(5), nullptr, false);
  if (!b.config.is_object()) b.config = Value::object();
  return b;
}

inline std::string quote_etag(const std::string& etag) { return "\"" + etag + "\""; }
inline std::string unquoted(std::string_view etag) {
  etag = text::trim(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

// Raw bytes of a hex string (an MD5 ETag); "" if it is not hex.
inline std::string hex_bytes(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2) return "";
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return "";
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// S3 version and upload ids: opaque, URL-safe.
inline std::string new_id(size_t bytes) {
  std::string b = text::base64_encode(crypto::random_bytes(bytes));
  for (char& c : b) {
    if (c == '+') c = '.';
    if (c == '/') c = '_';
  }
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

// S3 keeps whole seconds (listings show .000Z, headers have no fraction).
inline double now_seconds(const kit::RequestContext& ctx) {
  return std::floor(timefmt::epoch_seconds(ctx.clock->now()));
}

inline Value owner() {
  return Value{{"DisplayName", "webfile"},
               {"ID", "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"}};
}

// encoding-type=url: keys and prefixes percent-encoded (botocore decodes
// them with unquote_plus, so '+' must be %2B and ' ' may be %20).
inline std::string maybe_encode(const std::string& s, bool url) { return url ? text::uri_encode(s, true) : s; }

}  // namespace nuage::services::s3::detail
