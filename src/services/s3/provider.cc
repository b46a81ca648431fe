#include "services/s3/provider.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cstdio>
#include <set>

#include "common/documents.h"
#include "services/s3/authorization.h"
#include "services/s3/internal.h"

namespace nuage::services::s3 {

using namespace detail;
namespace fs = std::filesystem;
using Output = Provider::Output;

Provider::Provider(kit::Environment& env)
    : env_(env), db_(env.db), bus_(env.bus), clock_(env.clock), blobs_(env.work_dir / "blobs") {}

Provider::~Provider() {
  if (inventory_source_) bus_.remove_inventory_source(inventory_source_);
}

Status Provider::open() {
  NUAGE_TRY(blobs_.open());
  // Keys compare with SQLite's BINARY collation, i.e. memcmp: S3's byte
  // order. One s3_objects row per object version or delete marker; the
  // partial index over current versions serves the listings.
  NUAGE_TRY(db_.migrate(
      "s3", {
                "CREATE TABLE s3_buckets (name TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, "
                "created REAL NOT NULL, versioning TEXT NOT NULL DEFAULT '', config TEXT NOT NULL DEFAULT '{}')",
                "CREATE TABLE s3_objects (id INTEGER PRIMARY KEY AUTOINCREMENT, bucket TEXT NOT NULL, "
                "key TEXT NOT NULL, version_id TEXT NOT NULL, latest INTEGER NOT NULL, "
                "delete_marker INTEGER NOT NULL, blob TEXT, size INTEGER NOT NULL, etag TEXT, "
                "modified REAL NOT NULL, meta TEXT NOT NULL)",
                "CREATE UNIQUE INDEX s3_objects_version ON s3_objects (bucket, key, version_id)",
                "CREATE INDEX s3_objects_history ON s3_objects (bucket, key, id)",
                "CREATE INDEX s3_objects_current ON s3_objects (bucket, key) WHERE latest = 1",
                "CREATE TABLE s3_uploads (upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, "
                "initiated REAL NOT NULL, meta TEXT NOT NULL)",
                "CREATE INDEX s3_uploads_key ON s3_uploads (bucket, key, initiated)",
                "CREATE TABLE s3_parts (upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, blob TEXT NOT NULL, "
                "size INTEGER NOT NULL, etag TEXT NOT NULL, modified REAL NOT NULL, checksum TEXT NOT NULL, "
                "PRIMARY KEY (upload_id, part_number))",
            }));
  collect_garbage();
  inventory_source_ = bus_.add_inventory_source(
      [this](const std::string& account, const std::string& region) { announce_buckets(account, region); });
  return Status::Ok();
}

void Provider::collect_garbage() {
  std::set<std::string> live;
  (void)db_.exec("SELECT blob FROM s3_objects WHERE blob IS NOT NULL", {},
                 [&](const storage::Row& r) { live.insert(r.text(0)); });
  (void)db_.exec("SELECT blob FROM s3_parts", {}, [&](const storage::Row& r) { live.insert(r.text(0)); });
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(blobs_.root(), ec)) {
    if (!dir.is_directory() || dir.path().filename() == "tmp") continue;
    for (const auto& f : fs::directory_iterator(dir.path(), ec))
      if (!live.count(f.path().filename().string())) fs::remove(f.path(), ec);
  }
}

