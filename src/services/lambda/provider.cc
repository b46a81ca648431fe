#include "services/lambda/provider.h"

#include "policy/evaluator.h"
#include "policy/policy.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "kit/value.h"
#include "runtime/clients.h"
#include "runtime/zip.h"
#include "services/lambda/limits.h"

namespace nuage::services::lambda {

namespace fs = std::filesystem;
using kit::Output;
using kit::Value;
using Context = kit::RequestContext;

// An Event invocation waiting in the queue (and, while it waits after a
// timer fired or runs, the nuage clock work it belongs to).
struct Provider::Job {
  Ref ref;
  std::string request_id;
  std::string payload;
  int attempt = 1;
  std::optional<Clock::Work> work;
};

namespace {

const std::set<std::string> kRuntimes = {"python3.9",   "python3.10",  "python3.11",     "python3.12",
                                         "python3.13",  "nodejs18.x",  "nodejs20.x",     "nodejs22.x",
                                         "provided.al2", "provided.al2023", "provided"};

const std::set<std::string> kReservedVariables = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"};

AwsError lambda_error(const std::string& code, const std::string& message, int status) {
  AwsError e{code, message, status};
  e.fields = {{"Type", "User"}};
  return e;
}
AwsError invalid(const std::string& message) {
  return lambda_error("InvalidParameterValueException", message, 400);
}
AwsError not_found_message(const std::string& message) {
  return lambda_error("ResourceNotFoundException", message, 404);
}
AwsError conflict(const std::string& message) { return lambda_error("ResourceConflictException", message, 409); }

std::string function_arn(const std::string& region, const std::string& account, const std::string& name) {
  return "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
}
std::string layer_arn(const std::string& region, const std::string& account, const std::string& name) {
  return "arn:aws:lambda:" + region + ":" + account + ":layer:" + name;
}

// Lambda's timestamps: "2024-01-31T12:00:00.000+0000".
std::string lambda_time(Clock::TimePoint t) {
  std::string s = timefmt::iso8601(t, true);
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return s + "+0000";
}

std::string new_uuid() { return crypto::random_uuid(); }

std::string hex_sha256(std::string_view bytes) { return text::hex_encode(crypto::sha256(bytes)); }

bool is_number(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string two_decimals(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", ms);
  return buf;
}

}  // namespace

Provider::Provider(kit::Environment& env, Options options)
    : env_(env), db_(env.db), clock_(env.clock), options_(std::move(options)) {}

void Provider::register_routes(kit::Routes& routes) {
  routes.emplace_back("/_nuage/lambda/code/", [this](http::Request& r) { return serve_code(r); });
}

void Provider::add_health(kit::Value& health) const { health["lambda_sandbox"] = sandbox(); }

Status Provider::open() {
  NUAGE_TRY(db_.migrate("lambda", {
      "CREATE TABLE lambda_functions (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, "
      "doc TEXT NOT NULL, PRIMARY KEY (account, region, name))",
      "CREATE TABLE lambda_layers (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, "
      "version INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, name, version))",
  }));
  sandbox_ = runtime::detect_sandbox();
  url_secret_ = crypto::random_bytes(32);
  if (env_.work_dir.empty()) return Status::Ok();
  fs::path root = env_.work_dir / "lambda";
  blobs_ = std::make_unique<storage::BlobStore>(root / "blobs");
  NUAGE_TRY(blobs_->open());
  cache_dir_ = root / "cache";
  opt_dir_ = root / "opt";
  runtime_dir_ = env_.work_dir / "runtime";
  std::error_code ec;
  fs::create_directories(cache_dir_, ec);
  fs::create_directories(opt_dir_, ec);
  Status w = runtime::write_clients(runtime_dir_);
  if (!w.ok()) spdlog::warn("lambda: {}", w.error().message);
  runtime::PoolOptions po;
  po.idle_timeout = options_.idle_timeout;
  pool_ = std::make_unique<runtime::Pool>(po);
  for (int i = 0; i < options_.event_workers; ++i) workers_.emplace_back([this] { event_worker(); });
  return Status::Ok();
}

Provider::~Provider() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
    for (auto id : timers_) clock_.cancel(id);
  }
  queue_cv_.notify_all();
  for (auto& w : workers_) w.join();
  pool_.reset();
}

void Provider::resolve_interpreters() {
  // At the first cold start, not at start-up: resolving a pyenv shim runs
  // scripts for tens of milliseconds. (A shim is a script; its real
  // interpreter is what the sandbox must run.)
  std::call_once(interpreters_once_, [this] {
    auto resolve = [](const std::string& env_var, const std::string& cmd) -> std::string {
      if (const char* forced = std::getenv(env_var.c_str())) return forced;
      std::string out;
      if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[512];
        while (std::fgets(buf, sizeof buf, p)) out += buf;
        ::pclose(p);
      }
      return std::string(text::trim(out));
    };
    python_ = resolve("NUAGE_LAMBDA_PYTHON", "python3 -c 'import sys; print(sys.executable)' 2>/dev/null");
    node_ = resolve("NUAGE_LAMBDA_NODE", "command -v node 2>/dev/null");
  });
}

const char* Provider::sandbox() const { return runtime::sandbox_name(sandbox_); }

void Provider::reset() {
  {
    std::lock_guard lock(queue_mu_);
    queue_.clear();
    for (auto id : timers_) clock_.cancel(id);
    timers_.clear();
  }
  if (pool_) pool_->clear();
  {
    std::lock_guard lock(cred_mu_);
    credentials_.clear();
  }
  (void)db_.exec("DELETE FROM lambda_functions");
  (void)db_.exec("DELETE FROM lambda_layers");
}

// ---- storage ---------------------------------------------------------------

