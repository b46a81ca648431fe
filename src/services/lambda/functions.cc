#include "services/lambda/functions.h"

#include <algorithm>
#include <set>

#include "common/text.h"
#include "runtime/function_environment.h"
#include "runtime/zip.h"
#include "services/lambda/limits.h"
#include "services/lambda/errors.h"
#include "services/lambda/file_systems.h"
#include "services/lambda/versions.h"

namespace nuage::services::lambda {

namespace {

const std::set<std::string> kRuntimes = {"python3.9",    "python3.10",      "python3.11", "python3.12",
                                         "python3.13",   "nodejs18.x",      "nodejs20.x", "nodejs22.x",
                                         "provided.al2", "provided.al2023", "provided"};


AwsError out_of_range(const std::string& member, int64_t value, bool below, const std::string& bound) {
  return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(value) + "' at '" +
                                           member + "' failed to satisfy constraint: Member must have value " +
                                           (below ? "greater than or equal to " : "less than or equal to ") + bound);
}

Status check_config(const Value& in) {
  if (in.contains("Runtime") && !kRuntimes.count(in["Runtime"].get<std::string>()))
    return invalid("The runtime parameter of " + in["Runtime"].get<std::string>() +
                   " is no longer supported for creating or updating AWS Lambda functions. We recommend you use a "
                   "supported runtime while creating or upgrading functions.");
  if (in.contains("Timeout")) {
    int64_t t = in["Timeout"];
    if (t < 1 || t > 900) return out_of_range("timeout", t, t < 1, t < 1 ? "1" : "900");
  }
  if (in.contains("MemorySize")) {
    int64_t m = in["MemorySize"];
    if (m < 128 || m > 10240) return out_of_range("memorySize", m, m < 128, m < 128 ? "128" : "10240");
  }
  if (in.contains("Environment") && in["Environment"].contains("Variables")) {
    std::string used;
    for (const auto& [k, v] : in["Environment"]["Variables"].items())
      if (runtime::reserved_variables().count(k)) used += (used.empty() ? "" : ", ") + k;
    if (!used.empty())
      return invalid("Lambda was unable to configure your environment variables because the environment variables "
                     "you have provided contains reserved keys that are currently not supported for modification. "
                     "Reserved keys used in this request: " + used);
  }
  return Status::Ok();
}

// Code and layers together within AWS's 250 MB unzipped.
Status check_unzipped(const Value& code, const Value& layers) {
  uint64_t total = code["unzipped"].get<uint64_t>();
  for (const auto& l : layers) total += l["unzipped"].get<uint64_t>();
  if (total > runtime::kMaxUnzippedBytes)
    return invalid("Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The "
                   "actual size is " + std::to_string(total) + " bytes.");
  return Status::Ok();
}

// The Layers member of a configuration: [{Arn, CodeSize}].
void set_layers(Value& config, const Value& layers) {
  config.erase("Layers");
  if (layers.empty()) return;
  config["Layers"] = Value::array();
  for (const auto& l : layers) config["Layers"].push_back({{"Arn", l["Arn"]}, {"CodeSize", l["CodeSize"]}});
}

AwsError already_exists(const Ref& ref) {
  return errors("ResourceConflictException", "Function already exist: " + ref.name);
}

}  // namespace

