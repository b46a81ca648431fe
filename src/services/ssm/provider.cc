#include "services/ssm/provider.h"

#include "common/text.h"
#include "common/time.h"
#include "services/ssm/errors.h"
#include "services/ssm/limits.h"

namespace nuage::services::ssm {

using kit::Output;
using kit::Value;
using Context = kit::RequestContext;

namespace {

const char* kParameter = "parameter";

storage::Scope scope_of(const Context& ctx) { return {ctx.account_id, ctx.region}; }

AwsError not_found(const std::string& name) { return errors("ParameterNotFound", "Parameter " + name + " not found."); }

Status validate_name(const std::string& name) {
  std::string lowered = text::lower(name[0] == '/' ? name.substr(1) : name);
  if (text::starts_with(lowered, "aws") || text::starts_with(lowered, "ssm"))
    return errors("ValidationException", "No access to reserved parameter name: " + name + ".");
  if (name.find("/") != std::string::npos && name[0] != '/')
    return errors("ValidationException",
                  "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a "
                  "path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a "
                  "mix of letters, numbers and the following 3 symbols .-_");
  return Status::Ok();
}

// "name", "name:3" (version) — labels are not kept yet.
std::pair<std::string, int64_t> split_selector(const std::string& spec) {
  auto colon = spec.rfind(':');
  if (colon != std::string::npos && colon + 1 < spec.size() && spec.find("arn:") != 0) {
    std::string tail = spec.substr(colon + 1);
    if (tail.find_first_not_of("0123456789") == std::string::npos)
      return {spec.substr(0, colon), std::stoll(tail)};
  }
  // ARN form: arn:aws:ssm:region:account:parameter/name
  if (spec.rfind("arn:", 0) == 0) {
    auto p = spec.find(":parameter");
    if (p != std::string::npos) {
      std::string name = spec.substr(p + 10);
      return {name.size() > 1 && name[1] == '/' ? name.substr(1) : name, 0};
    }
  }
  return {spec, 0};
}

}  // namespace

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "ssm";
  options.legacy_migrations = {
      "CREATE TABLE ssm_parameters (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, "
      "doc TEXT NOT NULL, PRIMARY KEY (account, region, name))",
      "INSERT INTO resources(service, account, region, kind, id, doc) "
      "SELECT 'ssm', account, region, 'parameter', name, doc FROM ssm_parameters",
      "DROP TABLE ssm_parameters",
  };
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  store_ = std::move(*store);
  return Status::Ok();
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  store_->clear();
}

Result<Output> Provider::put_parameter(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  NUAGE_TRY(validate_name(name));
  std::string type = in.value("Type", "");
  bool overwrite = in.value("Overwrite", false);
  Output out;
  {
    const Value* existing = store_->get(scope_of(ctx), kParameter, name);
    Value doc = existing ? *existing : Value{{"Version", 0}};
    if (existing && !overwrite)
      return errors("ParameterAlreadyExists",
                    "The parameter already exists. To overwrite this value, set the overwrite option in the "
                    "request to true.");
    if (!existing && type.empty())
      return errors("ValidationException", "A parameter type is required when you create a parameter.");
    std::string tier = in.value("Tier", "Standard");
    NUAGE_TRY(limits::check_value(in.at("Value"), tier));
    int64_t version = doc["Version"].get<int64_t>() + 1;
    doc["Name"] = name;
    doc["Value"] = in.at("Value");
    if (!type.empty()) doc["Type"] = type;
    doc["Version"] = version;
    doc["Tier"] = tier == "Intelligent-Tiering"
                      ? (text::utf8_length(in.at("Value").get<std::string>()) > limits::kStandardValueChars ? "Advanced" : "Standard")
                      : tier;
    doc["DataType"] = in.value("DataType", "text");
    if (in.contains("Description")) doc["Description"] = in["Description"];
    doc["LastModifiedDate"] = timefmt::epoch_seconds(ctx.clock->now());
    doc["History"].push_back({{"Version", version}, {"Value", doc["Value"]}});
    out.value = {{"Version", version}, {"Tier", doc["Tier"]}};
    NUAGE_TRY(store_->put(scope_of(ctx), kParameter, name, std::move(doc)));
  }
  return out;
}