Result<Provider::Ref> Provider::parse_ref(const Context& ctx, const std::string& given, const Value& in) const {
  Ref ref{ctx.account_id, ctx.region, given, ""};
  auto parts = text::split(given, ':');
  if (text::starts_with(given, "arn:")) {
    if (parts.size() < 7 || parts[2] != "lambda" || parts[5] != "function")
      return invalid("1 validation error detected: Value '" + given +
                     "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression "
                     "pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
                     "(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
    ref.region = parts[3];
    ref.account = parts[4];
    ref.name = parts[6];
    if (parts.size() > 7) ref.qualifier = parts[7];
  } else if (parts.size() >= 3 && parts[1] == "function") {
    ref.account = parts[0];
    ref.name = parts[2];
    if (parts.size() > 3) ref.qualifier = parts[3];
  } else if (parts.size() == 2) {
    ref.name = parts[0];
    ref.qualifier = parts[1];
  }
  std::string q = in.value("Qualifier", "");
  if (!q.empty()) {
    if (!ref.qualifier.empty() && ref.qualifier != q)
      return invalid("The derived qualifier from the function name does not match the specified qualifier.");
    ref.qualifier = q;
  }
  if (ref.name.empty()) return invalid("Function name cannot be empty.");
  return ref;
}

Result<Value> Provider::load(const Ref& ref) const {
  Value doc;
  Status s = db_.exec("SELECT doc FROM lambda_functions WHERE account = ? AND region = ? AND name = ?",
                      {ref.account, ref.region, ref.name},
                      [&](const storage::Row& r) { doc = Value::parse(r.text(0)); });
  if (!s.ok()) return s.error();
  return doc;
}

Result<Value> Provider::must_load(const Ref& ref) const {
  auto doc = load(ref);
  if (doc && doc->is_null())
    return not_found_message("Function not found: " + function_arn(ref.region, ref.account, ref.name) +
                             (ref.qualifier.empty() ? "" : ":" + ref.qualifier));
  return doc;
}

Status Provider::save(const Ref& ref, const Value& doc) {
  return db_.exec(
      "INSERT INTO lambda_functions(account, region, name, doc) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(account, region, name) DO UPDATE SET doc = excluded.doc",
      {ref.account, ref.region, ref.name, doc.dump()});
}

Result<Value> Provider::resolve(const Ref& ref, const Value& doc, std::string qualifier) const {
  if (qualifier.empty() || qualifier == "$LATEST") return doc["latest"];
  if (doc["aliases"].contains(qualifier)) qualifier = doc["aliases"][qualifier]["FunctionVersion"];
  if (qualifier == "$LATEST") return doc["latest"];
  if (doc["versions"].contains(qualifier)) return doc["versions"][qualifier];
  return not_found_message("Function not found: " + function_arn(ref.region, ref.account, ref.name) + ":" +
                           qualifier);
}

Result<Value> Provider::load_layer(const std::string& account, const std::string& region, const std::string& name,
                                   int64_t version) const {
  Value doc;
  Status s = db_.exec(
      "SELECT doc FROM lambda_layers WHERE account = ? AND region = ? AND name = ? AND version = ?",
      {account, region, name, version}, [&](const storage::Row& r) { doc = Value::parse(r.text(0)); });
  if (!s.ok()) return s.error();
  if (doc.is_object() && doc.value("_deleted", false)) return Value();
  return doc;
}

Status Provider::save_layer(const std::string& account, const std::string& region, const std::string& name,
                            int64_t version, const Value& doc) {
  return db_.exec(
      "INSERT INTO lambda_layers(account, region, name, version, doc) VALUES(?, ?, ?, ?, ?) "
      "ON CONFLICT(account, region, name, version) DO UPDATE SET doc = excluded.doc",
      {account, region, name, version, doc.dump()});
}

// ---- code ------------------------------------------------------------------

std::string Provider::code_url(const std::string& blob) const {
  uint16_t port = env_.port();
  std::string token = text::hex_encode(crypto::hmac_sha256(url_secret_, blob)).substr(0, 32);
  return "http://127.0.0.1:" + std::to_string(port) + "/_nuage/lambda/code/" + blob + "?token=" + token;
}

http::Response Provider::serve_code(const http::Request& request) const {
  http::Response res;
  std::string path(request.path());
  std::string blob = path.substr(path.rfind('/') + 1);
  std::string token;
  if (auto q = text::parse_query(request.query(), false))
    for (const auto& [k, v] : *q)
      if (k == "token") token = v;
  std::string expected = text::hex_encode(crypto::hmac_sha256(url_secret_, blob)).substr(0, 32);
  if (!blobs_ || token != expected || blob.find_first_not_of("0123456789abcdef") != std::string::npos ||
      !blobs_->exists(blob)) {
    res.status = 403;
    res.headers.set("Content-Type", "application/xml");
    res.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
               "<Message>Request has expired or the signature does not match</Message></Error>";
    return res;
  }
  fs::path file = blobs_->path(blob);
  std::error_code ec;
  uint64_t size = fs::file_size(file, ec);
  res.headers.set("Content-Type", "application/zip");
  res.file = http::FileRange{file, 0, size};
  return res;
}

// Validates and stores a package given as ZipFile or S3Bucket/S3Key.
// Returns {blob, sha_hex, CodeSha256, size, unzipped}.
Result<Value> Provider::store_code(const Context& ctx, const Value& code, const std::string& operation) {
  std::string bytes;
  if (code.contains("ZipFile") && !code["ZipFile"].is_null()) {
    bytes = kit::blob_bytes(code["ZipFile"]);
  } else if (code.contains("S3Bucket") && code.contains("S3Key")) {
    Value get = {{"Bucket", code["S3Bucket"]}, {"Key", code["S3Key"]}};
    if (code.contains("S3ObjectVersion")) get["VersionId"] = code["S3ObjectVersion"];
    auto out = env_.call("s3", "GetObject", get, ctx.caller, ctx.region);
    if (!out)
      return invalid("Error occurred while GetObject. S3 Error Code: " + out.error().code +
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
    return invalid("Container images are not supported by nuage: use a .zip file archive.");
  } else {
    return invalid("Please provide a source for function code.");
  }
  if (bytes.size() > runtime::kMaxZippedBytes)
    return lambda_error("RequestEntityTooLargeException",
                        "Request must be smaller than 69905067 bytes for the " + operation + " operation", 413);
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

Result<fs::path> Provider::extracted(const std::string& blob, const std::string& sha_hex) {
  fs::path dest = cache_dir_ / sha_hex;
  if (fs::exists(dest)) return dest;
  std::lock_guard lock(extract_mu_);
  if (fs::exists(dest)) return dest;
  NUAGE_TRY(runtime::extract_zip(blobs_->path(blob), dest));
  return dest;
}

// The layers of a configuration merged into one folder (later layers win),
// built once per list of layer hashes, from hard links into the cache.
Result<fs::path> Provider::merged_layers(const Value& layers) {
  if (!layers.is_array() || layers.empty()) return fs::path();
  std::string key;
  for (const auto& l : layers) key += l.value("sha_hex", "") + ",";
  fs::path dest = opt_dir_ / hex_sha256(key);
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
      fs::copy(src, tmp, fs::copy_options::recursive | fs::copy_options::overwrite_existing |
                             fs::copy_options::copy_symlinks, ec);
      if (ec) return internal_error("cannot merge layers: " + ec.message());
    }
  }
  fs::rename(tmp, dest, ec);
  if (ec) fs::remove_all(tmp, ec);
  return dest;
}

// Layer version ARNs of a configuration → [{Arn, CodeSize, blob, sha_hex, unzipped}].
Result<Value> Provider::resolve_layers(const Context& ctx, const Value& arns) const {
  Value out = Value::array();
  if (!arns.is_array()) return out;
  if (arns.size() > 5) return invalid("Cannot reference more than 5 layers.");
  for (const auto& a : arns) {
    std::string arn = a.get<std::string>();
    auto p = text::split(arn, ':');
    if (p.size() != 8 || p[0] != "arn" || p[2] != "lambda" || p[5] != "layer" || !is_number(p[7]))
      return lambda_error("ValidationException",
                          "1 validation error detected: Value '[" + arn +
                              "]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: "
                              "[Member must have length less than or equal to 140, Member must have length greater "
                              "than or equal to 1, Member must satisfy regular expression pattern: "
                              "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|"
                              "(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]",
                          400);
    auto layer = load_layer(p[4], p[3], p[6], std::stoll(p[7]));
    if (!layer) return layer.take_error();
    if (layer->is_null()) return invalid("Layer version " + arn + " does not exist.");
    (void)ctx;
    out.push_back({{"Arn", arn},
                   {"CodeSize", (*layer)["code"]["size"]},
                   {"blob", (*layer)["code"]["blob"]},
                   {"sha_hex", (*layer)["code"]["sha_hex"]},
                   {"unzipped", (*layer)["code"]["unzipped"]}});
  }
  return out;
}

// ---- roles -----------------------------------------------------------------

Result<auth::Credential> Provider::role_credentials(const std::string& account, const std::string& region,
                                                    const std::string& role, const std::string& function) {
  std::string key = account + "/" + region + "/" + function + "/" + role;
  {
    std::lock_guard lock(cred_mu_);
    auto it = credentials_.find(key);
    if (it != credentials_.end() && clock_.now() < it->second.refresh_at) return it->second.credential;
  }
  auto cred = env_.assume_role(role, "lambda.amazonaws.com", account, region, function, 3600);
  if (!cred) {
    spdlog::info("lambda: cannot assume {} for {}: {} {}", role, function, cred.error().code, cred.error().message);
    return invalid("The role defined for the function cannot be assumed by Lambda.");
  }
  std::lock_guard lock(cred_mu_);
  // Renewed well before the hour is over, as Lambda does.
  credentials_[key] = {*cred, clock_.now() + std::chrono::minutes(45)};
  return *cred;
}

Status Provider::check_role(const Context& ctx, const std::string& role, const std::string& function) {
  auto p = text::split(role, ':');
  if (p.size() < 6 || p[0] != "arn" || p[2] != "iam" || p[4].size() != 12 || !is_number(p[4]) ||
      !text::starts_with(p[5], "role/"))
    return lambda_error("ValidationException",
                        "1 validation error detected: Value '" + role +
                            "' at 'role' failed to satisfy constraint: Member must satisfy regular expression "
                            "pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
                        400);
  {
    // A new or changed role is always checked afresh.
    std::lock_guard lock(cred_mu_);
    credentials_.erase(ctx.account_id + "/" + ctx.region + "/" + function + "/" + role);
  }
  auto cred = role_credentials(ctx.account_id, ctx.region, role, function);
  if (!cred) return cred.error();
  return Status::Ok();
}

Status Provider::check_config(const Value& in) const {
  if (in.contains("Runtime") && !kRuntimes.count(in["Runtime"].get<std::string>()))
    return invalid("The runtime parameter of " + in["Runtime"].get<std::string>() +
                   " is no longer supported for creating or updating AWS Lambda functions. We recommend you use a "
                   "supported runtime while creating or upgrading functions.");
  if (in.contains("Timeout")) {
    int64_t t = in["Timeout"];
    if (t < 1 || t > 900)
      return lambda_error("ValidationException",
                          "1 validation error detected: Value '" + std::to_string(t) +
                              "' at 'timeout' failed to satisfy constraint: Member must have value " +
                              (t < 1 ? "greater than or equal to 1" : "less than or equal to 900"),
                          400);
  }
  if (in.contains("MemorySize")) {
    int64_t m = in["MemorySize"];
    if (m < 128 || m > 10240)
      return lambda_error("ValidationException",
                          "1 validation error detected: Value '" + std::to_string(m) +
                              "' at 'memorySize' failed to satisfy constraint: Member must have value " +
                              (m < 128 ? "greater than or equal to 128" : "less than or equal to 10240"),
                          400);
  }
  if (in.contains("Environment") && in["Environment"].contains("Variables")) {
    std::string used;
    for (const auto& [k, v] : in["Environment"]["Variables"].items())
      if (kReservedVariables.count(k)) used += (used.empty() ? "" : ", ") + k;
    if (!used.empty())
      return invalid("Lambda was unable to configure your environment variables because the environment variables "
                     "you have provided contains reserved keys that are currently not supported for modification. "
                     "Reserved keys used in this request: " + used);
  }
  return Status::Ok();
}

Value Provider::public_config(const Value& entry) const {
  Value c = entry["config"];
  return c;
}

// ---- functions -------------------------------------------------------------

Result<Output> Provider::create_function(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  NUAGE_TRY(limits::check_function_name(ref->name));
  if (in.value("PackageType", "Zip") == "Image")
    return invalid("Container images are not supported by nuage: use a .zip file archive.");
  if (!in.contains("Runtime")) return invalid("Runtime is required for the Zip package type.");
  NUAGE_TRY(check_config(in));
  if (!in.contains("Handler") && !text::starts_with(in["Runtime"].get<std::string>(), "provided"))
    return invalid("Handler is required for the Zip package type.");
  std::string role = in.at("Role");
  {
    auto existing = load(*ref);
    if (!existing) return existing.take_error();
    if (!existing->is_null()) return conflict("Function already exist: " + ref->name);
  }
  NUAGE_TRY(check_role(ctx, role, ref->name));
  auto layers = resolve_layers(ctx, in.value("Layers", Value::array()));
  if (!layers) return layers.take_error();
  auto code = store_code(ctx, in.at("Code"), "CreateFunction");
  if (!code) return code.take_error();
  uint64_t total = (*code)["unzipped"].get<uint64_t>();
  for (const auto& l : *layers) total += l["unzipped"].get<uint64_t>();
  if (total > runtime::kMaxUnzippedBytes)
    return invalid("Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The "
                   "actual size is " + std::to_string(total) + " bytes.");

  std::string arn = function_arn(ref->region, ref->account, ref->name);
  Value config = {{"FunctionName", ref->name},
                  {"FunctionArn", arn},
                  {"Runtime", in["Runtime"]},
                  {"Role", role},
                  {"Handler", in.value("Handler", "")},
                  {"CodeSize", (*code)["size"]},
                  {"Description", in.value("Description", "")},
                  {"Timeout", in.value("Timeout", 3)},
                  {"MemorySize", in.value("MemorySize", 128)},
                  {"LastModified", lambda_time(ctx.clock->now())},
                  {"CodeSha256", (*code)["CodeSha256"]},
                  {"Version", "$LATEST"},
                  {"TracingConfig", in.value("TracingConfig", Value{{"Mode", "PassThrough"}})},
                  {"RevisionId", new_uuid()},
                  {"State", "Active"},
                  {"LastUpdateStatus", "Successful"},
                  {"PackageType", "Zip"},
                  {"Architectures", in.value("Architectures", Value::array({"x86_64"}))},
                  {"EphemeralStorage", in.value("EphemeralStorage", Value{{"Size", 512}})},
                  {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
                  {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + ref->name}}}};
  if (in.contains("Environment")) config["Environment"] = {{"Variables", in["Environment"].value("Variables", Value::object())}};
  if (!layers->empty()) {
    config["Layers"] = Value::array();
    for (const auto& l : *layers) config["Layers"].push_back({{"Arn", l["Arn"]}, {"CodeSize", l["CodeSize"]}});
  }
  if (in.contains("DeadLetterConfig")) config["DeadLetterConfig"] = in["DeadLetterConfig"];
  if (in.contains("KMSKeyArn")) config["KMSKeyArn"] = in["KMSKeyArn"];
  if (in.contains("VpcConfig"))
    config["VpcConfig"] = {{"SubnetIds", in["VpcConfig"].value("SubnetIds", Value::array())},
                           {"SecurityGroupIds", in["VpcConfig"].value("SecurityGroupIds", Value::array())},
                           {"VpcId", ""}};
  Value doc = {{"latest", {{"config", config}, {"code", *code}, {"layers", *layers}}},
               {"versions", Value::object()},
               {"aliases", Value::object()},
               {"next_version", 1},
               {"tags", in.value("Tags", Value::object())},
               {"policy", Value::array()},
               {"concurrency", nullptr}};
  Output out;
  Status s = db_.transaction([&]() -> Status {
    auto existing = load(*ref);
    if (!existing) return existing.error();
    if (!existing->is_null()) return conflict("Function already exist: " + ref->name);
    if (in.value("Publish", false)) {
      Value v = doc["latest"];
      v["config"]["Version"] = "1";
      v["config"]["FunctionArn"] = arn + ":1";
      doc["versions"]["1"] = v;
      doc["next_version"] = 2;
      doc["published_revision"] = config["RevisionId"];
    }
    return save(*ref, doc);
  });
  if (!s.ok()) return s.error();
  // AWS answers Pending at creation; the function is Active on the next read
  // (function_active_v2 waits for that).
  out.value = in.value("Publish", false) ? doc["versions"]["1"]["config"] : config;
  out.value["State"] = "Pending";
  out.value["StateReason"] = "The function is being created.";
  out.value["StateReasonCode"] = "Creating";
  out.value.erase("LastUpdateStatus");
  return out;
}

