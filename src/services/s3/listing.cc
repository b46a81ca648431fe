// S3 listings: ListObjects (v1), ListObjectsV2 and ListObjectVersions, in
// S3's byte order of UTF-8 keys (SQLite's BINARY collation is memcmp), with
// prefixes, delimiters (CommonPrefixes), markers and continuation tokens.
// Rows are read in bounded batches from an index range, and a common prefix
// is skipped with one seek, so a listing costs O(page), not O(bucket).
#include <limits>

#include "services/s3/internal.h"

namespace nuage::services::s3 {

using namespace detail;
using Object = Provider::Object;
using Output = Provider::Output;

namespace {

constexpr int64_t kBatch = 1000;

// Greater than every key that starts with `prefix`: UTF-8 never contains
// the byte 0xFF.
std::string past_prefix(const std::string& prefix) { return prefix + "\xff"; }

Result<int64_t> max_keys_of(const Value& in, const char* member) {
  int64_t n = in.value(member, int64_t(1000));
  if (n < 0) return invalid_argument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", std::to_string(n));
  return std::min<int64_t>(n, 1000);
}

Value object_entry(const Object& o, bool with_owner, bool url) {
  Value e = {{"Key", maybe_encode(o.key, url)},
             {"LastModified", o.modified},
             {"ETag", quote_etag(o.etag)},
             {"Size", o.size},
             {"StorageClass", o.meta.value("StorageClass", "STANDARD")}};
  if (with_owner) e["Owner"] = owner();
  if (auto it = o.meta.find("Checksum"); it != o.meta.end()) {
    e["ChecksumAlgorithm"] = Value::array({it->value("Algorithm", "")});
    e["ChecksumType"] = it->value("Type", "FULL_OBJECT");
  }
  return e;
}

}  // namespace

Result<Output> Provider::list_objects(Context& ctx, const Value& in, bool v2) {
  std::string bucket = in.at("Bucket");
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  std::string prefix = in.value("Prefix", ""), delimiter = in.value("Delimiter", "");
  bool url = in.value("EncodingType", "") == "url";
  auto max_keys = max_keys_of(in, "MaxKeys");
  if (!max_keys) return max_keys.error();
  std::string marker;
  if (v2) {
    if (auto it = in.find("ContinuationToken"); it != in.end()) {
      auto t = text::base64_decode(it->get<std::string>());
      if (!t || t->empty())
        return invalid_argument("The continuation token provided is incorrect", "continuation-token",
                                it->get<std::string>());
      marker = *t;
    } else {
      marker = in.value("StartAfter", "");
    }
  } else {
    marker = in.value("Marker", "");
  }
  // A marker that is itself a common prefix resumes after everything under it.
  std::string cursor = marker;
  if (!delimiter.empty() && text::starts_with(marker, prefix) && text::ends_with(marker, delimiter) &&
      marker.find(delimiter, prefix.size()) == marker.size() - delimiter.size())
    cursor = past_prefix(marker);

  Value contents = Value::array(), prefixes = Value::array();
  int64_t count = 0;
  bool truncated = false, done = *max_keys == 0;
  std::string last;
  for (int guard = 0; !done && guard < 1000000; ++guard) {
    std::vector<Object> rows;
    // One bound only, so the index range starts where the page does.
    bool from_prefix = cursor < prefix;
    NUAGE_TRY(db_.exec(std::string("SELECT ") + kObjectColumns + " FROM s3_objects WHERE bucket = ? AND latest = 1 AND " +
                           (from_prefix ? "key >= ?" : "key > ?") + " ORDER BY key LIMIT ?",
                       {bucket, from_prefix ? prefix : cursor, kBatch},
                       [&](const storage::Row& r) { rows.push_back(read_object(r)); }));
    if (rows.empty()) break;
    bool reseek = false;
    for (const auto& o : rows) {
      cursor = o.key;
      if (!text::starts_with(o.key, prefix)) {
        done = true;
        break;
      }
      if (o.delete_marker) continue;
      if (!delimiter.empty()) {
        auto pos = o.key.find(delimiter, prefix.size());
        if (pos != std::string::npos) {
          if (count == *max_keys) {
            truncated = true;
            done = true;
            break;
          }
          std::string cp = o.key.substr(0, pos + delimiter.size());
          prefixes.push_back({{"Prefix", maybe_encode(cp, url)}});
          ++count;
          last = cp;
          cursor = past_prefix(cp);
          reseek = true;
          break;
        }
      }
      if (count == *max_keys) {
        truncated = true;
        done = true;
        break;
      }
      contents.push_back(object_entry(o, !v2 || in.value("FetchOwner", false), url));
      ++count;
      last = o.key;
    }
    if (!reseek && static_cast<int64_t>(rows.size()) < kBatch) break;
  }

  Output out;
  Value& v = out.value;
  v["Name"] = bucket;
  v["Prefix"] = maybe_encode(prefix, url);
  v["MaxKeys"] = *max_keys;
  v["IsTruncated"] = truncated;
  if (!delimiter.empty()) v["Delimiter"] = maybe_encode(delimiter, url);
  if (url) v["EncodingType"] = "url";
  if (!contents.empty()) v["Contents"] = contents;
  if (!prefixes.empty()) v["CommonPrefixes"] = prefixes;
  if (v2) {
    v["KeyCount"] = count;
    if (in.contains("ContinuationToken")) v["ContinuationToken"] = in["ContinuationToken"];
    if (in.contains("StartAfter")) v["StartAfter"] = maybe_encode(in["StartAfter"].get<std::string>(), url);
    if (truncated) v["NextContinuationToken"] = text::base64_encode(last);
  } else {
    v["Marker"] = maybe_encode(marker, url);
    if (truncated && !delimiter.empty()) v["NextMarker"] = maybe_encode(last, url);
  }
  return out;
}

Result<Output> Provider::list_object_versions(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket");
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  std::string prefix = in.value("Prefix", ""), delimiter = in.value("Delimiter", "");
  bool url = in.value("EncodingType", "") == "url";
  auto max_keys = max_keys_of(in, "MaxKeys");
  if (!max_keys) return max_keys.error();
  std::string key_marker = in.value("KeyMarker", ""), version_marker = in.value("VersionIdMarker", "");
  if (!version_marker.empty() && key_marker.empty())
    return invalid_argument("A version-id marker cannot be specified without a key marker.", "version-id-marker",
                            version_marker);
  // Position: after (cursor_key, cursor_id) in (key ASC, id DESC) order.
  std::string cursor_key = key_marker;
  int64_t cursor_id = -1;  // -1: after every version of cursor_key
  if (!version_marker.empty()) {
    auto found = find_object(bucket, key_marker, version_marker);
    if (!found) return found.error();
    if (*found) cursor_id = (*found)->id;
  }
  if (!delimiter.empty() && !key_marker.empty() && text::starts_with(key_marker, prefix) &&
      text::ends_with(key_marker, delimiter) &&
      key_marker.find(delimiter, prefix.size()) == key_marker.size() - delimiter.size())
    cursor_key = past_prefix(key_marker);

  Value versions = Value::array(), markers = Value::array(), prefixes = Value::array();
  int64_t count = 0;
  bool truncated = false, done = *max_keys == 0;
  std::string next_key, next_version;
  for (int guard = 0; !done && guard < 1000000; ++guard) {
    std::vector<Object> rows;
    NUAGE_TRY(db_.exec(std::string("SELECT ") + kObjectColumns +
                           " FROM s3_objects WHERE bucket = ? AND key >= ? AND "
                           "(key > ? OR (key = ? AND id < ?)) ORDER BY key, id DESC LIMIT ?",
                       {bucket, prefix, cursor_key, cursor_key, cursor_id, kBatch},
                       [&](const storage::Row& r) { rows.push_back(read_object(r)); }));
    if (rows.empty()) break;
    bool reseek = false;
    for (const auto& o : rows) {
      cursor_key = o.key;
      cursor_id = o.id;
      if (!text::starts_with(o.key, prefix)) {
        done = true;
        break;
      }
      if (!delimiter.empty()) {
        auto pos = o.key.find(delimiter, prefix.size());
        if (pos != std::string::npos) {
          if (count == *max_keys) {
            truncated = true;
            done = true;
            break;
          }
          std::string cp = o.key.substr(0, pos + delimiter.size());
          prefixes.push_back({{"Prefix", maybe_encode(cp, url)}});
          ++count;
          next_key = cp;
          next_version.clear();
          cursor_key = past_prefix(cp);
          cursor_id = -1;
          reseek = true;
          break;
        }
      }
      if (count == *max_keys) {
        truncated = true;
        done = true;
        break;
      }
      if (o.delete_marker) {
        markers.push_back({{"Owner", owner()},
                           {"Key", maybe_encode(o.key, url)},
                           {"VersionId", o.version_id},
                           {"IsLatest", o.latest},
                           {"LastModified", o.modified}});
      } else {
        Value e = object_entry(o, true, url);
        e["VersionId"] = o.version_id;
        e["IsLatest"] = o.latest;
        versions.push_back(std::move(e));
      }
      ++count;
      next_key = o.key;
      next_version = o.version_id;
    }
    if (!reseek && static_cast<int64_t>(rows.size()) < kBatch) break;
  }

  Output out;
  Value& v = out.value;
  v["Name"] = bucket;
  v["Prefix"] = maybe_encode(prefix, url);
  v["KeyMarker"] = maybe_encode(key_marker, url);
  v["VersionIdMarker"] = version_marker;
  v["MaxKeys"] = *max_keys;
  v["IsTruncated"] = truncated;
  if (!delimiter.empty()) v["Delimiter"] = maybe_encode(delimiter, url);
  if (url) v["EncodingType"] = "url";
  if (!versions.empty()) v["Versions"] = versions;
  if (!markers.empty()) v["DeleteMarkers"] = markers;
  if (!prefixes.empty()) v["CommonPrefixes"] = prefixes;
  if (truncated) {
    v["NextKeyMarker"] = maybe_encode(next_key, url);
    if (!next_version.empty()) v["NextVersionIdMarker"] = next_version;
  }
  return out;
}

}  // namespace nuage::services::s3