Result<Output> Functions::create_function(Context& ctx, const Value& in) {
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
  auto exists = [&] { return shared_.store->get(scope_of(*ref), kFunction, ref->name) != nullptr; };
  {
    std::lock_guard lock(shared_.mutex);
    if (exists()) return already_exists(*ref);
  }
  NUAGE_TRY(roles_.check(ctx, role, ref->name));
  Result<Value> layers = [&] {
    std::lock_guard lock(shared_.mutex);
    return layers_.resolve(in.value("Layers", Value::array()));
  }();
  if (!layers) return layers.take_error();
  auto mounts = file_systems::resolve(shared_.env, *ref, in.value("FileSystemConfigs", Value::array()));
  if (!mounts) return mounts.take_error();
  auto code = code_.store(ctx, in.at("Code"), "CreateFunction");
  if (!code) return code.take_error();
  NUAGE_TRY(check_unzipped(*code, *layers));

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
                  {"RevisionId", new_revision_id()},
                  {"State", "Active"},
                  {"LastUpdateStatus", "Successful"},
                  {"PackageType", "Zip"},
                  {"Architectures", in.value("Architectures", Value::array({"x86_64"}))},
                  {"EphemeralStorage", in.value("EphemeralStorage", Value{{"Size", 512}})},
                  {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
                  {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + ref->name}}}};
  if (in.contains("Environment"))
    config["Environment"] = {{"Variables", in["Environment"].value("Variables", Value::object())}};
  set_layers(config, *layers);
  if (in.contains("DeadLetterConfig")) config["DeadLetterConfig"] = in["DeadLetterConfig"];
  if (in.contains("KMSKeyArn")) config["KMSKeyArn"] = in["KMSKeyArn"];
  if (in.contains("VpcConfig"))
    config["VpcConfig"] = {{"SubnetIds", in["VpcConfig"].value("SubnetIds", Value::array())},
                           {"SecurityGroupIds", in["VpcConfig"].value("SecurityGroupIds", Value::array())},
                           {"VpcId", ""}};
  if (!mounts->empty()) config["FileSystemConfigs"] = file_systems::public_view(*mounts);
  Value doc = {{"latest", {{"config", config}, {"code", *code}, {"layers", *layers}, {"file_systems", *mounts}}},
               {"versions", Value::object()},
               {"aliases", Value::object()},
               {"next_version", 1},
               {"tags", in.value("Tags", Value::object())},
               {"policy", Value::array()},
               {"concurrency", nullptr}};
  Output out;
  // AWS answers Pending at creation; the function is Active on the next read
  // (function_active_v2 waits for that).
  out.value = in.value("Publish", false) ? Versions::publish(doc)["config"] : config;
  {
    std::lock_guard lock(shared_.mutex);
    if (exists()) return already_exists(*ref);
    NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  }
  out.value["State"] = "Pending";
  out.value["StateReason"] = "The function is being created.";
  out.value["StateReasonCode"] = "Creating";
  out.value.erase("LastUpdateStatus");
  return out;
}

Result<Output> Functions::get_function(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  const Value& doc = *found->doc;
  auto entry = resolve_entry(*ref, doc, ref->qualifier);
  if (!entry) return entry.take_error();
  Output out;
  out.value["Configuration"] = (*entry)["config"];
  out.value["Code"] = {{"RepositoryType", "S3"}, {"Location", code_.location((*entry)["code"]["blob"])}};
  out.value["Tags"] = doc["tags"];
  if (!doc["concurrency"].is_null())
    out.value["Concurrency"] = {{"ReservedConcurrentExecutions", doc["concurrency"]}};
  return out;
}

Result<Output> Functions::get_function_configuration(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  auto entry = resolve_entry(*ref, *found->doc, ref->qualifier);
  if (!entry) return entry.take_error();
  Output out;
  out.value = (*entry)["config"];
  return out;
}

Result<Output> Functions::list_functions(Context& ctx, const Value& in) {
  std::vector<const Value*> all;
  bool versions = in.value("FunctionVersion", "") == "ALL";
  for (auto [name, doc] : shared_.store->all({ctx.account_id, ctx.region}, kFunction)) {
    all.push_back(&doc["latest"]["config"]);
    if (versions)
      for (const auto& [k, v] : doc["versions"].items()) all.push_back(&v["config"]);
  }
  size_t start = 0;
  if (in.contains("Marker")) {
    std::string m = in["Marker"];
    if (!is_number(m)) return invalid("Invalid marker: " + m);
    start = std::stoul(m);
  }
  size_t max = static_cast<size_t>(std::clamp<int64_t>(in.value("MaxItems", int64_t{50}), 1, 10000));
  Output out;
  out.value["Functions"] = Value::array();
  for (size_t i = start; i < all.size() && i < start + max; ++i) out.value["Functions"].push_back(*all[i]);
  if (start + max < all.size()) out.value["NextMarker"] = std::to_string(start + max);
  return out;
}