Result<Output> Provider::get_function(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  auto entry = resolve(*ref, *doc, ref->qualifier);
  if (!entry) return entry.take_error();
  Output out;
  out.value["Configuration"] = public_config(*entry);
  out.value["Code"] = {{"RepositoryType", "S3"}, {"Location", code_url((*entry)["code"]["blob"])}};
  out.value["Tags"] = (*doc)["tags"];
  if (!(*doc)["concurrency"].is_null())
    out.value["Concurrency"] = {{"ReservedConcurrentExecutions", (*doc)["concurrency"]}};
  return out;
}

Result<Output> Provider::get_function_configuration(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  auto entry = resolve(*ref, *doc, ref->qualifier);
  if (!entry) return entry.take_error();
  Output out;
  out.value = public_config(*entry);
  return out;
}

Result<Output> Provider::list_functions(Context& ctx, const Value& in) {
  std::vector<Value> all;
  bool versions = in.value("FunctionVersion", "") == "ALL";
  NUAGE_TRY(db_.exec("SELECT doc FROM lambda_functions WHERE account = ? AND region = ? ORDER BY name",
                     {ctx.account_id, ctx.region}, [&](const storage::Row& r) {
                       Value doc = Value::parse(r.text(0));
                       all.push_back(public_config(doc["latest"]));
                       if (versions)
                         for (const auto& [k, v] : doc["versions"].items()) all.push_back(public_config(v));
                     }));
  size_t start = 0;
  if (in.contains("Marker")) {
    std::string m = in["Marker"];
    if (!is_number(m)) return invalid("Invalid marker: " + m);
    start = std::stoul(m);
  }
  size_t max = static_cast<size_t>(std::clamp<int64_t>(in.value("MaxItems", int64_t{50}), 1, 10000));
  Output out;
  out.value["Functions"] = Value::array();
  for (size_t i = start; i < all.size() && i < start + max; ++i) out.value["Functions"].push_back(all[i]);
  if (start + max < all.size()) out.value["NextMarker"] = std::to_string(start + max);
  return out;
}

Result<Output> Provider::update_function_code(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  {
    auto doc = must_load(*ref);
    if (!doc) return doc.take_error();
  }
  if (in.contains("ImageUri")) return invalid("Please don't provide ImageUri when updating a function with packageType Zip.");
  auto code = store_code(ctx, in, "UpdateFunctionCode");
  if (!code) return code.take_error();
  Output out;
  Status s = db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    Value& latest = (*doc)["latest"];
    if (in.contains("RevisionId") && in["RevisionId"] != latest["config"]["RevisionId"])
      return lambda_error("PreconditionFailedException",
                          "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/"
                          "GetAlias API to retrieve the latest Revision Id",
                          412);
    latest["code"] = *code;
    latest["config"]["CodeSha256"] = (*code)["CodeSha256"];
    latest["config"]["CodeSize"] = (*code)["size"];
    latest["config"]["LastModified"] = lambda_time(ctx.clock->now());
    latest["config"]["RevisionId"] = new_uuid();
    if (in.contains("Architectures")) latest["config"]["Architectures"] = in["Architectures"];
    out.value = latest["config"];
    if (in.value("Publish", false)) {
      std::string n = std::to_string((*doc)["next_version"].get<int64_t>());
      Value v = latest;
      v["config"]["Version"] = n;
      v["config"]["FunctionArn"] = latest["config"]["FunctionArn"].get<std::string>() + ":" + n;
      (*doc)["versions"][n] = v;
      (*doc)["next_version"] = std::stoll(n) + 1;
      (*doc)["published_revision"] = latest["config"]["RevisionId"];
      out.value = v["config"];
    }
    return save(*ref, *doc);
  });
  if (!s.ok()) return s.error();
  return updated(*ref, std::move(out));
}

