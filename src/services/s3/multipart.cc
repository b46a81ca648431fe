// S3 multipart uploads: parts are blobs of their own until Complete, which
// validates the part list, concatenates the parts into one new blob and
// commits the object version and the removal of the upload in one
// transaction. The ETag is the MD5 of the parts' MD5s, suffixed "-N".
#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "services/s3/internal.h"

namespace nuage::services::s3 {

using namespace detail;
using Object = Provider::Object;
using Output = Provider::Output;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kMinPartSize = 5 * 1024 * 1024;

struct Upload {
  std::string id, bucket, key;
  double initiated = 0;
  Value meta;
};

struct Part {
  int64_t number = 0, size = 0;
  std::string blob, etag;
  double modified = 0;
  Value checksum;  // {"Algorithm", "Value"} or null
};

Result<std::optional<Upload>> load_upload(storage::Database& db, const std::string& id) {
  std::optional<Upload> u;
  NUAGE_TRY(db.exec("SELECT upload_id, bucket, key, initiated, meta FROM s3_uploads WHERE upload_id = ?", {id},
                    [&](const storage::Row& r) {
                      u = Upload{r.text(0), r.text(1), r.text(2), r.real(3), Value::parse(r.text(4), nullptr, false)};
                    }));
  return u;
}

Result<std::map<int64_t, Part>> load_parts(storage::Database& db, const std::string& id) {
  std::map<int64_t, Part> parts;
  NUAGE_TRY(db.exec(
      "SELECT part_number, size, blob, etag, modified, checksum FROM s3_parts WHERE upload_id = ? ORDER BY part_number",
      {id}, [&](const storage::Row& r) {
        Part p{r.integer(0), r.integer(1), r.text(2), r.text(3), r.real(4), Value::parse(r.text(5), nullptr, false)};
        if (p.checksum.is_discarded()) p.checksum = Value();
        parts[p.number] = std::move(p);
      }));
  return parts;
}

Status check_part_number(const Value& in) {
  int64_t n = in.value("PartNumber", int64_t(0));
  if (n < 1 || n > 10000)
    return invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                            std::to_string(n));
  return Status::Ok();
}

// The upload named by the request, which must be for this bucket and key.
Result<Upload> request_upload(storage::Database& db, const Value& in) {
  std::string id = in.value("UploadId", "");
  auto u = load_upload(db, id);
  if (!u) return u.error();
  if (!*u || (*u)->bucket != in.at("Bucket").get<std::string>() || (*u)->key != in.at("Key").get<std::string>())
    return no_such_upload(id);
  return **u;
}

Value part_checksum(const Provider::Stored& s) {
  if (!s.algorithm) return Value();
  return {{"Algorithm", checksum_name(*s.algorithm)}, {"Value", s.checksum}};
}

}  // namespace

Result<Output> Provider::create_multipart_upload(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket"), key = in.at("Key");
  if (key.size() > 1024) return errors("KeyTooLongError", "Your key is too long");
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  NUAGE_TRY(check_acl(*b, in));
  // The object's metadata is fixed now, read as PutObject reads it.
  Value meta = content_meta(in);
  if (auto it = in.find("Tagging"); it != in.end()) {
    auto tags = parse_tagging_header(it->get<std::string>());
    if (!tags) return tags.error();
    if (!tags->empty()) meta["Tags"] = *tags;
  }
  std::string type = in.value("ChecksumType", "");
  if (auto it = in.find("ChecksumAlgorithm"); it != in.end()) {
    auto a = parse_checksum_algorithm(it->get<std::string>());
    if (!a) return invalid_request("Checksum algorithm provided is unsupported.");
    if (type.empty()) type = "COMPOSITE";
    if (type == "FULL_OBJECT" && (*a == ChecksumAlgorithm::kSha1 || *a == ChecksumAlgorithm::kSha256))
      return invalid_request("The FULL_OBJECT checksum type cannot be used with the " + checksum_name(*a) +
                             " checksum algorithm.");
    meta["UploadChecksum"] = {{"Algorithm", checksum_name(*a)}, {"Type", type}};
  }
  std::string id = new_id(48);
  NUAGE_TRY(db_.exec("INSERT INTO s3_uploads (upload_id, bucket, key, initiated, meta) VALUES (?, ?, ?, ?, ?)",
                     {id, bucket, key, now_seconds(ctx), meta.dump(-1, ' ', false, Value::error_handler_t::replace)}));
  Output out;
  out.value = {{"Bucket", bucket}, {"Key", key}, {"UploadId", id}};
  if (auto it = meta.find("UploadChecksum"); it != meta.end()) {
    out.value["ChecksumAlgorithm"] = (*it)["Algorithm"];
    out.value["ChecksumType"] = (*it)["Type"];
  }
  return out;
}