void Provider::reset() {
  (void)db_.transaction([&]() -> Status {
    NUAGE_TRY(db_.exec("DELETE FROM s3_parts"));
    NUAGE_TRY(db_.exec("DELETE FROM s3_uploads"));
    NUAGE_TRY(db_.exec("DELETE FROM s3_objects"));
    return db_.exec("DELETE FROM s3_buckets");
  });
  collect_garbage();
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_targets(authorization_targets);
  table.set_condition_keys(add_condition_keys);
  // Every request, anonymous ones included, is judged with the bucket's
  // policy by the authorizer before it gets here.
  table.set_resource_policies(
      [this](const Context& ctx, const kit::ActionTarget& target) { return bucket_policy(ctx, target); });
  auto add = [&](const std::string& op, std::function<Result<Output>(Context&, const Value&)> fn) {
    table.add(op, std::move(fn));
  };
  auto bind = [this](auto method) {
    return [this, method](Context& ctx, const Value& in) { return (this->*method)(ctx, in); };
  };
  add("CreateBucket", bind(&Provider::create_bucket));
  add("DeleteBucket", bind(&Provider::delete_bucket));
  add("HeadBucket", bind(&Provider::head_bucket));
  add("ListBuckets", bind(&Provider::list_buckets));
  add("GetBucketLocation", bind(&Provider::get_bucket_location));
  add("PutBucketVersioning", bind(&Provider::put_bucket_versioning));
  add("GetBucketVersioning", bind(&Provider::get_bucket_versioning));
  for (const char* field : {"Tagging", "Policy", "Cors", "LifecycleConfiguration"}) {
    std::string f = field;
    std::string suffix = f == "Tagging" ? "Tagging" : f == "Policy" ? "Policy" : f == "Cors" ? "Cors" : "Lifecycle";
    add("PutBucket" + (f == "LifecycleConfiguration" ? std::string("LifecycleConfiguration") : suffix),
        [this, f](Context& c, const Value& in) { return put_bucket_config(c, in, f); });
    add("GetBucket" + (f == "LifecycleConfiguration" ? std::string("LifecycleConfiguration") : suffix),
        [this, f](Context& c, const Value& in) { return get_bucket_config(c, in, f); });
    add("DeleteBucket" + suffix, [this, f](Context& c, const Value& in) { return delete_bucket_config(c, in, f); });
  }
  add("PutPublicAccessBlock", [this](Context& c, const Value& in) { return put_bucket_config(c, in, "PublicAccessBlock"); });
  add("GetPublicAccessBlock", [this](Context& c, const Value& in) { return get_bucket_config(c, in, "PublicAccessBlock"); });
  add("DeletePublicAccessBlock",
      [this](Context& c, const Value& in) { return delete_bucket_config(c, in, "PublicAccessBlock"); });
  add("GetBucketPolicyStatus", bind(&Provider::get_bucket_policy_status));
  add("PutBucketNotificationConfiguration", bind(&Provider::put_bucket_notification));
  add("GetBucketNotificationConfiguration", bind(&Provider::get_bucket_notification));
  add("PutObject", bind(&Provider::put_object));
  add("GetObject", [this](Context& c, const Value& in) { return get_object(c, in, false); });
  add("HeadObject", [this](Context& c, const Value& in) { return get_object(c, in, true); });
  add("DeleteObject", bind(&Provider::delete_object));
  add("DeleteObjects", bind(&Provider::delete_objects));
  add("CopyObject", bind(&Provider::copy_object));
  add("PutObjectTagging", bind(&Provider::put_object_tagging));
  add("GetObjectTagging", bind(&Provider::get_object_tagging));
  add("DeleteObjectTagging", bind(&Provider::delete_object_tagging));
  add("ListObjects", [this](Context& c, const Value& in) { return list_objects(c, in, false); });
  add("ListObjectsV2", [this](Context& c, const Value& in) { return list_objects(c, in, true); });
  add("ListObjectVersions", bind(&Provider::list_object_versions));
  add("CreateMultipartUpload", bind(&Provider::create_multipart_upload));
  add("UploadPart", bind(&Provider::upload_part));
  add("UploadPartCopy", bind(&Provider::upload_part_copy));
  add("CompleteMultipartUpload", bind(&Provider::complete_multipart_upload));
  add("AbortMultipartUpload", bind(&Provider::abort_multipart_upload));
  add("ListParts", bind(&Provider::list_parts));
  add("ListMultipartUploads", bind(&Provider::list_multipart_uploads));
}

// ---- shared helpers ----