Output Provider::updated(const Ref& ref, Output out) {
  // Warm environments run the old code or configuration: they go.
  if (pool_) pool_->evict(ref.account + "/" + ref.region + "/" + ref.name);
  // InProgress in the answer, Successful on the next read (function_updated_v2).
  out.value["LastUpdateStatus"] = "InProgress";
  out.value["LastUpdateStatusReason"] = "The function is being created.";
  out.value["LastUpdateStatusReasonCode"] = "Creating";
  return out;
}

Result<Output> Provider::update_function_configuration(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  NUAGE_TRY(check_config(in));
  if (in.contains("Role")) NUAGE_TRY(check_role(ctx, in["Role"], ref->name));
  std::optional<Value> layers;
  if (in.contains("Layers")) {
    auto l = resolve_layers(ctx, in["Layers"]);
    if (!l) return l.take_error();
    layers = *l;
  }
  Output out;
  Status s = db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    Value& latest = (*doc)["latest"];
    Value& c = latest["config"];
    if (in.contains("RevisionId") && in["RevisionId"] != c["RevisionId"])
      return lambda_error("PreconditionFailedException",
                          "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/"
                          "GetAlias API to retrieve the latest Revision Id",
                          412);
    for (const char* k : {"Role", "Handler", "Description", "Timeout", "MemorySize", "Runtime", "TracingConfig",
                          "DeadLetterConfig", "KMSKeyArn", "EphemeralStorage"})
      if (in.contains(k)) c[k] = in[k];
    if (in.contains("Environment")) c["Environment"] = {{"Variables", in["Environment"].value("Variables", Value::object())}};
    if (in.contains("LoggingConfig")) c["LoggingConfig"].update(in["LoggingConfig"]);
    if (layers) {
      uint64_t total = latest["code"]["unzipped"].get<uint64_t>();
      for (const auto& l : *layers) total += l["unzipped"].get<uint64_t>();
      if (total > runtime::kMaxUnzippedBytes)
        return invalid("Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. "
                       "The actual size is " + std::to_string(total) + " bytes.");
      latest["layers"] = *layers;
      c.erase("Layers");
      if (!layers->empty()) {
        c["Layers"] = Value::array();
        for (const auto& l : *layers) c["Layers"].push_back({{"Arn", l["Arn"]}, {"CodeSize", l["CodeSize"]}});
      }
    }
    c["LastModified"] = lambda_time(ctx.clock->now());
    c["RevisionId"] = new_uuid();
    out.value = c;
    return save(*ref, *doc);
  });
  if (!s.ok()) return s.error();
  return updated(*ref, std::move(out));
}

Result<Output> Provider::delete_function(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  Status s = db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    if (ref->qualifier.empty()) {
      return db_.exec("DELETE FROM lambda_functions WHERE account = ? AND region = ? AND name = ?",
                      {ref->account, ref->region, ref->name});
    }
    if (ref->qualifier == "$LATEST") return invalid("$LATEST version cannot be deleted without deleting the function.");
    if (!(*doc)["versions"].contains(ref->qualifier))
      return not_found_message("Function not found: " + function_arn(ref->region, ref->account, ref->name) + ":" +
                               ref->qualifier);
    for (const auto& [name, alias] : (*doc)["aliases"].items())
      if (alias["FunctionVersion"] == ref->qualifier)
        return conflict("Unable to delete version because the following aliases reference it: [" + name + "]");
    (*doc)["versions"].erase(ref->qualifier);
    return save(*ref, *doc);
  });
  if (!s.ok()) return s.error();
  if (pool_) pool_->evict(ref->account + "/" + ref->region + "/" + ref->name);
  return Output{};
}

Result<Output> Provider::publish_version(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  Output out;
  Status s = db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    Value& latest = (*doc)["latest"];
    if (in.contains("CodeSha256") && in["CodeSha256"] != latest["config"]["CodeSha256"])
      return invalid("CodeSHA256 (" + in["CodeSha256"].get<std::string>() +
                     ") is different from current CodeSHA256 in $LATEST (" +
                     latest["config"]["CodeSha256"].get<std::string>() + "). Please try again.");
    if (in.contains("RevisionId") && in["RevisionId"] != latest["config"]["RevisionId"])
      return lambda_error("PreconditionFailedException",
                          "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/"
                          "GetAlias API to retrieve the latest Revision Id",
                          412);
    // Nothing changed since the last publication: that version again.
    if (doc->value("published_revision", "") == latest["config"]["RevisionId"]) {
      int64_t last = (*doc)["next_version"].get<int64_t>() - 1;
      if ((*doc)["versions"].contains(std::to_string(last))) {
        out.value = (*doc)["versions"][std::to_string(last)]["config"];
        return Status::Ok();
      }
    }
    std::string n = std::to_string((*doc)["next_version"].get<int64_t>());
    Value v = latest;
    v["config"]["Version"] = n;
    v["config"]["FunctionArn"] = latest["config"]["FunctionArn"].get<std::string>() + ":" + n;
    if (in.contains("Description")) v["config"]["Description"] = in["Description"];
    v["config"]["RevisionId"] = new_uuid();
    (*doc)["versions"][n] = v;
    (*doc)["next_version"] = std::stoll(n) + 1;
    (*doc)["published_revision"] = latest["config"]["RevisionId"];
    out.value = v["config"];
    return save(*ref, *doc);
  });
  if (!s.ok()) return s.error();
  return out;
}

Result<Output> Provider::list_versions(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  std::vector<std::pair<int64_t, Value>> sorted;
  for (const auto& [k, v] : (*doc)["versions"].items()) sorted.emplace_back(std::stoll(k), public_config(v));
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Value> all = {public_config((*doc)["latest"])};
  for (auto& [n, v] : sorted) all.push_back(std::move(v));
  size_t start = in.contains("Marker") && is_number(in["Marker"]) ? std::stoul(in["Marker"].get<std::string>()) : 0;
  size_t max = static_cast<size_t>(std::clamp<int64_t>(in.value("MaxItems", int64_t{50}), 1, 10000));
  Output out;
  out.value["Versions"] = Value::array();
  for (size_t i = start; i < all.size() && i < start + max; ++i) out.value["Versions"].push_back(all[i]);
  if (start + max < all.size()) out.value["NextMarker"] = std::to_string(start + max);
  return out;
}

// ---- aliases ---------------------------------------------------------------

Result<Output> Provider::create_alias(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  std::string name = in.at("Name"), version = in.at("FunctionVersion");
  Output out;
  Status s = db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    std::string arn = function_arn(ref->region, ref->account, ref->name) + ":" + name;
    if ((*doc)["aliases"].contains(name)) return conflict("Alias already exists: " + arn);
    if (version != "$LATEST" && !(*doc)["versions"].contains(version))
      return not_found_message("Function not found: " + function_arn(ref->region, ref->account, ref->name) + ":" +
                               version);
    Value alias = {{"AliasArn", arn},
                   {"Name", name},
                   {"FunctionVersion", version},
                   {"Description", in.value("Description", "")},
                   {"RevisionId", new_uuid()}};
    if (in.contains("RoutingConfig")) alias["RoutingConfig"] = in["RoutingConfig"];
    (*doc)["aliases"][name] = alias;
    out.value = alias;
    return save(*ref, *doc);
  });
  if (!s.ok()) return s.error();
  return out;
}

Result<Output> Provider::get_alias(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  std::string name = in.at("Name");
  if (!(*doc)["aliases"].contains(name))
    return not_found_message("Cannot find alias arn: " + function_arn(ref->region, ref->account, ref->name) + ":" +
                             name);
  Output out;
  out.value = (*doc)["aliases"][name];
  return out;
}