Result<Output> Provider::upload_part(Context& ctx, const Value& in) {
  NUAGE_TRY(check_part_number(in));
  auto b = find_bucket(ctx, in.at("Bucket"));
  if (!b) return b.error();
  auto upload = request_upload(db_, in);
  if (!upload) return upload.error();
  auto stored = store_body(ctx, in);
  if (!stored) return stored.error();
  std::vector<std::string> garbage;
  Status s = db_.transaction([&]() -> Status {
    auto u = request_upload(db_, in);  // may have been completed or aborted meanwhile
    if (!u) return u.error();
    NUAGE_TRY(db_.exec("SELECT blob FROM s3_parts WHERE upload_id = ? AND part_number = ?",
                       {u->id, in["PartNumber"].get<int64_t>()},
                       [&](const storage::Row& r) { garbage.push_back(r.text(0)); }));
    return db_.exec(
        "INSERT OR REPLACE INTO s3_parts (upload_id, part_number, blob, size, etag, modified, checksum) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        {u->id, in["PartNumber"].get<int64_t>(), stored->blob, stored->size, stored->md5_hex, now_seconds(ctx),
         part_checksum(*stored).dump()});
  });
  if (!s.ok()) {
    blobs_.remove(stored->blob);
    return s.error();
  }
  discard(garbage);
  Output out;
  out.value["ETag"] = quote_etag(stored->md5_hex);
  if (stored->algorithm) out.value[checksum_member(*stored->algorithm)] = stored->checksum;
  return out;
}

Result<Output> Provider::upload_part_copy(Context& ctx, const Value& in) {
  NUAGE_TRY(check_part_number(in));
  auto b = find_bucket(ctx, in.at("Bucket"));
  if (!b) return b.error();
  auto upload = request_upload(db_, in);
  if (!upload) return upload.error();
  std::string source_version;
  auto src = copy_source(ctx, in.at("CopySource"), in, source_version);
  if (!src) return src.error();
  int64_t first = 0, last = src->size - 1;
  if (auto it = in.find("CopySourceRange"); it != in.end()) {
    std::string r = it->get<std::string>();
    auto bad = [&] {
      return invalid_argument(
          "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the "
          "zero-based offsets of the first and last bytes to copy",
          "x-amz-copy-source-range", r);
    };
    auto dash = r.find('-');
    if (!text::starts_with(r, "bytes=") || dash == std::string::npos) return bad();
    std::string a = r.substr(6, dash - 6), z = r.substr(dash + 1);
    auto digits = [](const std::string& s) { return !s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos; };
    if (!digits(a) || !digits(z)) return bad();
    first = std::stoll(a);
    last = std::stoll(z);
    if (first > last) return bad();
    if (last >= src->size)
      return invalid_argument("Range specified is not valid for source object of size: " + std::to_string(src->size),
                              "x-amz-copy-source-range", r);
  }
  auto copied = copy_blob(src->blob, first, src->size == 0 ? 0 : last - first + 1);
  if (!copied) return copied.error();
  double now = now_seconds(ctx);
  std::vector<std::string> garbage;
  Status s = db_.transaction([&]() -> Status {
    auto u = request_upload(db_, in);
    if (!u) return u.error();
    NUAGE_TRY(db_.exec("SELECT blob FROM s3_parts WHERE upload_id = ? AND part_number = ?",
                       {u->id, in["PartNumber"].get<int64_t>()},
                       [&](const storage::Row& r) { garbage.push_back(r.text(0)); }));
    return db_.exec(
        "INSERT OR REPLACE INTO s3_parts (upload_id, part_number, blob, size, etag, modified, checksum) "
        "VALUES (?, ?, ?, ?, ?, ?, 'null')",
        {u->id, in["PartNumber"].get<int64_t>(), copied->blob, copied->size, copied->md5_hex, now});
  });
  if (!s.ok()) {
    blobs_.remove(copied->blob);
    return s.error();
  }
  discard(garbage);
  Output out;
  out.value["CopyPartResult"] = {{"ETag", quote_etag(copied->md5_hex)}, {"LastModified", now}};
  if (!source_version.empty()) out.value["CopySourceVersionId"] = source_version;
  return out;
}

