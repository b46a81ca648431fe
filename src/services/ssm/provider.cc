#include "services/ssm/provider.h"

#include "common/text.h"
#include "common/time.h"
#include "services/ssm/limits.h"

namespace nuage::services::ssm {

using gateway::Output;
using gateway::Value;
using Context = gateway::RequestContext;

namespace {

AwsError not_found(const std::string& name) {
  return AwsError{"ParameterNotFound", "Parameter " + name + " not found.", 400};
}

Status validate_name(const std::string& name) {
  std::string lowered = text::lower(name[0] == '/' ? name.substr(1) : name);
  if (text::starts_with(lowered, "aws") || text::starts_with(lowered, "ssm"))
    return AwsError{"ValidationException",
                    "No access to reserved parameter name: " + name + ".", 400};
  if (name.find("/") != std::string::npos && name[0] != '/')
    return AwsError{"ValidationException",
                    "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a "
                    "path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a "
                    "mix of letters, numbers and the following 3 symbols .-_",
                    400};
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

Provider::Provider(storage::Database& db) : db_(db) {
  Status s = db_.migrate("ssm", {
      "CREATE TABLE ssm_parameters (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, "
      "doc TEXT NOT NULL, PRIMARY KEY (account, region, name))",
  });
  if (!s.ok()) throw std::runtime_error(s.error().message);
}

void Provider::reset() { (void)db_.exec("DELETE FROM ssm_parameters"); }

Result<Value> Provider::load(const Context& ctx, const std::string& name) {
  Value doc;
  Status s = db_.exec("SELECT doc FROM ssm_parameters WHERE account = ? AND region = ? AND name = ?",
                      {ctx.account_id, ctx.region, name},
                      [&](const storage::Row& r) { doc = Value::parse(r.text(0)); });
  if (!s.ok()) return s.error();
  return doc;
}

Status Provider::store(const Context& ctx, const std::string& name, const Value& doc) {
  return db_.exec(
      "INSERT INTO ssm_parameters(account, region, name, doc) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(account, region, name) DO UPDATE SET doc = excluded.doc",
      {ctx.account_id, ctx.region, name, doc.dump()});
}

Result<Output> Provider::put_parameter(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  NUAGE_TRY(validate_name(name));
  std::string type = in.value("Type", "");
  bool overwrite = in.value("Overwrite", false);
  Output out;
  Status s = db_.transaction([&]() -> Status {
    auto existing = load(ctx, name);
    if (!existing) return existing.error();
    Value doc = existing->is_null() ? Value{{"Version", 0}} : *existing;
    if (!existing->is_null() && !overwrite)
      return AwsError{"ParameterAlreadyExists",
                      "The parameter already exists. To overwrite this value, set the overwrite option in the "
                      "request to true.",
                      400};
    if (existing->is_null() && type.empty())
      return AwsError{"ValidationException", "A parameter type is required when you create a parameter.", 400};
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
    return store(ctx, name, doc);
  });
  if (!s.ok()) return s.error();
  return out;
}

static Value public_view(const gateway::RequestContext& ctx, const Value& doc, int64_t version, bool decrypt) {
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
  auto doc = load(ctx, name);
  if (!doc) return doc.take_error();
  if (doc->is_null() || (version > (*doc)["Version"].get<int64_t>())) return not_found(in.at("Name"));
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
    auto doc = load(ctx, name);
    if (!doc) return doc.take_error();
    if (doc->is_null() || version > (*doc)["Version"].get<int64_t>()) {
      out.value["InvalidParameters"].push_back(selector);
      continue;
    }
    out.value["Parameters"].push_back(public_view(ctx, *doc, version, in.value("WithDecryption", false)));
  }
  return out;
}

Result<Output> Provider::delete_parameter(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  NUAGE_TRY(db_.transaction([&]() -> Status {
    NUAGE_TRY(db_.exec("DELETE FROM ssm_parameters WHERE account = ? AND region = ? AND name = ?",
                       {ctx.account_id, ctx.region, name}));
    return db_.changes() == 0 ? Status(not_found(name)) : Status::Ok();
  }));
  return Output{};
}

Result<Output> Provider::delete_parameters(Context& ctx, const Value& in) {
  Output out;
  out.value["DeletedParameters"] = Value::array();
  out.value["InvalidParameters"] = Value::array();
  Status s = db_.transaction([&]() -> Status {
    for (const auto& name : in.at("Names")) {
      NUAGE_TRY(db_.exec("DELETE FROM ssm_parameters WHERE account = ? AND region = ? AND name = ?",
                         {ctx.account_id, ctx.region, name.get<std::string>()}));
      out.value[db_.changes() ? "DeletedParameters" : "InvalidParameters"].push_back(name);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return out;
}

void Provider::register_operations(gateway::OperationTable& table) {
  table.add("PutParameter", this, &Provider::put_parameter);
  table.add("GetParameter", this, &Provider::get_parameter);
  table.add("GetParameters", this, &Provider::get_parameters);
  table.add("DeleteParameter", this, &Provider::delete_parameter);
  table.add("DeleteParameters", this, &Provider::delete_parameters);
}

}  // namespace nuage::services::ssm