Result<Output> Provider::update_alias(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  std::string name = in.at("Name");
  Output out;
  Status s = db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    if (!(*doc)["aliases"].contains(name))
      return not_found_message("Cannot find alias arn: " + function_arn(ref->region, ref->account, ref->name) +
                               ":" + name);
    Value& alias = (*doc)["aliases"][name];
    if (in.contains("RevisionId") && in["RevisionId"] != alias["RevisionId"])
      return lambda_error("PreconditionFailedException",
                          "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/"
                          "GetAlias API to retrieve the latest Revision Id",
                          412);
    if (in.contains("FunctionVersion")) {
      std::string v = in["FunctionVersion"];
      if (v != "$LATEST" && !(*doc)["versions"].contains(v))
        return not_found_message("Function not found: " + function_arn(ref->region, ref->account, ref->name) +
                                 ":" + v);
      alias["FunctionVersion"] = v;
    }
    if (in.contains("Description")) alias["Description"] = in["Description"];
    if (in.contains("RoutingConfig")) alias["RoutingConfig"] = in["RoutingConfig"];
    alias["RevisionId"] = new_uuid();
    out.value = alias;
    return save(*ref, *doc);
  });
  if (!s.ok()) return s.error();
  return out;
}

Result<Output> Provider::delete_alias(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  std::string name = in.at("Name");
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    (*doc)["aliases"].erase(name);
    return save(*ref, *doc);
  }));
  return Output{};
}

Result<Output> Provider::list_aliases(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  Output out;
  out.value["Aliases"] = Value::array();
  std::string version = in.value("FunctionVersion", "");
  for (const auto& [k, a] : (*doc)["aliases"].items())
    if (version.empty() || a["FunctionVersion"] == version) out.value["Aliases"].push_back(a);
  return out;
}

// ---- tags, concurrency, policy ---------------------------------------------

Result<Output> Provider::tag_resource(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("Resource"), Value::object());
  if (!ref) return ref.take_error();
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    for (const auto& [k, v] : in.at("Tags").items()) (*doc)["tags"][k] = v;
    return save(*ref, *doc);
  }));
  return Output{};
}

Result<Output> Provider::untag_resource(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("Resource"), Value::object());
  if (!ref) return ref.take_error();
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    for (const auto& k : in.at("TagKeys")) (*doc)["tags"].erase(k.get<std::string>());
    return save(*ref, *doc);
  }));
  return Output{};
}

Result<Output> Provider::list_tags(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("Resource"), Value::object());
  if (!ref) return ref.take_error();
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  Output out;
  out.value["Tags"] = (*doc)["tags"];
  return out;
}

Result<Output> Provider::put_concurrency(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  int64_t n = in.at("ReservedConcurrentExecutions");
  if (n < 0 || n > 1000)
    return invalid("Specified ReservedConcurrentExecutions for function decreases account's "
                   "UnreservedConcurrentExecution below its minimum value of [100].");
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    (*doc)["concurrency"] = n;
    return save(*ref, *doc);
  }));
  Output out;
  out.value["ReservedConcurrentExecutions"] = n;
  return out;
}

Result<Output> Provider::get_concurrency(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  Output out;
  if (!(*doc)["concurrency"].is_null()) out.value["ReservedConcurrentExecutions"] = (*doc)["concurrency"];
  return out;
}

Result<Output> Provider::delete_concurrency(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    (*doc)["concurrency"] = nullptr;
    return save(*ref, *doc);
  }));
  return Output{};
}

Result<Output> Provider::add_permission(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  std::string sid = in.at("StatementId"), principal = in.at("Principal"), action = in.at("Action");
  Value statement;
  Status s = db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    auto entry = resolve(*ref, *doc, ref->qualifier);
    if (!entry) return entry.error();
    for (const auto& st : (*doc)["policy"])
      if (st["Sid"] == sid)
        return conflict("The statement id (" + sid +
                        ") provided already exists. Please provide a new statement id, or remove the existing "
                        "statement.");
    std::string resource = function_arn(ref->region, ref->account, ref->name) +
                           (ref->qualifier.empty() ? "" : ":" + ref->qualifier);
    Value p;
    if (principal == "*") p = "*";
    else if (principal.find(".amazonaws.com") != std::string::npos) p = {{"Service", principal}};
    else if (is_number(principal)) p = {{"AWS", "arn:aws:iam::" + principal + ":root"}};
    else p = {{"AWS", principal}};
    statement = {{"Sid", sid}, {"Effect", "Allow"}, {"Principal", p}, {"Action", action}, {"Resource", resource}};
    Value condition = Value::object();
    if (in.contains("SourceArn")) condition["ArnLike"] = {{"AWS:SourceArn", in["SourceArn"]}};
    if (in.contains("SourceAccount")) condition["StringEquals"]["AWS:SourceAccount"] = in["SourceAccount"];
    if (in.contains("PrincipalOrgID")) condition["StringEquals"]["aws:PrincipalOrgID"] = in["PrincipalOrgID"];
    if (in.contains("EventSourceToken"))
      condition["StringEquals"]["lambda:EventSourceToken"] = in["EventSourceToken"];
    if (!condition.empty()) statement["Condition"] = condition;
    (*doc)["policy"].push_back(statement);
    (*doc)["policy_revision"] = new_uuid();
    return save(*ref, *doc);
  });
  if (!s.ok()) return s.error();
  Output out;
  out.value["Statement"] = statement.dump();
  return out;
}

Result<Output> Provider::remove_permission(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  std::string sid = in.at("StatementId");
  NUAGE_TRY(db_.transaction([&]() -> Status {
    auto doc = must_load(*ref);
    if (!doc) return doc.error();
    Value& policy = (*doc)["policy"];
    for (auto it = policy.begin(); it != policy.end(); ++it)
      if ((*it)["Sid"] == sid) {
        policy.erase(it);
        (*doc)["policy_revision"] = new_uuid();
        return save(*ref, *doc);
      }
    return not_found_message("Statement " + sid + " is not found in resource policy.");
  }));
  return Output{};
}