namespace {

// Concatenates blobs into a new temp file; computes a whole-object CRC on the
// way when asked (FULL_OBJECT multipart checksums).
Result<fs::path> concat(storage::BlobStore& store, const std::vector<std::string>& blobs,
                        std::optional<ChecksumAlgorithm> full, std::string& checksum_out) {
  fs::path tmp = store.temp_path();
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return internal_error("cannot create " + tmp.string());
  std::optional<Checksum> sum;
  if (full) sum.emplace(*full);
  std::string buf;
  bool ok = true;
  for (const auto& blob : blobs) {
    int in = ::open(store.path(blob).c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      ok = false;
      break;
    }
    if (!sum) {
      // In-kernel copy (reflinks where the file system can).
      while (true) {
        ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
        if (n == 0) break;
        if (n < 0) {
          ok = false;
          break;
        }
      }
    } else {
      buf.resize(1 << 20);
      while (true) {
        ssize_t n = ::read(in, buf.data(), buf.size());
        if (n == 0) break;
        if (n < 0) {
          ok = false;
          break;
        }
        sum->update(std::string_view(buf.data(), static_cast<size_t>(n)));
        if (!write_all(out, buf.data(), static_cast<size_t>(n))) {
          ok = false;
          break;
        }
      }
    }
    ::close(in);
    if (!ok) break;
  }
  if (::close(out) != 0) ok = false;
  if (!ok) {
    std::error_code ec;
    fs::remove(tmp, ec);
    return internal_error("cannot assemble the multipart object");
  }
  if (sum) checksum_out = text::base64_encode(sum->finish());
  return tmp;
}

}  // namespace