Result<Provider::Bucket> Provider::find_bucket(const Context& ctx, const std::string& name) {
  std::optional<Bucket> b;
  NUAGE_TRY(db_.exec(std::string("SELECT ") + kBucketColumns + " FROM s3_buckets WHERE name = ?", {name},
                     [&](const storage::Row& r) { b = read_bucket(r); }));
  // Whether the caller may touch another account's bucket was decided by
  // the authorizer, with the bucket's policy.
  (void)ctx;
  if (!b) return no_such_bucket(name);
  return *b;
}

Result<std::optional<Provider::Object>> Provider::find_object(const std::string& bucket, const std::string& key,
                                                              const std::string& version_id) {
  std::optional<Object> o;
  auto on_row = [&](const storage::Row& r) { o = read_object(r); };
  if (version_id.empty())
    NUAGE_TRY(db_.exec(std::string("SELECT ") + kObjectColumns +
                           " FROM s3_objects WHERE bucket = ? AND key = ? AND latest = 1",
                       {bucket, key}, on_row));
  else
    NUAGE_TRY(db_.exec(std::string("SELECT ") + kObjectColumns +
                           " FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ?",
                       {bucket, key, version_id}, on_row));
  return o;
}

namespace {

// Writes decoded bytes to a file with a large buffer.
class FileSink {
 public:
  explicit FileSink(const fs::path& p) : f_(std::fopen(p.c_str(), "wb")) {
    if (f_) std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
  }
  ~FileSink() { close(); }
  bool ok() const { return f_ != nullptr && ok_; }
  void write(std::string_view d) {
    if (f_ && !d.empty() && std::fwrite(d.data(), 1, d.size(), f_) != d.size()) ok_ = false;
  }
  bool close() {
    if (!f_) return false;
    if (std::fclose(f_) != 0) ok_ = false;
    f_ = nullptr;
    return ok_;
  }

 private:
  FILE* f_;
  bool ok_ = true;
};

}  // namespace