Result<Output> Functions::update_function_code(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  {
    std::lock_guard lock(shared_.mutex);
    auto found = shared_.function(*ref);
    if (!found) return found.take_error();
  }
  if (in.contains("ImageUri"))
    return invalid("Please don't provide ImageUri when updating a function with packageType Zip.");
  auto code = code_.store(ctx, in, "UpdateFunctionCode");
  if (!code) return code.take_error();
  Output out;
  {
    std::lock_guard lock(shared_.mutex);
    auto found = shared_.function(*ref);
    if (!found) return found.take_error();
    Value doc = **found;
    Value& latest = doc["latest"];
    if (in.contains("RevisionId") && in["RevisionId"] != latest["config"]["RevisionId"]) return revision_mismatch();
    latest["code"] = *code;
    latest["config"]["CodeSha256"] = (*code)["CodeSha256"];
    latest["config"]["CodeSize"] = (*code)["size"];
    latest["config"]["LastModified"] = lambda_time(ctx.clock->now());
    latest["config"]["RevisionId"] = new_revision_id();
    if (in.contains("Architectures")) latest["config"]["Architectures"] = in["Architectures"];
    out.value = in.value("Publish", false) ? Versions::publish(doc)["config"] : latest["config"];
    NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  }
  return updated(*ref, std::move(out));
}

Output Functions::updated(const Ref& ref, Output out) {
  // Warm environments run the old code or configuration: they go.
  invoker_.forget(ref);
  // InProgress in the answer, Successful on the next read (function_updated_v2).
  out.value["LastUpdateStatus"] = "InProgress";
  out.value["LastUpdateStatusReason"] = "The function is being created.";
  out.value["LastUpdateStatusReasonCode"] = "Creating";
  return out;
}

Result<Output> Functions::update_function_configuration(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  NUAGE_TRY(check_config(in));
  if (in.contains("Role")) NUAGE_TRY(roles_.check(ctx, in["Role"], ref->name));
  std::optional<Value> mounts;
  if (in.contains("FileSystemConfigs")) {
    auto resolved = file_systems::resolve(shared_.env, *ref, in["FileSystemConfigs"]);
    if (!resolved) return resolved.take_error();
    mounts = std::move(*resolved);
  }
  Output out;
  {
    std::lock_guard lock(shared_.mutex);
    std::optional<Value> layers;
    if (in.contains("Layers")) {
      auto l = layers_.resolve(in["Layers"]);
      if (!l) return l.take_error();
      layers = *l;
    }
    auto found = shared_.function(*ref);
    if (!found) return found.take_error();
    Value doc = **found;
    Value& latest = doc["latest"];
    Value& c = latest["config"];
    if (in.contains("RevisionId") && in["RevisionId"] != c["RevisionId"]) return revision_mismatch();
    for (const char* k : {"Role", "Handler", "Description", "Timeout", "MemorySize", "Runtime", "TracingConfig",
                          "DeadLetterConfig", "KMSKeyArn", "EphemeralStorage"})
      if (in.contains(k)) c[k] = in[k];
    if (in.contains("Environment"))
      c["Environment"] = {{"Variables", in["Environment"].value("Variables", Value::object())}};
    if (in.contains("LoggingConfig")) c["LoggingConfig"].update(in["LoggingConfig"]);
    if (mounts) {
      latest["file_systems"] = *mounts;
      if (mounts->empty()) c.erase("FileSystemConfigs");
      else c["FileSystemConfigs"] = file_systems::public_view(*mounts);
    }
    if (layers) {
      NUAGE_TRY(check_unzipped(latest["code"], *layers));
      latest["layers"] = *layers;
      set_layers(c, *layers);
    }
    c["LastModified"] = lambda_time(ctx.clock->now());
    c["RevisionId"] = new_revision_id();
    out.value = c;
    NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  }
  return updated(*ref, std::move(out));
}

