#include "services/ssm/provider.h"

#include "common/text.h"
#include "common/time.h"
#include "services/ssm/errors.h"
#include "services/ssm/limits.h"
#include "services/ssm/secure_string.h"

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
  return run_command_.recover();
}

void Provider::close() { run_command_.stop(); }

void Provider::reset() {
  std::lock_guard lock(mutex_);
  run_command_.reset();
  store_->clear();
}

namespace {

std::string parameter_arn(const Context& ctx, const std::string& name) {
  return "arn:aws:ssm:" + ctx.region + ":" + ctx.account_id + ":parameter" + (name[0] == '/' ? name : "/" + name);
}

}  // namespace

// Not under the kit's lock: a SecureString is encrypted by KMS between
// reading the parameter and storing it.
Result<Output> Provider::put_parameter(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  NUAGE_TRY(validate_name(name));
  std::string type = in.value("Type", "");
  bool overwrite = in.value("Overwrite", false);
  std::string tier = in.value("Tier", "Standard");
  NUAGE_TRY(limits::check_value(in.at("Value"), tier));
  std::string stored_value = in.at("Value");
  std::string key_id;
  bool secure = type == "SecureString";
  if (type.empty()) {
    std::lock_guard lock(mutex_);
    if (const Value* existing = store_->get(scope_of(ctx), kParameter, name)) {
      secure = existing->value("Type", "") == "SecureString";
      key_id = existing->value("KeyId", "");
    }
  }
  if (secure) {
    key_id = in.value("KeyId", key_id.empty() ? secure_string::kDefaultKey : key_id);
    if (stored_value.size() > limits::kStandardValueChars)
      return errors("NotImplemented", "SecureString values over 4096 bytes (envelope encryption) are not "
                                      "implemented by nuage");
    auto encrypted = secure_string::encrypt(env_, ctx, key_id, parameter_arn(ctx, name), stored_value);
    if (!encrypted) return encrypted.error();
    stored_value = std::move(*encrypted);
  }
  std::lock_guard lock(mutex_);
  Output out;
  const Value* existing = store_->get(scope_of(ctx), kParameter, name);
  Value doc = existing ? *existing : Value{{"Version", 0}};
  if (existing && !overwrite)
    return errors("ParameterAlreadyExists",
                  "The parameter already exists. To overwrite this value, set the overwrite option in the "
                  "request to true.");
  if (!existing && type.empty())
    return errors("ValidationException", "A parameter type is required when you create a parameter.");
  int64_t version = doc["Version"].get<int64_t>() + 1;
  doc["Name"] = name;
  doc["Value"] = stored_value;
  if (!type.empty()) doc["Type"] = type;
  doc["Version"] = version;
  doc["Tier"] = tier == "Intelligent-Tiering"
                    ? (text::utf8_length(in.at("Value").get<std::string>()) > limits::kStandardValueChars ? "Advanced"
                                                                                                         : "Standard")
                    : tier;
  doc["DataType"] = in.value("DataType", "text");
  if (in.contains("Description")) doc["Description"] = in["Description"];
  doc["LastModifiedDate"] = timefmt::epoch_seconds(ctx.clock->now());
  Value entry = {{"Version", version}, {"Value", stored_value}};
  if (secure) {
    doc["Encrypted"] = true;
    doc["KeyId"] = key_id;
    entry["Encrypted"] = true;
  } else {
    doc.erase("Encrypted");
    doc.erase("KeyId");
  }
  doc["History"].push_back(std::move(entry));
  out.value = {{"Version", version}, {"Tier", doc["Tier"]}};
  NUAGE_TRY(store_->put(scope_of(ctx), kParameter, name, std::move(doc)));
  return out;
}

static View public_view(const kit::RequestContext& ctx, const Value& doc, int64_t version) {
  Value value = doc["Value"];
  bool encrypted = doc.value("Encrypted", false);
  if (version > 0)
    for (const auto& h : doc["History"])
      if (h["Version"] == version) {
        value = h["Value"];
        encrypted = h.value("Encrypted", false);
      }
  std::string name = doc["Name"];
  View view;
  if (doc.value("Type", "") == "SecureString") {
    if (encrypted) {
      view.encrypted = true;
    } else {
      // Stored in clear by an older nuage: its stand-in ciphertext is the
      // one answered then (base64 of the value under a header).
      view.clear = value.get<std::string>();
      value = text::base64_encode("nuage-kms:alias/aws/ssm:" + *view.clear);
    }
  }
  view.parameter = {{"Name", name},
                    {"Type", doc["Type"]},
                    {"Value", value},
                    {"Version", version > 0 ? version : doc["Version"].get<int64_t>()},
                    {"LastModifiedDate", doc["LastModifiedDate"]},
                    {"DataType", doc.value("DataType", "text")},
                    {"ARN", parameter_arn(ctx, name)}};
  return view;
}