Result<Provider::Stored> Provider::store_body(Context& ctx, const Value& in) {
  // Which checksum the client announces: a header value, or an algorithm
  // whose value comes in the aws-chunked trailer.
  std::optional<ChecksumAlgorithm> algorithm;
  std::string claimed;
  for (auto a : kAllChecksums)
    if (auto it = in.find(checksum_member(a)); it != in.end() && it->is_string()) {
      algorithm = a;
      claimed = it->get<std::string>();
    }
  if (!algorithm && in.contains("ChecksumAlgorithm")) {
    algorithm = parse_checksum_algorithm(in["ChecksumAlgorithm"].get<std::string>());
    if (!algorithm)
      return invalid_request("Checksum algorithm provided is unsupported. Please try again with any of the valid "
                             "types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
  }
  std::vector<Checksum> sums;
  if (algorithm) sums.emplace_back(*algorithm);
  else if (ctx.payload.chunked())  // the trailer may name any algorithm
    for (auto a : kAllChecksums) sums.emplace_back(a);

  crypto::Hasher md5(crypto::Algorithm::kMd5);
  uint64_t size = 0;
  auto consume = [&](std::string_view d) {
    md5.update(d);
    for (auto& s : sums) s.update(d);
    size += d.size();
  };

  kit::Payload& payload = ctx.payload;
  fs::path file;       // bytes on disk, not yet in the store
  std::string memory;  // or in memory (decoded aws-chunked)
  bool in_memory = false;
  auto drop = [&] {
    std::error_code ec;
    if (!file.empty()) fs::remove(file, ec);
  };
  if (!payload.present()) {
    // A call from another service (AWS Config's deliveries): the bytes are
    // the input's Body.
    in_memory = true;
    if (auto body = in.find("Body"); body != in.end()) memory = kit::blob_bytes(*body);
    consume(memory);
  } else if (payload.adoptable_file()) {
    (void)payload.for_each_chunk(consume);
    file = payload.release_file();
  } else if (payload.in_memory()) {
    in_memory = true;
    consume(payload.memory());
  } else {
    // aws-chunked: decoded into a file of the store (large bodies) or memory.
    Status st;
    if (payload.spooled()) {
      file = blobs_.temp_path();
      FileSink sink(file);
      if (!sink.ok()) return internal_error("cannot create " + file.string());
      st = payload.for_each_chunk([&](std::string_view d) {
        consume(d);
        sink.write(d);
      });
      if (!sink.close() && st.ok()) st = internal_error("cannot write " + file.string());
    } else {
      in_memory = true;
      st = payload.for_each_chunk([&](std::string_view d) {
        consume(d);
        memory.append(d);
      });
    }
    if (!st.ok()) {
      drop();
      return st.error();
    }
    for (auto a : kAllChecksums)
      if (auto it = payload.trailers().find(checksum_header(a)); it != payload.trailers().end()) {
        algorithm = a;
        claimed = it->second;
      }
  }

  Stored out;
  out.size = static_cast<int64_t>(size);
  std::string digest = md5.finish();
  out.md5_hex = text::hex_encode(digest);
  if (auto it = in.find("ContentMD5"); it != in.end() && it->is_string()) {
    auto given = text::base64_decode(it->get<std::string>());
    if (!given || given->size() != 16) {
      drop();
      return errors("InvalidDigest", "The Content-MD5 you specified was invalid.", Value{{"Content-MD5", it->get<std::string>()}});
    }
    if (*given != digest) {
      drop();
      return errors("BadDigest", "The Content-MD5 you specified did not match what we received.", Value{{"ExpectedDigest", it->get<std::string>()}, {"CalculatedDigest", text::base64_encode(digest)}});
    }
  }
  if (algorithm) {
    std::string computed;
    for (auto& s : sums)
      if (s.algorithm() == *algorithm) computed = text::base64_encode(s.finish());
    if (!claimed.empty() && claimed != computed) {
      drop();
      return errors("BadDigest", "The " + checksum_name(*algorithm) + " you specified did not match the calculated checksum.");
    }
    out.algorithm = algorithm;
    out.checksum = computed;
  }
  auto id = in_memory ? blobs_.put(payload.chunked() || !payload.present() ? std::string_view(memory)
                                                                           : std::string_view(payload.memory()))
                      : blobs_.adopt(file);
  if (!id) {
    drop();
    return id.error();
  }
  out.blob = *id;
  return out;
}

Result<Provider::Stored> Provider::copy_blob(const std::string& blob, int64_t offset, int64_t length) {
  fs::path tmp = blobs_.temp_path();
  int in = ::open(blobs_.path(blob).c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return internal_error("cannot open blob " + blob);
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    return internal_error("cannot create " + tmp.string());
  }
  // Hash while copying: one pass over the source.
  crypto::Hasher md5(crypto::Algorithm::kMd5);
  std::string buf(1 << 20, '\0');
  int64_t left = length;
  off_t pos = offset;
  bool ok = true;
  while (left > 0 && ok) {
    ssize_t n = ::pread(in, buf.data(), static_cast<size_t>(std::min<int64_t>(left, buf.size())), pos);
    if (n <= 0) {
      ok = false;
      break;
    }
    md5.update(std::string_view(buf.data(), static_cast<size_t>(n)));
    if (!write_all(out, buf.data(), static_cast<size_t>(n))) ok = false;
    pos += n;
    left -= n;
  }
  ::close(in);
  if (::close(out) != 0) ok = false;
  std::error_code ec;
  if (!ok) {
    fs::remove(tmp, ec);
    return internal_error("cannot copy blob " + blob);
  }
  auto id = blobs_.adopt(tmp);
  if (!id) {
    fs::remove(tmp, ec);
    return id.error();
  }
  Stored s;
  s.blob = *id;
  s.size = length;
  s.md5_hex = text::hex_encode(md5.finish());
  return s;
}

Result<std::string> Provider::insert_version(const Bucket& bucket, Object obj, std::vector<std::string>& garbage) {
  if (bucket.versioning == "Enabled") {
    obj.version_id = new_id(24);
  } else {
    obj.version_id = "null";
    std::optional<Object> old;
    NUAGE_TRY(db_.exec(std::string("SELECT ") + kObjectColumns +
                           " FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = 'null'",
                       {obj.bucket, obj.key}, [&](const storage::Row& r) { old = read_object(r); }));
    if (old) {
      if (!old->blob.empty()) garbage.push_back(old->blob);
      NUAGE_TRY(db_.exec("DELETE FROM s3_objects WHERE id = ?", {old->id}));
    }
  }
  NUAGE_TRY(db_.exec("UPDATE s3_objects SET latest = 0 WHERE bucket = ? AND key = ? AND latest = 1",
                     {obj.bucket, obj.key}));
  NUAGE_TRY(db_.exec(
      "INSERT INTO s3_objects (bucket, key, version_id, latest, delete_marker, blob, size, etag, modified, meta) "
      "VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
      {obj.bucket, obj.key, obj.version_id, int64_t(obj.delete_marker ? 1 : 0),
       obj.blob.empty() ? storage::SqlValue(nullptr) : storage::SqlValue(obj.blob), obj.size,
       obj.etag.empty() ? storage::SqlValue(nullptr) : storage::SqlValue(obj.etag), obj.modified,
       obj.meta.dump(-1, ' ', false, Value::error_handler_t::replace)}));
  return obj.version_id;
}

Status Provider::remove_version(const Object& obj, std::vector<std::string>& garbage) {
  NUAGE_TRY(db_.exec("DELETE FROM s3_objects WHERE id = ?", {obj.id}));
  if (!obj.blob.empty()) garbage.push_back(obj.blob);
  if (obj.latest)
    NUAGE_TRY(db_.exec(
        "UPDATE s3_objects SET latest = 1 WHERE id = (SELECT MAX(id) FROM s3_objects WHERE bucket = ? AND key = ?)",
        {obj.bucket, obj.key}));
  return Status::Ok();
}

void Provider::discard(const std::vector<std::string>& blobs) {
  for (const auto& b : blobs) blobs_.remove(b);
}

// ---- buckets ----

namespace {

bool valid_bucket_name(const std::string& n) {
  if (n.size() < 3 || n.size() > 63) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  if (n.find("..") != std::string::npos || n.find(".-") != std::string::npos || n.find("-.") != std::string::npos)
    return false;
  if (text::starts_with(n, "xn--") || text::ends_with(n, "-s3alias") || text::ends_with(n, "--ol-s3")) return false;
  // Not formatted as an IP address.
  int dots = 0;
  bool digits_only = true;
  for (char c : n) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') digits_only = false;
  }
  return !(dots == 3 && digits_only);
}

}  // namespace