Result<Output> Provider::complete_multipart_upload(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket"), key = in.at("Key");
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  auto upload = request_upload(db_, in);
  if (!upload) return upload.error();
  const Value requested = in.value("MultipartUpload", Value::object()).value("Parts", Value::array());
  if (requested.empty()) return malformed_xml();
  auto stored_parts = load_parts(db_, upload->id);
  if (!stored_parts) return stored_parts.error();

  std::optional<ChecksumAlgorithm> algorithm;
  std::string type;
  if (auto it = upload->meta.find("UploadChecksum"); it != upload->meta.end()) {
    algorithm = parse_checksum_algorithm(it->value("Algorithm", ""));
    type = it->value("Type", "COMPOSITE");
  }
  auto invalid_part = [] {
    return errors("InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, "
                    "or the specified entity tag may not match the part's entity tag.");
  };
  std::vector<const Part*> parts;
  int64_t previous = 0, total = 0;
  for (const auto& p : requested) {
    int64_t n = p.value("PartNumber", int64_t(0));
    if (n <= previous)
      return errors("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", Value{{"UploadId", upload->id}});
    previous = n;
    auto it = stored_parts->find(n);
    if (it == stored_parts->end() || unquoted(p.value("ETag", "")) != it->second.etag) return invalid_part();
    if (algorithm) {
      std::string member = checksum_member(*algorithm);
      if (p.contains(member) && it->second.checksum.is_object() &&
          p[member] != it->second.checksum.value("Value", ""))
        return invalid_part();
    }
    parts.push_back(&it->second);
    total += it->second.size;
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i)
    if (parts[i]->size < kMinPartSize)
      return errors("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", Value{{"ProposedSize", std::to_string(parts[i]->size)},
                            {"MinSizeAllowed", std::to_string(kMinPartSize)},
                            {"PartNumber", std::to_string(parts[i]->number)},
                            {"ETag", parts[i]->etag}});
  if (auto it = in.find("MpuObjectSize"); it != in.end() && it->get<int64_t>() != total)
    return invalid_request("The provided 'x-amz-mp-object-size' header value does not match the object size");

  // ETag: MD5 over the binary MD5s of the parts.
  std::string md5s;
  std::vector<std::string> blobs;
  for (const Part* p : parts) {
    md5s += hex_bytes(p->etag);
    blobs.push_back(p->blob);
  }
  std::string suffix = "-" + std::to_string(parts.size());
  std::string etag = text::hex_encode(crypto::md5(md5s)) + suffix;

  Value meta = upload->meta;
  meta.erase("UploadChecksum");
  meta["PartsCount"] = parts.size();
  std::string full_checksum;
  bool want_full = algorithm && type == "FULL_OBJECT";
  auto file = concat(blobs_, blobs, want_full ? algorithm : std::nullopt, full_checksum);
  if (!file) return file.error();
  if (algorithm) {
    if (want_full) {
      if (auto it = in.find(checksum_member(*algorithm)); it != in.end() && *it != full_checksum) {
        std::error_code ec;
        fs::remove(*file, ec);
        return errors("BadDigest", "The " + checksum_name(*algorithm) + " you specified did not match the calculated checksum.");
      }
      meta["Checksum"] = {{"Algorithm", checksum_name(*algorithm)}, {"Value", full_checksum}, {"Type", "FULL_OBJECT"}};
    } else {
      // COMPOSITE: the checksum of the parts' raw checksums, "-N".
      Checksum c(*algorithm);
      bool all = true;
      for (const Part* p : parts) {
        auto raw = p->checksum.is_object() ? text::base64_decode(p->checksum.value("Value", "")) : std::nullopt;
        if (!raw || p->checksum.value("Algorithm", "") != checksum_name(*algorithm)) all = false;
        else c.update(*raw);
      }
      if (all)
        meta["Checksum"] = {{"Algorithm", checksum_name(*algorithm)},
                            {"Value", text::base64_encode(c.finish()) + suffix},
                            {"Type", "COMPOSITE"}};
    }
  }
  auto blob = blobs_.adopt(*file);
  if (!blob) {
    std::error_code ec;
    fs::remove(*file, ec);
    return blob.error();
  }

  Object obj;
  obj.bucket = bucket;
  obj.key = key;
  obj.blob = *blob;
  obj.size = total;
  obj.etag = etag;
  obj.modified = now_seconds(ctx);
  obj.meta = meta;
  std::vector<std::string> garbage;
  std::string version, versioning;
  Status s = db_.transaction([&]() -> Status {
    auto bb = find_bucket(ctx, bucket);
    if (!bb) return bb.error();
    versioning = bb->versioning;
    auto u = request_upload(db_, in);
    if (!u) return u.error();
    NUAGE_TRY(db_.exec("SELECT blob FROM s3_parts WHERE upload_id = ?", {u->id},
                       [&](const storage::Row& r) { garbage.push_back(r.text(0)); }));
    NUAGE_TRY(db_.exec("DELETE FROM s3_parts WHERE upload_id = ?", {u->id}));
    NUAGE_TRY(db_.exec("DELETE FROM s3_uploads WHERE upload_id = ?", {u->id}));
    auto v = insert_version(*bb, obj, garbage);
    if (!v) return v.error();
    version = *v;
    return Status::Ok();
  });
  if (!s.ok()) {
    blobs_.remove(*blob);
    return s.error();
  }
  discard(garbage);
  if (notifies(*b))
    notify(ctx, *b, {{"ObjectCreated:CompleteMultipartUpload", key, versioning.empty() ? "" : version, etag, total,
                      next_sequencer()}});
  Output out;
  out.value = {{"Location", "/" + bucket + "/" + text::uri_encode(key, true)},
               {"Bucket", bucket},
               {"Key", key},
               {"ETag", quote_etag(etag)}};
  if (!versioning.empty()) out.value["VersionId"] = version;
  if (auto it = meta.find("Checksum"); it != meta.end()) {
    out.value[checksum_member(*algorithm)] = (*it)["Value"];
    out.value["ChecksumType"] = (*it)["Type"];
  }
  return out;
}

Result<Output> Provider::abort_multipart_upload(Context& ctx, const Value& in) {
  auto b = find_bucket(ctx, in.at("Bucket"));
  if (!b) return b.error();
  std::vector<std::string> garbage;
  Status s = db_.transaction([&]() -> Status {
    auto u = request_upload(db_, in);
    if (!u) return u.error();
    NUAGE_TRY(db_.exec("SELECT blob FROM s3_parts WHERE upload_id = ?", {u->id},
                       [&](const storage::Row& r) { garbage.push_back(r.text(0)); }));
    NUAGE_TRY(db_.exec("DELETE FROM s3_parts WHERE upload_id = ?", {u->id}));
    return db_.exec("DELETE FROM s3_uploads WHERE upload_id = ?", {u->id});
  });
  if (!s.ok()) return s.error();
  discard(garbage);
  return Output{};
}