static Value public_view(const kit::RequestContext& ctx, const Value& doc, int64_t version, bool decrypt) {
  Value value = doc["Value"];
  if (version > 0)
    for (const auto& h : doc["History"])
      if (h["Version"] == version) value = h["Value"];
  // Without decryption a SecureString answers its ciphertext, as AWS does;
  // nuage's local "KMS" envelope is base64 of the plaintext under a header.
  if (doc.value("Type", "") == "SecureString" && !decrypt)
    value = text::base64_encode("nuage-kms:alias/aws/ssm:" + value.get<std::string>());
  std::string name = doc["Name"];
  return {{"Name", name},
          {"Type", doc["Type"]},
          {"Value", value},
          {"Version", version > 0 ? version : doc["Version"].get<int64_t>()},
          {"LastModifiedDate", doc["LastModifiedDate"]},
          {"DataType", doc.value("DataType", "text")},
          {"ARN", "arn:aws:ssm:" + ctx.region + ":" + ctx.account_id + ":parameter" +
                      (name[0] == '/' ? name : "/" + name)}};
}

Result<Output> Provider::get_parameter(Context& ctx, const Value& in) {
  auto [name, version] = split_selector(in.at("Name"));
  const Value* doc = store_->get(scope_of(ctx), kParameter, name);
  if (!doc || (version > (*doc)["Version"].get<int64_t>())) return not_found(in.at("Name"));
  Output out;
  out.value["Parameter"] = public_view(ctx, *doc, version, in.value("WithDecryption", false));
  return out;
}

Result<Output> Provider::get_parameters(Context& ctx, const Value& in) {
  Output out;
  out.value["Parameters"] = Value::array();
  out.value["InvalidParameters"] = Value::array();
  for (const auto& selector : in.at("Names")) {
    auto [name, version] = split_selector(selector);
    const Value* doc = store_->get(scope_of(ctx), kParameter, name);
    if (!doc || version > (*doc)["Version"].get<int64_t>()) {
      out.value["InvalidParameters"].push_back(selector);
      continue;
    }
    out.value["Parameters"].push_back(public_view(ctx, *doc, version, in.value("WithDecryption", false)));
  }
  return out;
}

Result<Output> Provider::delete_parameter(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  if (!store_->get(scope_of(ctx), kParameter, name)) return not_found(name);
  NUAGE_TRY(store_->erase(scope_of(ctx), kParameter, name));
  return Output{};
}

Result<Output> Provider::delete_parameters(Context& ctx, const Value& in) {
  Output out;
  out.value["DeletedParameters"] = Value::array();
  out.value["InvalidParameters"] = Value::array();
  NUAGE_TRY(store_->transaction([&]() -> Status {
    for (const auto& name : in.at("Names")) {
      bool present = store_->get(scope_of(ctx), kParameter, name) != nullptr;
      if (present) NUAGE_TRY(store_->erase(scope_of(ctx), kParameter, name));
      out.value[present ? "DeletedParameters" : "InvalidParameters"].push_back(name);
    }
    return Status::Ok();
  }));
  return out;
}

// The parameter ARNs a call names (Name, Names or Path).
static std::vector<std::string> parameter_arns(const Context& ctx, const Value& in) {
  auto arn = [&](std::string name) {
    if (text::starts_with(name, "arn:")) return name;
    name = name.substr(0, name.find(':'));
    return "arn:aws:ssm:" + ctx.region + ":" + ctx.account_id + ":parameter" +
           (name.empty() || name[0] == '/' ? name : "/" + name);
  };
  std::vector<std::string> out;
  for (const char* member : {"Name", "Path"})
    if (auto it = in.find(member); it != in.end() && it->is_string()) return {arn(it->get<std::string>())};
  if (auto it = in.find("Names"); it != in.end() && it->is_array())
    for (const auto& n : *it)
      if (n.is_string()) out.push_back(arn(n.get<std::string>()));
  return out;
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(parameter_arns);
  table.add_locked("PutParameter", this, mutex_, &Provider::put_parameter);
  table.add_locked("GetParameter", this, mutex_, &Provider::get_parameter);
  table.add_locked("GetParameters", this, mutex_, &Provider::get_parameters);
  table.add_locked("DeleteParameter", this, mutex_, &Provider::delete_parameter);
  table.add_locked("DeleteParameters", this, mutex_, &Provider::delete_parameters);
  automation_.register_operations(table);
}

}  // namespace nuage::services::ssm