Result<Output> Provider::create_bucket(Context& ctx, const Value& in) {
  std::string name = in.at("Bucket");
  if (!valid_bucket_name(name))
    return errors("InvalidBucketName", "The specified bucket is not valid.", Value{{"BucketName", name}});
  std::string region = "us-east-1";
  if (auto cfg = in.find("CreateBucketConfiguration"); cfg != in.end() && cfg->contains("LocationConstraint")) {
    region = (*cfg)["LocationConstraint"].get<std::string>();
    if (region == "us-east-1" || region.empty())
      return errors("InvalidLocationConstraint", "The specified location-constraint is not valid", Value{{"LocationConstraint", region}});
    if (region == "EU") region = "eu-west-1";
  } else if (ctx.region != "us-east-1") {
    return errors("IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this "
                    "request was sent to.");
  }
  Status s = db_.transaction([&]() -> Status {
    std::optional<std::pair<std::string, std::string>> existing;  // account, region
    NUAGE_TRY(db_.exec("SELECT account, region FROM s3_buckets WHERE name = ?", {name},
                       [&](const storage::Row& r) { existing = {r.text(0), r.text(1)}; }));
    if (existing) {
      if (existing->first != ctx.account_id)
        return errors("BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users "
                        "of the system. Please select a different name and try again.", Value{{"BucketName", name}});
      // us-east-1 answers a repeated create of one's own bucket with success.
      if (existing->second == "us-east-1" && region == "us-east-1") return Status::Ok();
      return errors("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", Value{{"BucketName", name}});
    }
    return db_.exec("INSERT INTO s3_buckets (name, account, region, created) VALUES (?, ?, ?, ?)",
                    {name, ctx.account_id, region, now_seconds(ctx)});
  });
  if (!s.ok()) return s.error();
  announce_bucket(name);
  Output out;
  out.value["Location"] = "/" + name;
  out.value["BucketArn"] = "arn:aws:s3:::" + name;
  return out;
}