Result<Output> Functions::delete_function(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  {
    std::lock_guard lock(shared_.mutex);
    auto found = shared_.function(*ref);
    if (!found) return found.take_error();
    if (ref->qualifier.empty()) {
      NUAGE_TRY(shared_.store->erase(scope_of(*ref), kFunction, ref->name));
    } else {
      if (ref->qualifier == "$LATEST")
        return invalid("$LATEST version cannot be deleted without deleting the function.");
      Value doc = **found;
      if (!doc["versions"].contains(ref->qualifier)) return function_not_found(*ref);
      for (const auto& [name, alias] : doc["aliases"].items())
        if (alias["FunctionVersion"] == ref->qualifier)
          return errors("ResourceConflictException",
                        "Unable to delete version because the following aliases reference it: [" + name + "]");
      doc["versions"].erase(ref->qualifier);
      NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
    }
  }
  invoker_.forget(*ref);
  return Output{};
}

Result<Output> Functions::put_concurrency(Context& ctx, const Value& in) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), Value::object());
  if (!ref) return ref.take_error();
  int64_t n = in.at("ReservedConcurrentExecutions");
  if (n < 0 || n > 1000)
    return invalid("Specified ReservedConcurrentExecutions for function decreases account's "
                   "UnreservedConcurrentExecution below its minimum value of [100].");
  auto found = shared_.function(*ref);
  if (!found) return found.take_error();
  Value doc = **found;
  doc["concurrency"] = n;
  NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  Output out;
  out.value["ReservedConcurrentExecutions"] = n;
  return out;
}

Result<Output> Functions::get_concurrency(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  Output out;
  if (!(*found->doc)["concurrency"].is_null()) out.value["ReservedConcurrentExecutions"] = (*found->doc)["concurrency"];
  return out;
}

Result<Output> Functions::delete_concurrency(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  const Ref* ref = &found->ref;
  Value doc = *found->doc;
  doc["concurrency"] = nullptr;
  NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  return Output{};
}

Result<Output> Functions::get_account_settings(Context& ctx, const Value&) {
  int64_t count = 0, total = 0;
  for (auto [name, doc] : shared_.store->all({ctx.account_id, ctx.region}, kFunction)) {
    ++count;
    total += doc["latest"]["code"].value("size", int64_t{0});
  }
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

void Functions::register_operations(kit::OperationTable& table) {
  // These lock themselves: they call STS or S3 first.
  table.add("CreateFunction", this, &Functions::create_function);
  table.add("UpdateFunctionCode", this, &Functions::update_function_code);
  table.add("UpdateFunctionConfiguration", this, &Functions::update_function_configuration);
  table.add("DeleteFunction", this, &Functions::delete_function);
  table.add_locked("GetFunction", this, shared_.mutex, &Functions::get_function);
  table.add_locked("GetFunctionConfiguration", this, shared_.mutex, &Functions::get_function_configuration);
  table.add_locked("ListFunctions", this, shared_.mutex, &Functions::list_functions);
  table.add_locked("PutFunctionConcurrency", this, shared_.mutex, &Functions::put_concurrency);
  table.add_locked("GetFunctionConcurrency", this, shared_.mutex, &Functions::get_concurrency);
  table.add_locked("DeleteFunctionConcurrency", this, shared_.mutex, &Functions::delete_concurrency);
  table.add_locked("GetAccountSettings", this, shared_.mutex, &Functions::get_account_settings);
}

}  // namespace nuage::services::lambda
