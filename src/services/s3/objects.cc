// S3 object operations: Put, Get/Head (ranges, conditions, response-*
// overrides), Delete (versions and delete markers), DeleteObjects, Copy and
// object tagging.
#include <fstream>
#include <set>

#include "kit/value.h"
#include "services/s3/internal.h"

namespace nuage::services::s3 {

using namespace detail;
using Object = Provider::Object;
using Output = Provider::Output;

// The representation headers S3 keeps with an object.
static constexpr const char* kContentMembers[] = {"ContentType",  "ContentEncoding", "ContentDisposition",
                                           "ContentLanguage", "CacheControl", "Expires",
                                           "WebsiteRedirectLocation", "ServerSideEncryption", "SSEKMSKeyId"};

Value detail::content_meta(const Value& in) {
  Value meta = Value::object();
  for (const char* m : kContentMembers)
    if (auto it = in.find(m); it != in.end() && !it->is_null()) meta[m] = *it;
  if (auto it = meta.find("ContentEncoding"); it != meta.end()) {
    // aws-chunked is the transfer framing, not the object's encoding.
    std::string kept;
    for (const auto& part : text::split(it->get<std::string>(), ',')) {
      std::string t(text::trim(part));
      if (t.empty() || t == "aws-chunked") continue;
      kept += (kept.empty() ? "" : ",") + t;
    }
    if (kept.empty()) meta.erase("ContentEncoding");
    else *it = kept;
  }
  if (!meta.contains("ContentType")) meta["ContentType"] = "binary/octet-stream";
  if (auto it = in.find("Metadata"); it != in.end() && it->is_object() && !it->empty()) meta["Metadata"] = *it;
  if (auto it = in.find("StorageClass"); it != in.end() && *it != "STANDARD") meta["StorageClass"] = *it;
  return meta;
}

Result<Value> detail::parse_tagging_header(const std::string& header) {
  Value tags = Value::array();
  auto pairs = text::parse_query(header, true);
  if (!pairs) return invalid_argument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", header);
  std::set<std::string> seen;
  for (auto& [k, v] : *pairs) {
    if (!seen.insert(k).second) return invalid_argument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", header);
    tags.push_back({{"Key", k}, {"Value", v}});
  }
  return tags;
}

namespace {

Status check_key(const std::string& key) {
  if (key.size() > 1024)
    return errors("KeyTooLongError", "Your key is too long", Value{{"MaxSizeAllowed", "1024"}, {"Size", std::to_string(key.size())}});
  return Status::Ok();
}

// Conditional request headers against an object (RFC 9110 order).
Status check_conditions(const Value& in, const Object& o, const std::string& prefix, bool copy_source) {
  auto get = [&](const char* name) -> const Value* {
    auto it = in.find(prefix + name);
    return it == in.end() || it->is_null() ? nullptr : &*it;
  };
  auto etag_matches = [&](const std::string& list) {
    for (const auto& part : text::split(list, ',')) {
      std::string t = unquoted(part);
      if (t == "*" || t == o.etag) return true;
    }
    return false;
  };
  std::string hdr = copy_source ? "x-amz-copy-source-" : "";
  const Value* if_match = get("IfMatch");
  const Value* if_none = get("IfNoneMatch");
  if (if_match && !etag_matches(if_match->get<std::string>())) return precondition_failed(copy_source ? hdr + "If-Match" : "If-Match");
  if (!if_match) {
    if (const Value* t = get("IfUnmodifiedSince"))
      if (auto s = kit::timestamp_seconds(*t); s && o.modified > *s)
        return precondition_failed(copy_source ? hdr + "If-Unmodified-Since" : "If-Unmodified-Since");
  }
  if (if_none && etag_matches(if_none->get<std::string>()))
    return copy_source ? precondition_failed(hdr + "If-None-Match") : Status(not_modified());
  if (!if_none) {
    if (const Value* t = get("IfModifiedSince"))
      if (auto s = kit::timestamp_seconds(*t); s && o.modified <= *s)
        return copy_source ? precondition_failed(hdr + "If-Modified-Since") : Status(not_modified());
  }
  return Status::Ok();
}

void add_checksum(Value& out, const Value& meta) {
  auto it = meta.find("Checksum");
  if (it == meta.end()) return;
  auto a = parse_checksum_algorithm(it->value("Algorithm", ""));
  if (!a) return;
  out[checksum_member(*a)] = (*it)["Value"];
  out["ChecksumType"] = it->value("Type", "FULL_OBJECT");
}

}  // namespace

Result<Output> Provider::put_object(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket"), key = in.at("Key");
  NUAGE_TRY(check_key(key));
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  NUAGE_TRY(check_acl(*b, in));
  Value meta = content_meta(in);
  if (auto it = in.find("Tagging"); it != in.end()) {
    auto tags = parse_tagging_header(it->get<std::string>());
    if (!tags) return tags.error();
    if (!tags->empty()) meta["Tags"] = *tags;
  }
  auto stored = store_body(ctx, in);
  if (!stored) return stored.error();
  if (stored->algorithm)
    meta["Checksum"] = {{"Algorithm", checksum_name(*stored->algorithm)}, {"Value", stored->checksum}, {"Type", "FULL_OBJECT"}};

  Object obj;
  obj.bucket = bucket;
  obj.key = key;
  obj.blob = stored->blob;
  obj.size = stored->size;
  obj.etag = stored->md5_hex;
  obj.modified = now_seconds(ctx);
  obj.meta = meta;
  std::vector<std::string> garbage;
  std::string version;
  std::string versioning;
  Status s = db_.transaction([&]() -> Status {
    auto bb = find_bucket(ctx, bucket);  // may have changed while the body streamed
    if (!bb) return bb.error();
    versioning = bb->versioning;
    if (in.contains("IfNoneMatch") || in.contains("IfMatch")) {
      auto cur = find_object(bucket, key, "");
      if (!cur) return cur.error();
      bool exists = *cur && !(*cur)->delete_marker;
      if (in.contains("IfNoneMatch") && exists) return precondition_failed("If-None-Match");
      if (in.contains("IfMatch")) {
        if (!exists) return no_such_key(key);
        if (unquoted(in["IfMatch"].get<std::string>()) != (*cur)->etag) return precondition_failed("If-Match");
      }
    }
    auto v = insert_version(*bb, obj, garbage);
    if (!v) return v.error();
    version = *v;
    return Status::Ok();
  });
  if (!s.ok()) {
    blobs_.remove(stored->blob);
    return s.error();
  }
  discard(garbage);
  if (notifies(*b))
    notify(ctx, *b, {{"ObjectCreated:Put", key, versioning.empty() ? "" : version, obj.etag, obj.size, next_sequencer()}});
  Output out;
  out.value["ETag"] = quote_etag(obj.etag);
  if (!versioning.empty()) out.value["VersionId"] = version;
  add_checksum(out.value, meta);
  return out;
}

Result<Output> Provider::get_object(Context& ctx, const Value& in, bool head) {
  std::string bucket = in.at("Bucket"), key = in.at("Key");
  std::string version = in.value("VersionId", "");
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  auto found = find_object(bucket, key, version);
  if (!found) return found.error();
  if (!*found) return version.empty() ? no_such_key(key) : no_such_version(key, version);
  const Object& o = **found;
  if (o.delete_marker) {
    if (version.empty()) return no_such_key(key);
    return errors("MethodNotAllowed", "The specified method is not allowed against this resource.", Value{{"Method", head ? "HEAD" : "GET"}, {"ResourceType", "DeleteMarker"}});
  }
  NUAGE_TRY(check_conditions(in, o, "", false));

  Output out;
  Value& v = out.value;
  for (const char* m : kContentMembers)
    if (auto it = o.meta.find(m); it != o.meta.end()) v[m] = *it;
  if (auto it = o.meta.find("Metadata"); it != o.meta.end()) v["Metadata"] = *it;
  if (auto it = o.meta.find("StorageClass"); it != o.meta.end()) v["StorageClass"] = *it;
  if (auto it = o.meta.find("Tags"); it != o.meta.end() && !it->empty()) v["TagCount"] = it->size();
  if (auto it = o.meta.find("PartsCount"); it != o.meta.end() && in.contains("PartNumber")) v["PartsCount"] = *it;
  v["ETag"] = quote_etag(o.etag);
  v["LastModified"] = o.modified;
  v["AcceptRanges"] = "bytes";
  if (!b->versioning.empty()) v["VersionId"] = o.version_id;
  // response-* query parameters override the stored headers.
  const std::pair<const char*, const char*> overrides[] = {
      {"ResponseContentType", "ContentType"},         {"ResponseContentLanguage", "ContentLanguage"},
      {"ResponseExpires", "Expires"},                 {"ResponseCacheControl", "CacheControl"},
      {"ResponseContentDisposition", "ContentDisposition"}, {"ResponseContentEncoding", "ContentEncoding"}};
  for (const auto& [param, member] : overrides)
    if (auto it = in.find(param); it != in.end() && !it->is_null()) v[member] = *it;

  int64_t offset = 0, length = o.size;
  bool ranged = false;
  if (auto it = in.find("Range"); it != in.end() && it->is_string()) {
    std::string r(text::trim(it->get<std::string>()));
    // Only a single "bytes=" range is honored; anything else serves the
    // whole object, as S3 does.
    if (text::starts_with(r, "bytes=") && r.find(',') == std::string::npos) {
      std::string spec = r.substr(6);
      auto dash = spec.find('-');
      auto digits = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
      if (dash != std::string::npos) {
        std::string a = spec.substr(0, dash), z = spec.substr(dash + 1);
        bool valid = (digits(a) && (z.empty() || digits(z))) || (a.empty() && digits(z));
        if (valid && a.size() < 19 && z.size() < 19) {
          int64_t first, last;
          if (a.empty()) {
            int64_t n = std::stoll(z);
            first = n >= o.size ? 0 : o.size - n;
            last = o.size - 1;
            if (n == 0) first = o.size;  // "bytes=-0" is unsatisfiable
          } else {
            first = std::stoll(a);
            last = z.empty() ? o.size - 1 : std::min<int64_t>(std::stoll(z), o.size - 1);
            if (!z.empty() && std::stoll(z) < first) first = -1;  // invalid: served whole
          }
          if (first >= 0) {
            if (first >= o.size)
              return errors("InvalidRange", "The requested range is not satisfiable", Value{{"RangeRequested", r}, {"ActualObjectSize", std::to_string(o.size)}});
            offset = first;
            length = last - first + 1;
            ranged = true;
            v["ContentRange"] = "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                std::to_string(o.size);
            out.status = 206;
          }
        }
      }
    }
  }
  if (!ranged && in.value("ChecksumMode", "") == "ENABLED") add_checksum(v, o.meta);
  v["ContentLength"] = length;
  if (!head) out.stream_file = http::FileRange{blobs_.path(o.blob), static_cast<uint64_t>(offset), static_cast<uint64_t>(length)};
  return out;
}

namespace {

struct DeleteResult {
  std::string version_id;
  bool delete_marker = false;
  bool versioned_answer = false;  // answer carries the version id
  bool removed = false;           // a version (or delete marker) is gone
};

// The notification of one deletion; nullopt when nothing changed.
std::optional<ObjectEvent> deletion_event(const std::string& key, const std::string& versioning,
                                          const std::string& requested_version, const DeleteResult& r) {
  if (r.delete_marker && requested_version.empty())
    return ObjectEvent{"ObjectRemoved:DeleteMarkerCreated", key, r.version_id, "", std::nullopt, next_sequencer()};
  if (!r.removed) return std::nullopt;
  return ObjectEvent{"ObjectRemoved:Delete", key, versioning.empty() ? "" : r.version_id, "", std::nullopt,
                     next_sequencer()};
}

}  // namespace

// One key's deletion inside the caller's transaction.
static Result<DeleteResult> delete_one(Provider& p, const Provider::Bucket& b, const std::string& key,
                                       const std::string& version, double now, std::vector<std::string>& garbage) {
  DeleteResult r;
  if (!version.empty()) {
    auto found = p.find_object(b.name, key, version);
    if (!found) return found.error();
    r.version_id = version;
    r.versioned_answer = true;
    if (*found) {
      r.delete_marker = (*found)->delete_marker;
      r.removed = true;
      NUAGE_TRY(p.remove_version(**found, garbage));
    } else if (version != "null" && version.size() < 8) {
      return invalid_argument("Invalid version id specified", "versionId", version);
    }
    return r;
  }
  if (b.versioning.empty()) {
    auto found = p.find_object(b.name, key, "null");
    if (!found) return found.error();
    if (*found) {
      r.removed = true;
      NUAGE_TRY(p.remove_version(**found, garbage));
    }
    return r;
  }
  Object marker;
  marker.bucket = b.name;
  marker.key = key;
  marker.delete_marker = true;
  marker.modified = now;
  auto v = p.insert_version(b, marker, garbage);
  if (!v) return v.error();
  r.version_id = *v;
  r.delete_marker = true;
  r.versioned_answer = true;
  return r;
}

Result<Output> Provider::delete_object(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket"), key = in.at("Key");
  std::vector<std::string> garbage;
  DeleteResult r;
  std::optional<Bucket> b;
  Status s = db_.transaction([&]() -> Status {
    auto found = find_bucket(ctx, bucket);
    if (!found) return found.error();
    b = *found;
    auto res = delete_one(*this, *b, key, in.value("VersionId", ""), now_seconds(ctx), garbage);
    if (!res) return res.error();
    r = *res;
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  discard(garbage);
  if (notifies(*b))
    if (auto e = deletion_event(key, b->versioning, in.value("VersionId", ""), r)) notify(ctx, *b, {*e});
  Output out;
  if (r.versioned_answer) out.value["VersionId"] = r.version_id;
  if (r.delete_marker) out.value["DeleteMarker"] = true;
  return out;
}

Result<Output> Provider::delete_objects(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket");
  const Value& del = in.value("Delete", Value::object());
  const Value objects = del.value("Objects", Value::array());
  if (objects.empty() || objects.size() > 1000) return malformed_xml();
  bool quiet = del.value("Quiet", false);
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  Value deleted = Value::array(), errors = Value::array();
  std::vector<std::string> garbage;
  std::vector<ObjectEvent> events;
  Status s = db_.transaction([&]() -> Status {
    events.clear();
    auto bb = find_bucket(ctx, bucket);
    if (!bb) return bb.error();
    for (const auto& o : objects) {
      std::string key = o.value("Key", "");
      std::string version = o.value("VersionId", "");
      auto r = delete_one(*this, *bb, key, version, now_seconds(ctx), garbage);
      if (!r) {
        Value e = {{"Key", key}, {"Code", r.error().code}, {"Message", r.error().message}};
        if (!version.empty()) e["VersionId"] = version;
        errors.push_back(std::move(e));
        continue;
      }
      if (notifies(*bb))
        if (auto e = deletion_event(key, bb->versioning, version, *r)) events.push_back(std::move(*e));
      if (quiet) continue;
      Value d = {{"Key", key}};
      if (!version.empty()) {
        d["VersionId"] = version;
        if (r->delete_marker) {
          d["DeleteMarker"] = true;
          d["DeleteMarkerVersionId"] = version;
        }
      } else if (r->delete_marker) {
        d["DeleteMarker"] = true;
        d["DeleteMarkerVersionId"] = r->version_id;
      }
      deleted.push_back(std::move(d));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  discard(garbage);
  if (!events.empty()) notify(ctx, *b, events);
  Output out;
  if (!deleted.empty()) out.value["Deleted"] = deleted;
  if (!errors.empty()) out.value["Errors"] = errors;
  return out;
}

// "bucket/key[?versionId=v]", percent-encoded, optionally with a leading '/'.
Result<Provider::Object> Provider::copy_source(const Context& ctx, const std::string& source, const Value& in,
                                               std::string& source_version_out) {
  std::string s = source;
  std::string version;
  if (auto q = s.find("?versionId="); q != std::string::npos) {
    version = s.substr(q + 11);
    s = s.substr(0, q);
  }
  auto decoded = text::uri_decode(s);
  std::string path = decoded ? *decoded : s;
  if (!path.empty() && path.front() == '/') path.erase(0, 1);
  auto slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= path.size())
    return invalid_argument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
                            "x-amz-copy-source", source);
  std::string bucket = path.substr(0, slash), key = path.substr(slash + 1);
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  auto found = find_object(bucket, key, version);
  if (!found) return found.error();
  if (!*found) return version.empty() ? no_such_key(key) : no_such_version(key, version);
  if ((*found)->delete_marker) {
    if (version.empty()) return no_such_key(key);
    return invalid_request("The source of a copy request may not specifically refer to a delete marker by version id.");
  }
  NUAGE_TRY(check_conditions(in, **found, "CopySource", true));
  source_version_out = b->versioning.empty() ? "" : (*found)->version_id;
  if (!version.empty()) source_version_out = version;
  return **found;
}

Result<Output> Provider::copy_object(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket"), key = in.at("Key");
  NUAGE_TRY(check_key(key));
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  NUAGE_TRY(check_acl(*b, in));
  std::string source_version;
  auto src = copy_source(ctx, in.at("CopySource"), in, source_version);
  if (!src) return src.error();
  std::string directive = in.value("MetadataDirective", "COPY");
  std::string tagging_directive = in.value("TaggingDirective", "COPY");
  if (directive != "COPY" && directive != "REPLACE")
    return invalid_argument("Unknown metadata directive.", "x-amz-metadata-directive", directive);
  bool explicit_version = in.at("CopySource").get<std::string>().find("?versionId=") != std::string::npos;
  if (src->bucket == bucket && src->key == key && directive == "COPY" && !explicit_version &&
      !in.contains("StorageClass") && !in.contains("WebsiteRedirectLocation") && !in.contains("ServerSideEncryption"))
    return invalid_request(
        "This copy request is illegal because it is trying to copy an object to itself without changing the "
        "object's metadata, storage class, website redirect location or encryption attributes.");
  Value meta = directive == "REPLACE" ? content_meta(in) : src->meta;
  if (directive == "COPY") {
    if (auto it = in.find("StorageClass"); it != in.end()) {
      if (*it == "STANDARD") meta.erase("StorageClass");
      else meta["StorageClass"] = *it;
    }
  }
  meta.erase("Tags");
  meta.erase("PartsCount");
  if (tagging_directive == "REPLACE") {
    if (auto it = in.find("Tagging"); it != in.end()) {
      auto tags = parse_tagging_header(it->get<std::string>());
      if (!tags) return tags.error();
      if (!tags->empty()) meta["Tags"] = *tags;
    }
  } else if (auto it = src->meta.find("Tags"); it != src->meta.end()) {
    meta["Tags"] = *it;
  }
  // A composite (multipart) checksum does not describe the copy.
  if (auto it = meta.find("Checksum"); it != meta.end() && it->value("Type", "") != "FULL_OBJECT") meta.erase("Checksum");
  auto copied = copy_blob(src->blob, 0, src->size);
  if (!copied) return copied.error();
  if (auto a = in.contains("ChecksumAlgorithm") ? parse_checksum_algorithm(in["ChecksumAlgorithm"].get<std::string>())
                                                : std::nullopt) {
    Checksum c(*a);
    std::ifstream f(blobs_.path(copied->blob), std::ios::binary);
    std::string buf(1 << 20, '\0');
    while (f) {
      f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      if (f.gcount() > 0) c.update(std::string_view(buf.data(), static_cast<size_t>(f.gcount())));
    }
    meta["Checksum"] = {{"Algorithm", checksum_name(*a)}, {"Value", text::base64_encode(c.finish())}, {"Type", "FULL_OBJECT"}};
  }
  Object obj;
  obj.bucket = bucket;
  obj.key = key;
  obj.blob = copied->blob;
  obj.size = copied->size;
  obj.etag = copied->md5_hex;
  obj.modified = now_seconds(ctx);
  obj.meta = meta;
  std::vector<std::string> garbage;
  std::string version, versioning;
  Status s = db_.transaction([&]() -> Status {
    auto bb = find_bucket(ctx, bucket);
    if (!bb) return bb.error();
    versioning = bb->versioning;
    auto v = insert_version(*bb, obj, garbage);
    if (!v) return v.error();
    version = *v;
    return Status::Ok();
  });
  if (!s.ok()) {
    blobs_.remove(copied->blob);
    return s.error();
  }
  discard(garbage);
  if (notifies(*b))
    notify(ctx, *b, {{"ObjectCreated:Copy", key, versioning.empty() ? "" : version, obj.etag, obj.size, next_sequencer()}});
  Output out;
  out.value["CopyObjectResult"] = {{"ETag", quote_etag(obj.etag)}, {"LastModified", obj.modified}};
  add_checksum(out.value["CopyObjectResult"], meta);
  out.value["CopyObjectResult"].erase("ChecksumType");
  if (!source_version.empty()) out.value["CopySourceVersionId"] = source_version;
  if (!versioning.empty()) out.value["VersionId"] = version;
  return out;
}

// ---- object tagging ----

Result<Output> Provider::put_object_tagging(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket"), key = in.at("Key"), version = in.value("VersionId", "");
  Value tags = in.value("Tagging", Value::object()).value("TagSet", Value::array());
  std::set<std::string> seen;
  for (const auto& t : tags)
    if (!seen.insert(t.value("Key", "")).second) return invalid_request("Cannot provide multiple Tags with the same key");
  if (tags.size() > 10) return errors("BadRequest", "Object tags cannot be greater than 10");
  return set_object_tags(ctx, in, tags, "ObjectTagging:Put");
}

Result<Output> Provider::set_object_tags(Context& ctx, const Value& in, const Value& tags, const char* event) {
  std::string bucket = in.at("Bucket"), key = in.at("Key"), version = in.value("VersionId", "");
  std::string vid;
  std::optional<Bucket> b;
  std::optional<ObjectEvent> notification;
  Status s = db_.transaction([&]() -> Status {
    auto found_bucket = find_bucket(ctx, bucket);
    if (!found_bucket) return found_bucket.error();
    b = *found_bucket;
    auto found = find_object(bucket, key, version);
    if (!found) return found.error();
    if (!*found || (*found)->delete_marker) return version.empty() ? no_such_key(key) : no_such_version(key, version);
    Object o = **found;
    if (tags.empty()) o.meta.erase("Tags");
    else o.meta["Tags"] = tags;
    vid = b->versioning.empty() ? "" : o.version_id;
    notification = ObjectEvent{event, key, vid, o.etag, std::nullopt, ""};
    return db_.exec("UPDATE s3_objects SET meta = ? WHERE id = ?", {o.meta.dump(), o.id});
  });
  if (!s.ok()) return s.error();
  if (notifies(*b)) {
    notification->sequencer = next_sequencer();
    notify(ctx, *b, {*notification});
  }
  Output out;
  if (!vid.empty()) out.value["VersionId"] = vid;
  return out;
}

Result<Output> Provider::get_object_tagging(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket"), key = in.at("Key"), version = in.value("VersionId", "");
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  auto found = find_object(bucket, key, version);
  if (!found) return found.error();
  if (!*found || (*found)->delete_marker) return version.empty() ? no_such_key(key) : no_such_version(key, version);
  Output out;
  out.value["TagSet"] = (*found)->meta.value("Tags", Value::array());
  if (!b->versioning.empty()) out.value["VersionId"] = (*found)->version_id;
  return out;
}

Result<Output> Provider::delete_object_tagging(Context& ctx, const Value& in) {
  auto r = set_object_tags(ctx, in, Value::array(), "ObjectTagging:Delete");
  if (!r) return r.error();
  r->status = 204;
  return r;
}

}  // namespace nuage::services::s3