Result<Output> Provider::delete_bucket(Context& ctx, const Value& in) {
  std::string name = in.at("Bucket");
  std::vector<std::string> garbage;
  std::optional<Bucket> deleted;
  Status s = db_.transaction([&]() -> Status {
    auto found = find_bucket(ctx, name);
    if (!found) return found.error();
    deleted = *found;
    bool has_objects = false;
    NUAGE_TRY(db_.exec("SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1", {name},
                       [&](const storage::Row&) { has_objects = true; }));
    if (has_objects)
      return errors("BucketNotEmpty", "The bucket you tried to delete is not empty", Value{{"BucketName", name}});
    NUAGE_TRY(db_.exec("SELECT blob FROM s3_parts WHERE upload_id IN (SELECT upload_id FROM s3_uploads WHERE bucket = ?)",
                       {name}, [&](const storage::Row& r) { garbage.push_back(r.text(0)); }));
    NUAGE_TRY(db_.exec("DELETE FROM s3_parts WHERE upload_id IN (SELECT upload_id FROM s3_uploads WHERE bucket = ?)",
                       {name}));
    NUAGE_TRY(db_.exec("DELETE FROM s3_uploads WHERE bucket = ?", {name}));
    return db_.exec("DELETE FROM s3_buckets WHERE name = ?", {name});
  });
  if (!s.ok()) return s.error();
  announce_bucket(name, deleted);
  discard(garbage);
  Output out;
  return out;
}

Result<Output> Provider::head_bucket(Context& ctx, const Value& in) {
  auto b = find_bucket(ctx, in.at("Bucket"));
  if (!b) return b.error();
  Output out;
  out.value["BucketRegion"] = b->region;
  out.value["BucketArn"] = "arn:aws:s3:::" + b->name;
  return out;
}

Result<Output> Provider::list_buckets(Context& ctx, const Value& in) {
  Value buckets = Value::array();
  std::string prefix = in.value("Prefix", "");
  NUAGE_TRY(db_.exec("SELECT name, created, region FROM s3_buckets WHERE account = ? ORDER BY name", {ctx.account_id},
                     [&](const storage::Row& r) {
                       std::string name = r.text(0);
                       if (!text::starts_with(name, prefix)) return;
                       buckets.push_back({{"Name", name}, {"CreationDate", r.real(1)}, {"BucketRegion", r.text(2)}});
                     }));
  Output out;
  out.value = {{"Buckets", buckets}, {"Owner", owner()}};
  if (!prefix.empty()) out.value["Prefix"] = prefix;
  return out;
}

Result<Output> Provider::get_bucket_location(Context& ctx, const Value& in) {
  auto b = find_bucket(ctx, in.at("Bucket"));
  if (!b) return b.error();
  Output out;
  if (b->region != "us-east-1") out.value["LocationConstraint"] = b->region;
  return out;
}

Result<Output> Provider::put_bucket_versioning(Context& ctx, const Value& in) {
  std::string name = in.at("Bucket");
  const Value& cfg = in.value("VersioningConfiguration", Value::object());
  std::string status = cfg.value("Status", "");
  if (status != "Enabled" && status != "Suspended") return malformed_xml();
  Status s = db_.transaction([&]() -> Status {
    auto b = find_bucket(ctx, name);
    if (!b) return b.error();
    return db_.exec("UPDATE s3_buckets SET versioning = ? WHERE name = ?", {status, name});
  });
  if (!s.ok()) return s.error();
  announce_bucket(name);
  return Output{};
}