Result<Output> Provider::answer(Context& ctx, std::vector<View> views, bool decrypt, Output out, const char* member) {
  for (auto& view : views) {
    if (decrypt && view.clear) view.parameter["Value"] = *view.clear;
    if (decrypt && view.encrypted) {
      auto value = secure_string::decrypt(env_, ctx, view.parameter["ARN"], view.parameter["Value"]);
      if (!value) return value.error();
      view.parameter["Value"] = std::move(*value);
    }
    if (member)
      out.value[member].push_back(std::move(view.parameter));
    else
      out.value["Parameter"] = std::move(view.parameter);
  }
  return out;
}

Result<Output> Provider::get_parameter(Context& ctx, const Value& in) {
  auto [name, version] = split_selector(in.at("Name"));
  std::vector<View> views;
  {
    std::lock_guard lock(mutex_);
    const Value* doc = store_->get(scope_of(ctx), kParameter, name);
    if (!doc || (version > (*doc)["Version"].get<int64_t>())) return not_found(in.at("Name"));
    views.push_back(public_view(ctx, *doc, version));
  }
  return answer(ctx, std::move(views), in.value("WithDecryption", false), Output{}, nullptr);
}

Result<Output> Provider::get_parameters(Context& ctx, const Value& in) {
  Output out;
  out.value["Parameters"] = Value::array();
  out.value["InvalidParameters"] = Value::array();
  std::vector<View> views;
  {
    std::lock_guard lock(mutex_);
    for (const auto& selector : in.at("Names")) {
      auto [name, version] = split_selector(selector);
      const Value* doc = store_->get(scope_of(ctx), kParameter, name);
      if (!doc || version > (*doc)["Version"].get<int64_t>()) {
        out.value["InvalidParameters"].push_back(selector);
        continue;
      }
      views.push_back(public_view(ctx, *doc, version));
    }
  }
  return answer(ctx, std::move(views), in.value("WithDecryption", false), std::move(out), "Parameters");
}

Result<Output> Provider::get_parameters_by_path(Context& ctx, const Value& in) {
  if (in.contains("ParameterFilters"))
    return errors("NotImplemented", "GetParametersByPath with ParameterFilters is not implemented by nuage");
  std::string path = in.at("Path");
  if (path.empty() || path[0] != '/')
    return errors("ValidationException", "The parameter doesn't meet the parameter name requirements. The parameter "
                                         "name must begin with a forward slash \"/\".");
  std::string prefix = path.back() == '/' ? path : path + "/";
  bool recursive = in.value("Recursive", false);
  size_t limit = in.value("MaxResults", 10);
  Output out;
  out.value["Parameters"] = Value::array();
  std::vector<View> views;
  {
    std::lock_guard lock(mutex_);
    auto all = store_->all(scope_of(ctx), kParameter);
    auto it = all.from(prefix);
    if (in.contains("NextToken")) {
      auto after = storage::ResourceStore::from_page_token(in["NextToken"]);
      if (!after || !text::starts_with(*after, prefix))
        return errors("InvalidNextToken", "The specified token isn't valid.");
      it = all.after(*after);
    }
    std::string last;
    for (; it != all.end() && text::starts_with((*it).first, prefix); ++it) {
      if (views.size() == limit) {
        out.value["NextToken"] = storage::ResourceStore::page_token(last);
        break;
      }
      last = (*it).first;
      if (!recursive && last.find('/', prefix.size()) != std::string::npos) continue;
      views.push_back(public_view(ctx, (*it).second, 0));
    }
  }
  return answer(ctx, std::move(views), in.value("WithDecryption", false), std::move(out), "Parameters");
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
  // These call KMS for SecureString values: they take mutex_ themselves, never around the call.
  table.add("PutParameter", this, &Provider::put_parameter);
  table.add("GetParameter", this, &Provider::get_parameter);
  table.add("GetParameters", this, &Provider::get_parameters);
  table.add("GetParametersByPath", this, &Provider::get_parameters_by_path);
  table.add_locked("DeleteParameter", this, mutex_, &Provider::delete_parameter);
  table.add_locked("DeleteParameters", this, mutex_, &Provider::delete_parameters);
  automation_.register_operations(table);
  managed_.register_operations(table);
  run_command_.register_operations(table);
}

}  // namespace nuage::services::ssm