Result<Output> Provider::get_policy(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  if ((*doc)["policy"].empty()) return not_found_message("The resource you requested does not exist.");
  Output out;
  out.value["Policy"] = Value{{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", (*doc)["policy"]}}.dump();
  out.value["RevisionId"] = doc->value("policy_revision", "");
  return out;
}

Result<Output> Provider::get_account_settings(Context& ctx, const Value&) {
  int64_t count = 0, total = 0;
  NUAGE_TRY(db_.exec("SELECT doc FROM lambda_functions WHERE account = ? AND region = ?",
                     {ctx.account_id, ctx.region}, [&](const storage::Row& r) {
                       Value doc = Value::parse(r.text(0));
                       ++count;
                       total += doc["latest"]["code"].value("size", int64_t{0});
                     }));
  Output out;
  out.value = {{"AccountLimit",
                {{"TotalCodeSize", 80530636800LL},
                 {"CodeSizeUnzipped", 262144000},
                 {"CodeSizeZipped", 52428800},
                 {"ConcurrentExecutions", 1000},
                 {"UnreservedConcurrentExecutions", 1000}}},
               {"AccountUsage", {{"TotalCodeSize", total}, {"FunctionCount", count}}}};
  return out;
}

// ---- layers ----------------------------------------------------------------

namespace {

// LayerName: a name or a layer ARN (without version).
std::tuple<std::string, std::string, std::string> layer_ref(const Context& ctx, const std::string& given) {
  auto p = text::split(given, ':');
  if (text::starts_with(given, "arn:") && p.size() >= 7) return {p[4], p[3], p[6]};
  return {ctx.account_id, ctx.region, given};
}

}  // namespace

Result<Output> Provider::publish_layer_version(Context& ctx, const Value& in) {
  auto [account, region, name] = layer_ref(ctx, in.at("LayerName"));
  auto code = store_code(ctx, in.at("Content"), "PublishLayerVersion");
  if (!code) return code.take_error();
  Output out;
  Status s = db_.transaction([&, &account = account, &region = region, &name = name]() -> Status {
    int64_t version = 0;
    NUAGE_TRY(db_.exec("SELECT MAX(version) FROM lambda_layers WHERE account = ? AND region = ? AND name = ?",
                       {account, region, name}, [&](const storage::Row& r) {
                         if (!r.is_null(0)) version = r.integer(0);
                       }));
    ++version;
    std::string arn = layer_arn(region, account, name);
    Value doc = {{"LayerArn", arn},
                 {"LayerVersionArn", arn + ":" + std::to_string(version)},
                 {"Description", in.value("Description", "")},
                 {"CreatedDate", lambda_time(ctx.clock->now())},
                 {"Version", version},
                 {"code", *code},
                 {"policy", Value::array()}};
    for (const char* k : {"CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"})
      if (in.contains(k)) doc[k] = in[k];
    out.value = doc;
    return save_layer(account, region, name, version, doc);
  });
  if (!s.ok()) return s.error();
  out.value["Content"] = {{"Location", code_url((*code)["blob"])},
                          {"CodeSha256", (*code)["CodeSha256"]},
                          {"CodeSize", (*code)["size"]}};
  return out;
}

namespace {
AwsError layer_not_found() {
  return not_found_message("The resource you requested does not exist.");
}
}  // namespace

Result<Output> Provider::get_layer_version(Context& ctx, const Value& in) {
  auto [account, region, name] = layer_ref(ctx, in.at("LayerName"));
  auto doc = load_layer(account, region, name, in.at("VersionNumber"));
  if (!doc) return doc.take_error();
  if (doc->is_null()) return layer_not_found();
  Output out;
  out.value = *doc;
  out.value["Content"] = {{"Location", code_url((*doc)["code"]["blob"])},
                          {"CodeSha256", (*doc)["code"]["CodeSha256"]},
                          {"CodeSize", (*doc)["code"]["size"]}};
  return out;
}

Result<Output> Provider::get_layer_version_by_arn(Context& ctx, const Value& in) {
  std::string arn = in.at("Arn");
  auto p = text::split(arn, ':');
  if (p.size() != 8 || !is_number(p[7])) return invalid("Invalid layer version ARN: " + arn);
  Value get = {{"LayerName", layer_arn(p[3], p[4], p[6])}, {"VersionNumber", std::stoll(p[7])}};
  return get_layer_version(ctx, get);
}

Result<Output> Provider::list_layer_versions(Context& ctx, const Value& in) {
  auto [account, region, name] = layer_ref(ctx, in.at("LayerName"));
  std::string runtime = in.value("CompatibleRuntime", "");
  Output out;
  out.value["LayerVersions"] = Value::array();
  NUAGE_TRY(db_.exec(
      "SELECT doc FROM lambda_layers WHERE account = ? AND region = ? AND name = ? ORDER BY version DESC",
      {account, region, name}, [&](const storage::Row& r) {
        Value doc = Value::parse(r.text(0));
        if (doc.value("_deleted", false)) return;
        if (!runtime.empty() && doc.contains("CompatibleRuntimes") &&
            std::find(doc["CompatibleRuntimes"].begin(), doc["CompatibleRuntimes"].end(), runtime) ==
                doc["CompatibleRuntimes"].end())
          return;
        out.value["LayerVersions"].push_back(doc);
      }));
  return out;
}

Result<Output> Provider::list_layers(Context& ctx, const Value& in) {
  std::string runtime = in.value("CompatibleRuntime", "");
  std::map<std::string, Value> latest;
  NUAGE_TRY(db_.exec("SELECT name, doc FROM lambda_layers WHERE account = ? AND region = ? ORDER BY name, version",
                     {ctx.account_id, ctx.region}, [&](const storage::Row& r) {
                       Value doc = Value::parse(r.text(1));
                       if (doc.value("_deleted", false)) return;
                       if (!runtime.empty() && doc.contains("CompatibleRuntimes") &&
                           std::find(doc["CompatibleRuntimes"].begin(), doc["CompatibleRuntimes"].end(), runtime) ==
                               doc["CompatibleRuntimes"].end())
                         return;
                       latest[r.text(0)] = doc;
                     }));
  Output out;
  out.value["Layers"] = Value::array();
  for (const auto& [name, doc] : latest)
    out.value["Layers"].push_back({{"LayerName", name}, {"LayerArn", doc["LayerArn"]}, {"LatestMatchingVersion", doc}});
  return out;
}

Result<Output> Provider::delete_layer_version(Context& ctx, const Value& in) {
  auto [account, region, name] = layer_ref(ctx, in.at("LayerName"));
  int64_t version = in.at("VersionNumber");
  // The row stays (tombstone) so that version numbers are never reused, and
  // functions that use it keep running, as on AWS.
  NUAGE_TRY(db_.transaction([&, &account = account, &region = region, &name = name]() -> Status {
    auto doc = load_layer(account, region, name, version);
    if (!doc) return doc.error();
    if (doc->is_null()) return Status::Ok();
    (*doc)["_deleted"] = true;
    return save_layer(account, region, name, version, *doc);
  }));
  return Output{};
}

Result<Output> Provider::add_layer_permission(Context& ctx, const Value& in) {
  auto [account, region, name] = layer_ref(ctx, in.at("LayerName"));
  int64_t version = in.at("VersionNumber");
  std::string sid = in.at("StatementId");
  Value statement;
  NUAGE_TRY(db_.transaction([&, &account = account, &region = region, &name = name]() -> Status {
    auto doc = load_layer(account, region, name, version);
    if (!doc) return doc.error();
    if (doc->is_null()) return layer_not_found();
    for (const auto& st : (*doc)["policy"])
      if (st["Sid"] == sid)
        return conflict("The statement id (" + sid +
                        ") provided already exists. Please provide a new statement id, or remove the existing "
                        "statement.");
    std::string principal = in.at("Principal");
    statement = {{"Sid", sid},
                 {"Effect", "Allow"},
                 {"Principal", principal == "*" ? Value("*") : Value{{"AWS", "arn:aws:iam::" + principal + ":root"}}},
                 {"Action", in.at("Action")},
                 {"Resource", (*doc)["LayerVersionArn"]}};
    if (in.contains("OrganizationId"))
      statement["Condition"] = {{"StringEquals", {{"aws:PrincipalOrgID", in["OrganizationId"]}}}};
    (*doc)["policy"].push_back(statement);
    return save_layer(account, region, name, version, *doc);
  }));
  Output out;
  out.value = {{"Statement", statement.dump()}, {"RevisionId", new_uuid()}};
  return out;
}

Result<Output> Provider::remove_layer_permission(Context& ctx, const Value& in) {
  auto [account, region, name] = layer_ref(ctx, in.at("LayerName"));
  int64_t version = in.at("VersionNumber");
  std::string sid = in.at("StatementId");
  NUAGE_TRY(db_.transaction([&, &account = account, &region = region, &name = name]() -> Status {
    auto doc = load_layer(account, region, name, version);
    if (!doc) return doc.error();
    if (doc->is_null()) return layer_not_found();
    Value& policy = (*doc)["policy"];
    for (auto it = policy.begin(); it != policy.end(); ++it)
      if ((*it)["Sid"] == sid) {
        policy.erase(it);
        return save_layer(account, region, name, version, *doc);
      }
    return not_found_message("Statement " + sid + " is not found in resource policy.");
  }));
  return Output{};
}

Result<Output> Provider::get_layer_policy(Context& ctx, const Value& in) {
  auto [account, region, name] = layer_ref(ctx, in.at("LayerName"));
  auto doc = load_layer(account, region, name, in.at("VersionNumber"));
  if (!doc) return doc.take_error();
  if (doc->is_null() || (*doc)["policy"].empty()) return layer_not_found();
  Output out;
  out.value = {{"Policy", Value{{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", (*doc)["policy"]}}.dump()},
               {"RevisionId", new_uuid()}};
  return out;
}

// ---- invocation ------------------------------------------------------------

namespace {

std::string log_stream_name(Clock::TimePoint now, const std::string& version) {
  std::string day = timefmt::iso8601(now).substr(0, 10);
  std::replace(day.begin(), day.end(), '-', '/');
  return day + "/[" + version + "]" + text::hex_encode(crypto::random_bytes(16));
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/usr/bin" : path.substr(0, slash);
}

}  // namespace

Result<Provider::RunResult> Provider::run(const Ref& ref, const std::string& request_id, const std::string& payload,
                                          const std::string& client_context) {
  if (!pool_) return internal_error("lambda execution is not available");
  auto doc = must_load(ref);
  if (!doc) return doc.take_error();
  auto entry_r = resolve(ref, *doc, ref.qualifier);
  if (!entry_r) return entry_r.take_error();
  const Value entry = std::move(*entry_r);
  const Value& config = entry["config"];
  std::string name = ref.name, version = config["Version"];
  auto creds = role_credentials(ref.account, ref.region, config["Role"], name);
  if (!creds) return creds.take_error();
  std::string group = ref.account + "/" + ref.region + "/" + name;
  std::string key = config["FunctionArn"].get<std::string>() + "|" + config["RevisionId"].get<std::string>() + "|" +
                    creds->access_key;
  int limit = (*doc)["concurrency"].is_null() ? -1 : (*doc)["concurrency"].get<int>();
  std::string log_group = "/aws/lambda/" + name;
  if (config.contains("LoggingConfig") && config["LoggingConfig"].contains("LogGroup"))
    log_group = config["LoggingConfig"]["LogGroup"];

  auto make_spec = [&](runtime::EnvironmentSpec& spec, std::string* error) -> bool {
    auto code_dir = extracted(entry["code"]["blob"], entry["code"]["sha_hex"]);
    if (!code_dir) {
      *error = code_dir.error().message;
      return false;
    }
    auto opt = merged_layers(entry.value("layers", Value::array()));
    if (!opt) {
      *error = opt.error().message;
      return false;
    }
    spec.runtime = config["Runtime"];
    spec.code_dir = *code_dir;
    spec.opt_dir = *opt;
    spec.runtime_dir = runtime_dir_;
    spec.hidden = env_.hidden;
    spec.sandbox = sandbox_;
    resolve_interpreters();
    spec.python = python_.empty() ? "/usr/bin/python3" : python_;
    spec.node = node_.empty() ? "/usr/bin/node" : node_;
    std::string task = runtime::Environment::task_root(spec), opt_root = runtime::Environment::opt_root(spec),
                rt = runtime::Environment::runtime_root(spec);
    std::string runtime_name = spec.runtime;
    auto& env = spec.env;
    env["PATH"] = dir_of(spec.python) + ":" + dir_of(spec.node) + ":/usr/local/bin:/usr/bin:/bin:" + opt_root + "/bin";
    env["LD_LIBRARY_PATH"] = "/lib64:/usr/lib64:" + rt + ":" + rt + "/lib:" + task + ":" + task + "/lib:" + opt_root + "/lib";
    env["LANG"] = "en_US.UTF-8";
    env["TZ"] = ":UTC";
    if (text::starts_with(runtime_name, "python")) {
      env["PYTHONPATH"] = task + ":" + opt_root + "/python/lib/" + runtime_name + "/site-packages:" + opt_root + "/python";
    } else if (text::starts_with(runtime_name, "nodejs")) {
      std::string major = runtime_name.substr(6, runtime_name.find('.') - 6);
      env["NODE_PATH"] = opt_root + "/nodejs/node" + major + "/node_modules:" + opt_root + "/nodejs/node_modules:" + rt +
                         "/node_modules";
    }
    env["AWS_LAMBDA_FUNCTION_NAME"] = name;
    env["AWS_LAMBDA_FUNCTION_VERSION"] = version;
    env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(config["MemorySize"].get<int64_t>());
    env["AWS_LAMBDA_LOG_GROUP_NAME"] = log_group;
    env["AWS_LAMBDA_LOG_STREAM_NAME"] = log_stream_name(clock_.now(), version);
    env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
    env["AWS_REGION"] = ref.region;
    env["AWS_DEFAULT_REGION"] = ref.region;
    env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + runtime_name;
    env["_HANDLER"] = config.value("Handler", "");
    env["LAMBDA_TASK_ROOT"] = task;
    env["LAMBDA_RUNTIME_DIR"] = rt;
    env["AWS_ACCESS_KEY_ID"] = creds->access_key;
    env["AWS_SECRET_ACCESS_KEY"] = creds->secret_key;
    env["AWS_SESSION_TOKEN"] = creds->session_token;
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:" + std::to_string(env_.port());
    if (config.contains("Environment")) {
      const Value vars = config["Environment"].value("Variables", Value::object());
      for (const auto& [k, v] : vars.items())
        if (!kReservedVariables.count(k) && v.is_string()) env[k] = v.get<std::string>();
    }
    return true;
  };

  runtime::Invocation inv;
  inv.request_id = request_id;
  inv.payload = payload;
  inv.invoked_arn = function_arn(ref.region, ref.account, name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
  inv.client_context = client_context;
  inv.timeout = std::chrono::seconds(config["Timeout"].get<int64_t>());
  runtime::PoolResult pr = pool_->invoke(group, key, limit, make_spec, inv);
  if (pr.status == runtime::PoolResult::kThrottled) {
    AwsError e = lambda_error("TooManyRequestsException", "Rate Exceeded.", 429);
    e.fields["Reason"] =
        limit >= 0 ? "ReservedFunctionConcurrentInvocationLimitExceeded" : "ConcurrentInvocationLimitExceeded";
    return e;
  }
  if (pr.status == runtime::PoolResult::kStartFailed) {
    spdlog::error("lambda: cannot start an environment for {}: {}", name, pr.error);
    return lambda_error("ServiceException", "Lambda could not start the execution environment: " + pr.error, 500);
  }
  const runtime::Outcome& o = pr.outcome;
  RunResult result;
  result.executed_version = version;
  std::string timeout_text = "Task timed out after " + two_decimals(static_cast<double>(inv.timeout.count()) / 1000.0) + " seconds";
  switch (o.kind) {
    case runtime::Outcome::kResponse:
      result.payload = o.payload;
      break;
    case runtime::Outcome::kError:
    case runtime::Outcome::kInitError:
      result.payload = o.payload;
      result.function_error = "Unhandled";
      break;
    case runtime::Outcome::kTimeout:
      result.payload = Value{{"errorType", "Sandbox.Timedout"},
                             {"errorMessage", "RequestId: " + request_id + " Error: " + timeout_text}}
                           .dump();
      result.function_error = "Unhandled";
      break;
    case runtime::Outcome::kExited:
      result.payload = Value{{"errorType", "Runtime.ExitError"},
                             {"errorMessage", "RequestId: " + request_id +
                                                  " Error: Runtime exited without providing a reason"}}
                           .dump();
      result.function_error = "Unhandled";
      break;
  }
  // The log lines Lambda writes around what the function printed.
  std::string text;
  if (o.init_ms) text += "INIT_START Runtime Version: " + config["Runtime"].get<std::string>() + "\n";
  text += "START RequestId: " + request_id + " Version: " + version + "\n";
  text += o.output;
  if (!text.empty() && text.back() != '\n') text += "\n";
  if (o.kind == runtime::Outcome::kTimeout)
    text += timefmt::iso8601(clock_.now(), true) + " " + request_id + " " + timeout_text + "\n";
  if (o.kind == runtime::Outcome::kExited || o.kind == runtime::Outcome::kInitError)
    text += "RequestId: " + request_id + " Error: " + Value::parse(result.payload, nullptr, false).value("errorType", std::string("Runtime.Unknown")) + "\n";
  text += "END RequestId: " + request_id + "\n";
  double duration = o.duration_ms;
  text += "REPORT RequestId: " + request_id + "\tDuration: " + two_decimals(duration) +
          " ms\tBilled Duration: " + std::to_string(static_cast<int64_t>(std::ceil(duration)) + 0) +
          " ms\tMemory Size: " + std::to_string(config["MemorySize"].get<int64_t>()) +
          " MB\tMax Memory Used: " + std::to_string(o.max_memory_mb) + " MB\t";
  if (o.init_ms) text += "Init Duration: " + two_decimals(*o.init_ms) + " ms\t";
  if (o.kind == runtime::Outcome::kTimeout) text += "Status: timeout";
  text += "\n";
  result.log_text = text;
  write_logs(Ref{ref.account, ref.region, log_group, ""}, pr.log_stream, text);
  return result;
}

void Provider::write_logs(const Ref& where, const std::string& stream, const std::string& text) {
  if (!env_.logs || stream.empty()) return;
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  std::vector<kit::LogEvent> events;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    events.push_back({now_ms, text.substr(start, nl - start + (nl < text.size() ? 1 : 0))});
    start = nl + 1;
  }
  Status s = env_.logs->write(where.account, where.region, where.name, stream, events);
  if (!s.ok()) spdlog::warn("lambda: cannot write logs to {}: {}", where.name, s.error().message);
}

Status Provider::check_service_invoke(const Context& ctx, const Ref& ref, const Value& doc) const {
  std::string arn = function_arn(ref.region, ref.account, ref.name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
  std::string document =
      Value{{"Version", "2012-10-17"}, {"Statement", doc.value("policy", Value::array())}}.dump();
  policy::Request request;
  request.action = "lambda:InvokeFunction";
  request.resource = arn;
  request.principal.type = policy::Principal::Type::kService;
  request.principal.service = ctx.caller.arn;
  request.principal.arn = ctx.caller.arn;
  request.principal.account = ctx.caller.account_id;
  if (!ctx.caller.source_arn.empty()) request.context.set("aws:SourceArn", ctx.caller.source_arn);
  request.context.set("aws:SourceAccount", ctx.caller.account_id);
  policy::PolicySet policies;
  policies.resource_required = true;
  if (!doc.value("policy", Value::array()).empty()) {
    auto compiled = policy::compile_policy(document, policy::PolicyKind::kResource);
    if (!compiled) return compiled.error();
    policies.resource.push_back({arn, "resource", *compiled});
  }
  // A policy naming the unqualified function also covers its qualified ARNs.
  if (!ref.qualifier.empty()) request.resource = function_arn(ref.region, ref.account, ref.name);
  policy::Evaluation unqualified = policy::evaluate(request, policies);
  request.resource = arn;
  if (unqualified.allowed() || policy::evaluate(request, policies).allowed()) return Status::Ok();
  return AwsError{"AccessDeniedException",
                  "User: " + ctx.caller.arn + " is not authorized to perform: lambda:InvokeFunction on resource: " +
                      arn + " because no resource-based policy allows the lambda:InvokeFunction action",
                  403};
}

Result<Output> Provider::invoke(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  std::string type = in.value("InvocationType", "RequestResponse");
  std::string payload = in.contains("Payload") ? kit::blob_bytes(in["Payload"]) : "";
  if (type == "Event" && payload.size() > 262144)
    return lambda_error("RequestTooLargeException",
                        "Request must be smaller than 262144 bytes for the InvokeFunction operation", 413);
  if (payload.size() > 6291456)
    return lambda_error("RequestTooLargeException",
                        "Request must be smaller than 6291456 bytes for the InvokeFunction operation", 413);
  if (text::trim(payload).empty()) payload = "{}";
  if (Value::parse(payload, nullptr, false).is_discarded())
    return lambda_error("InvalidRequestContentException",
                        "Could not parse request body into json: Could not parse payload into json: Unexpected "
                        "character: was expecting (JSON String, Number, Array, Object or token 'null', 'true' or "
                        "'false')",
                        400);
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  auto entry = resolve(*ref, *doc, ref->qualifier);
  if (!entry) return entry.take_error();
  // An AWS service (an EventBridge rule, a CloudWatch alarm) may invoke only
  // what the function's resource policy grants it (AddPermission).
  if (ctx.caller.type == auth::PrincipalType::kService) NUAGE_TRY(check_service_invoke(ctx, *ref, *doc));
  Output out;
  if (type == "DryRun") {
    out.value["StatusCode"] = 204;
    return out;
  }
  if (type == "Event") {
    Job job;
    job.ref = *ref;
    job.request_id = ctx.request_id;
    job.payload = payload;
    // Work in flight: a clock advance that triggered this (a schedule, an
    // alarm) returns once it has run.
    job.work.emplace(clock_.begin_work());
    enqueue(std::move(job));
    out.value["StatusCode"] = 202;
    return out;
  }
  if (type != "RequestResponse")
    return invalid("1 validation error detected: Value '" + type +
                   "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, "
                   "RequestResponse, DryRun]");
  std::string client_context;
  if (in.contains("ClientContext")) client_context = text::base64_decode(in["ClientContext"].get<std::string>()).value_or("");
  auto r = run(*ref, ctx.request_id, payload, client_context);
  if (!r) return r.take_error();
  out.value["StatusCode"] = 200;
  out.value["ExecutedVersion"] = r->executed_version;
  if (!r->function_error.empty()) out.value["FunctionError"] = r->function_error;
  if (in.value("LogType", "None") == "Tail") {
    std::string tail = r->log_text.size() > 4096 ? r->log_text.substr(r->log_text.size() - 4096) : r->log_text;
    out.value["LogResult"] = text::base64_encode(tail);
  }
  out.stream_bytes = std::move(r->payload);
  return out;
}

Result<Output> Provider::invoke_async(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  auto body = ctx.payload.read_all();
  if (!body) return body.take_error();
  std::string payload = std::move(*body);
  if (text::trim(payload).empty()) payload = "{}";
  if (Value::parse(payload, nullptr, false).is_discarded())
    return lambda_error("InvalidRequestContentException", "Could not parse request body into json", 400);
  auto doc = must_load(*ref);
  if (!doc) return doc.take_error();
  Job job;
  job.ref = *ref;
  job.request_id = ctx.request_id;
  job.payload = payload;
  job.work.emplace(clock_.begin_work());
  enqueue(std::move(job));
  Output out;
  out.value["Status"] = 202;
  return out;
}

void Provider::enqueue(Job job) {
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return;
    queue_.push_back(std::make_unique<Job>(std::move(job)));
  }
  queue_cv_.notify_one();
}

// Event invocations: run in order of arrival; on a function error (or a
// throttle) retried twice, one and then two minutes later on the nuage
// clock, as Lambda does — timers hold Clock::Work so that advancing the
// clock waits for the retry to finish.
void Provider::event_worker() {
  for (;;) {
    std::unique_ptr<Job> job;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    auto r = run(job->ref, job->request_id, job->payload, "");
    bool failed = !r ? r.error().code != "ResourceNotFoundException" : !r->function_error.empty();
    if (!failed || job->attempt >= 3) continue;
    auto delay = std::chrono::minutes(job->attempt == 1 ? 1 : 2);
    auto retry = std::make_shared<Job>();
    retry->ref = job->ref;
    retry->request_id = job->request_id;
    retry->payload = job->payload;
    retry->attempt = job->attempt + 1;
    std::lock_guard lock(queue_mu_);
    if (stopping_) return;
    timers_.push_back(clock_.schedule(clock_.now() + delay, [this, retry](Clock::TimePoint) {
      Job j;
      j.ref = retry->ref;
      j.request_id = retry->request_id;
      j.payload = retry->payload;
      j.attempt = retry->attempt;
      j.work.emplace(clock_.begin_work());
      enqueue(std::move(j));
    }));
  }
}

// The function a call names, as an ARN ("*" for calls naming none).
static std::vector<std::string> named_function_arns(const kit::RequestContext& ctx, const Value& in) {
  auto it = in.find("FunctionName");
  if (it == in.end() || !it->is_string()) return {"*"};
  std::string fn = it->get<std::string>();
  if (text::starts_with(fn, "arn:")) return {fn};
  return {"arn:aws:lambda:" + ctx.region + ":" + ctx.account_id + ":function:" + fn};
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(named_function_arns);
  table.add("CreateFunction", this, &Provider::create_function);
  table.add("GetFunction", this, &Provider::get_function);
  table.add("GetFunctionConfiguration", this, &Provider::get_function_configuration);
  table.add("ListFunctions", this, &Provider::list_functions);
  table.add("UpdateFunctionCode", this, &Provider::update_function_code);
  table.add("UpdateFunctionConfiguration", this, &Provider::update_function_configuration);
  table.add("DeleteFunction", this, &Provider::delete_function);
  table.add("PublishVersion", this, &Provider::publish_version);
  table.add("ListVersionsByFunction", this, &Provider::list_versions);
  table.add("CreateAlias", this, &Provider::create_alias);
  table.add("GetAlias", this, &Provider::get_alias);
  table.add("UpdateAlias", this, &Provider::update_alias);
  table.add("DeleteAlias", this, &Provider::delete_alias);
  table.add("ListAliases", this, &Provider::list_aliases);
  table.add("TagResource", this, &Provider::tag_resource);
  table.add("UntagResource", this, &Provider::untag_resource);
  table.add("ListTags", this, &Provider::list_tags);
  table.add("PutFunctionConcurrency", this, &Provider::put_concurrency);
  table.add("GetFunctionConcurrency", this, &Provider::get_concurrency);
  table.add("DeleteFunctionConcurrency", this, &Provider::delete_concurrency);
  table.add("AddPermission", this, &Provider::add_permission);
  table.add("RemovePermission", this, &Provider::remove_permission);
  table.add("GetPolicy", this, &Provider::get_policy);
  table.add("GetAccountSettings", this, &Provider::get_account_settings);
  table.add("Invoke", this, &Provider::invoke).iam_action("InvokeFunction");
  table.add("InvokeAsync", this, &Provider::invoke_async);
  table.add("PublishLayerVersion", this, &Provider::publish_layer_version);
  table.add("GetLayerVersion", this, &Provider::get_layer_version);
  table.add("GetLayerVersionByArn", this, &Provider::get_layer_version_by_arn);
  table.add("ListLayers", this, &Provider::list_layers);
  table.add("ListLayerVersions", this, &Provider::list_layer_versions);
  table.add("DeleteLayerVersion", this, &Provider::delete_layer_version);
  table.add("AddLayerVersionPermission", this, &Provider::add_layer_permission);
  table.add("RemoveLayerVersionPermission", this, &Provider::remove_layer_permission);
  table.add("GetLayerVersionPolicy", this, &Provider::get_layer_policy);
}

}  // namespace nuage::services::lambda