Result<Output> Provider::get_bucket_versioning(Context& ctx, const Value& in) {
  auto b = find_bucket(ctx, in.at("Bucket"));
  if (!b) return b.error();
  Output out;
  if (!b->versioning.empty()) out.value["Status"] = b->versioning;
  return out;
}

namespace {

struct ConfigKind {
  std::string stored;        // key in the bucket's config document
  std::string input_member;  // Put input member holding the document
  std::string missing_code, missing_message;
};

ConfigKind config_kind(const std::string& field) {
  if (field == "Tagging") return {"tagging", "Tagging", "NoSuchTagSet", "The TagSet does not exist"};
  if (field == "Policy") return {"policy", "Policy", "NoSuchBucketPolicy", "The bucket policy does not exist"};
  if (field == "PublicAccessBlock")
    return {"public_access_block", "PublicAccessBlockConfiguration", "NoSuchPublicAccessBlockConfiguration",
            "The public access block configuration was not found"};
  if (field == "Cors")
    return {"cors", "CORSConfiguration", "NoSuchCORSConfiguration", "The CORS configuration does not exist"};
  return {"lifecycle", "LifecycleConfiguration", "NoSuchLifecycleConfiguration",
          "The lifecycle configuration does not exist"};
}

}  // namespace

Result<Output> Provider::put_bucket_config(Context& ctx, const Value& in, const std::string& field) {
  std::string name = in.at("Bucket");
  ConfigKind kind = config_kind(field);
  Value doc = in.value(kind.input_member, Value());
  if (doc.is_null()) return malformed_xml();
  if (field == "Tagging") {
    std::set<std::string> keys;
    for (const auto& t : doc.value("TagSet", Value::array())) {
      if (!keys.insert(t.value("Key", "")).second)
        return invalid_request("Cannot provide multiple Tags with the same key");
    }
  }
  if (field == "Cors" && doc.value("CORSRules", Value::array()).empty()) return malformed_xml();
  Status s = db_.transaction([&]() -> Status {
    auto b = find_bucket(ctx, name);
    if (!b) return b.error();
    if (field == "Policy") NUAGE_TRY(check_bucket_policy(ctx, *b, doc.get<std::string>()));
    b->config[kind.stored] = doc;
    return db_.exec("UPDATE s3_buckets SET config = ? WHERE name = ?", {b->config.dump(), name});
  });
  if (!s.ok()) return s.error();
  announce_bucket(name);
  Output out;
  if (field == "Tagging" || field == "Policy") out.status = 204;
  return out;
}

Result<Output> Provider::get_bucket_config(Context& ctx, const Value& in, const std::string& field) {
  std::string name = in.at("Bucket");
  auto b = find_bucket(ctx, name);
  if (!b) return b.error();
  ConfigKind kind = config_kind(field);
  auto it = b->config.find(kind.stored);
  if (it == b->config.end()) return errors(kind.missing_code, kind.missing_message, Value{{"BucketName", name}});
  Output out;
  if (field == "Policy" || field == "PublicAccessBlock") out.value[kind.input_member] = *it;
  else out.value = *it;
  return out;
}

Result<Output> Provider::delete_bucket_config(Context& ctx, const Value& in, const std::string& field) {
  std::string name = in.at("Bucket");
  ConfigKind kind = config_kind(field);
  Status s = db_.transaction([&]() -> Status {
    auto b = find_bucket(ctx, name);
    if (!b) return b.error();
    b->config.erase(kind.stored);
    return db_.exec("UPDATE s3_buckets SET config = ? WHERE name = ?", {b->config.dump(), name});
  });
  if (!s.ok()) return s.error();
  announce_bucket(name);
  Output out;
  out.status = 204;
  return out;
}

}  // namespace nuage::services::s3