Result<Output> Provider::list_parts(Context& ctx, const Value& in) {
  auto b = find_bucket(ctx, in.at("Bucket"));
  if (!b) return b.error();
  auto upload = request_upload(db_, in);
  if (!upload) return upload.error();
  auto parts = load_parts(db_, upload->id);
  if (!parts) return parts.error();
  int64_t marker = in.value("PartNumberMarker", int64_t(0));
  int64_t max = std::clamp<int64_t>(in.value("MaxParts", int64_t(1000)), 0, 1000);
  Value list = Value::array();
  bool truncated = false;
  int64_t next = 0;
  for (const auto& [n, p] : *parts) {
    if (n <= marker) continue;
    if (static_cast<int64_t>(list.size()) == max) {
      truncated = true;
      break;
    }
    Value e = {{"PartNumber", n}, {"LastModified", p.modified}, {"ETag", quote_etag(p.etag)}, {"Size", p.size}};
    if (p.checksum.is_object())
      if (auto a = parse_checksum_algorithm(p.checksum.value("Algorithm", "")))
        e[checksum_member(*a)] = p.checksum["Value"];
    list.push_back(std::move(e));
    next = n;
  }
  Output out;
  Value& v = out.value;
  v = {{"Bucket", upload->bucket}, {"Key", upload->key},           {"UploadId", upload->id},
       {"PartNumberMarker", marker}, {"MaxParts", max},            {"IsTruncated", truncated},
       {"Initiator", {{"ID", owner()["ID"]}, {"DisplayName", owner()["DisplayName"]}}},
       {"Owner", owner()},           {"StorageClass", upload->meta.value("StorageClass", "STANDARD")}};
  if (!list.empty()) v["Parts"] = list;
  if (truncated) v["NextPartNumberMarker"] = next;
  if (auto it = upload->meta.find("UploadChecksum"); it != upload->meta.end()) {
    v["ChecksumAlgorithm"] = (*it)["Algorithm"];
    v["ChecksumType"] = (*it)["Type"];
  }
  return out;
}

Result<Output> Provider::list_multipart_uploads(Context& ctx, const Value& in) {
  std::string bucket = in.at("Bucket");
  auto b = find_bucket(ctx, bucket);
  if (!b) return b.error();
  std::string prefix = in.value("Prefix", ""), key_marker = in.value("KeyMarker", ""),
              upload_marker = in.value("UploadIdMarker", "");
  int64_t max = std::clamp<int64_t>(in.value("MaxUploads", int64_t(1000)), 0, 1000);
  bool url = in.value("EncodingType", "") == "url";
  std::vector<Upload> rows;
  NUAGE_TRY(db_.exec("SELECT upload_id, bucket, key, initiated, meta FROM s3_uploads WHERE bucket = ? AND key >= ? "
                     "ORDER BY key, initiated, upload_id",
                     {bucket, prefix}, [&](const storage::Row& r) {
                       rows.push_back(Upload{r.text(0), r.text(1), r.text(2), r.real(3), Value::parse(r.text(4), nullptr, false)});
                     }));
  Value uploads = Value::array();
  bool truncated = false, past_marker = upload_marker.empty();
  std::string next_key, next_upload;
  for (const auto& u : rows) {
    if (!text::starts_with(u.key, prefix)) break;
    if (!key_marker.empty()) {
      if (u.key < key_marker) continue;
      if (u.key == key_marker) {
        if (upload_marker.empty()) continue;
        if (!past_marker) {
          if (u.id == upload_marker) past_marker = true;
          continue;
        }
      }
    }
    if (static_cast<int64_t>(uploads.size()) == max) {
      truncated = true;
      break;
    }
    uploads.push_back({{"UploadId", u.id},
                       {"Key", maybe_encode(u.key, url)},
                       {"Initiated", u.initiated},
                       {"StorageClass", u.meta.value("StorageClass", "STANDARD")},
                       {"Owner", owner()},
                       {"Initiator", {{"ID", owner()["ID"]}, {"DisplayName", owner()["DisplayName"]}}}});
    next_key = u.key;
    next_upload = u.id;
  }
  Output out;
  Value& v = out.value;
  v = {{"Bucket", bucket}, {"KeyMarker", key_marker}, {"UploadIdMarker", upload_marker},
       {"MaxUploads", max}, {"IsTruncated", truncated}, {"Prefix", maybe_encode(prefix, url)}};
  if (url) v["EncodingType"] = "url";
  if (!uploads.empty()) v["Uploads"] = uploads;
  if (truncated) {
    v["NextKeyMarker"] = maybe_encode(next_key, url);
    v["NextUploadIdMarker"] = next_upload;
  }
  return out;
}

}  // namespace nuage::services::s3
