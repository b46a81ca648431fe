#include "services/ssm/provider.h"

#include <algorithm>

#include "common/regex.h"
#include "common/text.h"
#include "common/time.h"
#include "services/ssm/errors.h"
#include "services/ssm/limits.h"
#include "services/ssm/parameter_filters.h"
#include "services/ssm/parameter_policies.h"
#include "services/ssm/parameter_versions.h"
#include "services/ssm/secret_references.h"
#include "services/ssm/secure_string.h"
#include "services/tag_list.h"

namespace nuage::services::ssm {

using kit::Output;
using kit::Value;
using Context = kit::RequestContext;

namespace {

AwsError not_found(const std::string& name) { return errors("ParameterNotFound", "Parameter " + name + " not found."); }

Status validate_name(const std::string& name) {
  std::string lowered = text::lower(name[0] == '/' ? name.substr(1) : name);
  if (text::starts_with(lowered, "aws") || text::starts_with(lowered, "ssm"))
    return errors("ValidationException", "No access to reserved parameter name: " + name + ".");
  bool bad_chars = name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/") !=
                   std::string::npos;
  if (bad_chars || (name.find('/') != std::string::npos && name[0] != '/') || name.find("//") != std::string::npos)
    return errors("ValidationException",
                  "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a "
                  "path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a "
                  "mix of letters, numbers and the following 3 symbols .-_");
  if (name.size() > limits::kMaxNameChars)
    return errors("ValidationException", "Parameter name: can't be longer than " +
                                             std::to_string(limits::kMaxNameChars) + " characters.");
  if (std::count(name.begin(), name.end(), '/') > static_cast<long>(limits::kMaxHierarchyLevels))
    return errors("HierarchyLevelLimitExceededException",
                  "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and "
                  "Constraints for Parameter Names in the AWS Systems Manager User Guide.");
  return Status::Ok();
}

// AllowedPattern is a Java regular expression the whole value must match.
Status check_pattern(const std::string& pattern, const std::string& value) {
  if (pattern.empty()) return Status::Ok();
  auto regex = Regex::compile(pattern, Regex::Mode::kWholeValue);
  if (!regex)
    return errors("InvalidAllowedPatternException",
                  "The request includes an invalid regular expression in the AllowedPattern field: " + pattern);
  if (regex->match(value) != Regex::Match::kYes)
    return errors("ParameterPatternMismatchException",
                  "Parameter value, cannot be validated against allowedPattern: " + pattern);
  return Status::Ok();
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
  {
    std::lock_guard lock(mutex_);
    arm_all_policies();
  }
  return run_command_.recover();
}

void Provider::close() { run_command_.stop(); }

void Provider::reset() {
  std::lock_guard lock(mutex_);
  disarm_all_policies();
  run_command_.reset();
  store_->clear();
}

std::string parameter_arn(const storage::Scope& scope, const std::string& name) {
  return "arn:aws:ssm:" + scope.region + ":" + scope.account + ":parameter" + (name[0] == '/' ? name : "/" + name);
}

void Provider::announce(const storage::Scope& scope, const Value& doc, const std::string& operation) {
  Value detail = {{"operation", operation}, {"name", doc["Name"]}, {"type", doc.value("Type", "String")}};
  if (doc.contains("Description")) detail["description"] = doc["Description"];
  auto e = events::Event::about("aws.ssm", "Parameter Store Change", scope.account, scope.region, env_.clock.now(),
                                parameter_arn(scope, doc["Name"]), std::move(detail));
  pending_events_.push_back(std::move(e));
}

void Provider::publish_pending() {
  std::vector<events::Event> events;
  {
    std::lock_guard lock(mutex_);
    events.swap(pending_events_);
  }
  for (const auto& e : events) env_.bus.publish(e);
}

// Not under the kit's lock: a SecureString is encrypted by KMS between
// reading the parameter and storing it.
Result<Output> Provider::put_parameter(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  NUAGE_TRY(validate_name(name));
  std::string type = in.value("Type", "");
  bool overwrite = in.value("Overwrite", false);
  if (overwrite && in.contains("Tags") && !in["Tags"].empty())
    return errors("ValidationException",
                  "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, "
                  "please remove overwrite flag. To update tags for an existing parameter, please use "
                  "AddTagsToResource or RemoveTagsFromResource.");
  const std::string& value = in.at("Value").get_ref<const std::string&>();
  std::string data_type = in.value("DataType", "");
  if (!data_type.empty() && data_type != "text" && data_type != "aws:ec2:image" && data_type != "aws:ssm:integration")
    return errors("ValidationException",
                  "The following data type is not supported: " + data_type + " (Data type names are all lowercase.)");
  std::optional<Value> policies;
  if (in.contains("Policies")) {
    auto parsed = parameter_policies::parse(in["Policies"], timefmt::epoch_seconds(ctx.clock->now()));
    if (!parsed) return parsed.error();
    policies = std::move(*parsed);
  }
  storage::Scope scope = scope_of(ctx);

  // What the new version inherits from the current one.
  std::string key_id, pattern = in.value("AllowedPattern", ""), tier = in.value("Tier", "");
  bool secure = type == "SecureString", was_advanced = false, envelope = false;
  {
    std::lock_guard lock(mutex_);
    if (const Value* existing = store_->get(scope, kParameter, name)) {
      was_advanced = existing->value("Tier", "") == "Advanced";
      if (type.empty()) {
        secure = existing->value("Type", "") == "SecureString";
        key_id = existing->value("KeyId", "");
      }
      if (!in.contains("AllowedPattern")) pattern = existing->value("AllowedPattern", "");
      if (tier.empty()) tier = existing->value("Tier", "Standard");
    }
  }
  if (tier.empty()) tier = "Standard";
  // Intelligent-Tiering picks Advanced when the value or policies need it,
  // and never moves a parameter back down.
  if (tier == "Intelligent-Tiering")
    tier = was_advanced || text::utf8_length(value) > limits::kStandardValueChars || (policies && !policies->empty())
               ? "Advanced"
               : "Standard";
  NUAGE_TRY(limits::check_value(value, tier));
  if (policies && !policies->empty() && tier != "Advanced")
    return errors("ValidationException",
                  "Parameter policies are supported only for advanced tier parameters. Change the parameter tier "
                  "to advanced, and try again.");
  NUAGE_TRY(check_pattern(pattern, value));

  std::string stored_value = value;
  if (secure) {
    key_id = in.value("KeyId", key_id.empty() ? secure_string::kDefaultKey : key_id);
    auto encrypted = secure_string::encrypt(env_, ctx, key_id, parameter_arn(scope, name), stored_value);
    if (!encrypted) return encrypted.error();
    stored_value = std::move(encrypted->stored);
    envelope = encrypted->envelope;
  }

  Output out;
  {
    std::lock_guard lock(mutex_);
    const Value* existing = store_->get(scope, kParameter, name);
    if (existing && !overwrite)
      return errors("ParameterAlreadyExists",
                    "The parameter already exists. To overwrite this value, set the overwrite option in the "
                    "request to true.");
    if (!existing && type.empty())
      return errors("ValidationException", "A parameter type is required when you create a parameter.");
    Value doc = existing ? *existing : Value{{"Version", 0}, {"History", Value::array()}};
    if (existing && doc.value("Tier", "Standard") == "Advanced" && tier == "Standard")
      return errors("ValidationException",
                    "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the "
                    "advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the "
                    "advanced parameter and recreate it as a standard parameter.");
    Value& history = doc["History"];
    if (history.size() >= versions::kMaxVersions) {
      const Value& oldest = history[0];
      if (!oldest.value("Labels", Value::array()).empty())
        return errors("ParameterMaxVersionLimitExceeded",
                      "You attempted to create a new version of " + name +
                          " by calling the PutParameter API with the overwrite flag. Version " +
                          std::to_string(oldest["Version"].get<int64_t>()) +
                          ", the oldest version, can't be deleted because it has a label associated with it. Move "
                          "the label to another version of the parameter, and try again.");
      history.erase(history.begin());
    }
    int64_t version = doc["Version"].get<int64_t>() + 1;
    doc["Name"] = name;
    doc["Value"] = stored_value;
    if (!type.empty()) doc["Type"] = type;
    doc["Version"] = version;
    doc["Tier"] = tier;
    doc["DataType"] = data_type.empty() ? doc.value("DataType", "text") : data_type;
    if (in.contains("Description")) doc["Description"] = in["Description"];
    if (pattern.empty()) doc.erase("AllowedPattern");
    else doc["AllowedPattern"] = pattern;
    if (policies) {
      if (policies->empty()) doc.erase("Policies");
      else doc["Policies"] = *policies;
    } else if (doc.contains("Policies")) {
      doc["Policies"] = parameter_policies::restarted(doc["Policies"]);
    }
    doc["LastModifiedDate"] = timefmt::epoch_seconds(ctx.clock->now());
    doc["LastModifiedUser"] = ctx.caller.arn;
    if (secure) {
      doc["Encrypted"] = true;
      doc["KeyId"] = key_id;
    } else {
      doc.erase("Encrypted");
      doc.erase("KeyId");
    }
    if (envelope) doc["Envelope"] = true;
    else doc.erase("Envelope");
    if (!existing) doc["Tags"] = merge_tags(Value::array(), in.value("Tags", Value::array()));
    if (doc["Tags"].size() > limits::kMaxTags)
      return errors("TooManyTagsError", "The Tags parameter exceeds the maximum of 50 tags for a resource.");
    Value entry = {{"Version", version}, {"Value", stored_value}, {"Labels", Value::array()}};
    for (const char* member : {"Type", "KeyId", "Description", "AllowedPattern", "Tier", "DataType",
                               "LastModifiedDate", "LastModifiedUser", "Policies", "Encrypted", "Envelope"})
      if (doc.contains(member)) entry[member] = doc[member];
    history.push_back(std::move(entry));
    out.value = {{"Version", version}, {"Tier", tier}};
    announce(scope, doc, existing ? "Update" : "Create");
    NUAGE_TRY(store_->put(scope, kParameter, name, doc));
    arm_policies(scope, name);
  }
  publish_pending();
  return out;
}

View Provider::public_view(const storage::Scope& scope, const Value& doc, const Value& entry,
                           const std::string& selector) const {
  Value value = entry["Value"];
  bool encrypted = entry.value("Encrypted", false);
  std::string name = doc["Name"];
  Value type = versions::field(doc, entry, "Type");
  if (type.is_null()) type = doc["Type"];
  View view;
  if (type == "SecureString") {
    if (encrypted) {
      view.encrypted = true;
      view.envelope = entry.value("Envelope", false);
    } else {
      // Stored in clear by an older nuage: its stand-in ciphertext is the
      // one answered then (base64 of the value under a header).
      view.clear = value.get<std::string>();
      value = text::base64_encode("nuage-kms:alias/aws/ssm:" + *view.clear);
    }
  }
  Value modified = versions::field(doc, entry, "LastModifiedDate");
  Value data_type = versions::field(doc, entry, "DataType");
  view.parameter = {{"Name", name},
                    {"Type", type},
                    {"Value", value},
                    {"Version", entry["Version"]},
                    {"LastModifiedDate", modified.is_null() ? doc["LastModifiedDate"] : modified},
                    {"DataType", data_type.is_null() ? Value("text") : data_type},
                    {"ARN", parameter_arn(scope, name)}};
  if (!selector.empty()) view.parameter["Selector"] = selector;
  return view;
}

Result<Output> Provider::answer(Context& ctx, std::vector<View> views, bool decrypt, Output out, const char* member) {
  for (auto& view : views) {
    if (decrypt && view.clear) view.parameter["Value"] = *view.clear;
    if (decrypt && view.encrypted) {
      auto value = secure_string::decrypt(env_, ctx, view.parameter["ARN"], view.parameter["Value"], view.envelope);
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

Result<View> Provider::find_view(const storage::Scope& scope, const std::string& spec) const {
  versions::Selector selector = versions::parse(spec);
  const Value* doc = store_->get(scope, kParameter, selector.name);
  if (!doc) return not_found(spec);
  auto entry = versions::find(*doc, selector);
  if (!entry) return entry.error();
  std::string shown;
  if (selector.version > 0) shown = ":" + std::to_string(selector.version);
  if (!selector.label.empty()) shown = ":" + selector.label;
  return public_view(scope, *doc, **entry, shown);
}

Result<Output> Provider::get_parameter(Context& ctx, const Value& in) {
  const std::string& name = in.at("Name").get_ref<const std::string&>();
  if (secret_references::is_reference(name)) {
    auto parameter = secret_references::resolve(env_, ctx, name, in.value("WithDecryption", false));
    if (!parameter) return parameter.error();
    Output out;
    out.value["Parameter"] = std::move(*parameter);
    return out;
  }
  std::vector<View> views;
  {
    std::lock_guard lock(mutex_);
    auto view = find_view(scope_of(ctx), in.at("Name"));
    if (!view) return view.error();
    views.push_back(std::move(*view));
  }
  return answer(ctx, std::move(views), in.value("WithDecryption", false), Output{}, nullptr);
}

Result<Output> Provider::get_parameters(Context& ctx, const Value& in) {
  Output out;
  out.value["Parameters"] = Value::array();
  out.value["InvalidParameters"] = Value::array();
  std::vector<View> views;
  bool decrypt = in.value("WithDecryption", false);
  for (const auto& selector : in.at("Names")) {
    if (!secret_references::is_reference(selector)) continue;
    auto parameter = secret_references::resolve(env_, ctx, selector, decrypt);
    if (!parameter && parameter.error().code != "ParameterNotFound") return parameter.error();
    if (parameter)
      views.push_back(View{std::move(*parameter), std::nullopt, false});
    else
      out.value["InvalidParameters"].push_back(selector);
  }
  {
    std::lock_guard lock(mutex_);
    for (const auto& selector : in.at("Names")) {
      if (secret_references::is_reference(selector)) continue;
      auto view = find_view(scope_of(ctx), selector);
      if (!view) {
        out.value["InvalidParameters"].push_back(selector);
        continue;
      }
      views.push_back(std::move(*view));
    }
  }
  return answer(ctx, std::move(views), decrypt, std::move(out), "Parameters");
}

Result<Output> Provider::get_parameters_by_path(Context& ctx, const Value& in) {
  auto filters = parameter_filters::parse(in.value("ParameterFilters", Value::array()), parameter_filters::Use::kByPath);
  if (!filters) return filters.error();
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
      const Value& doc = (*it).second;
      const Value* entry = parameter_filters::select(*filters, doc);
      if (!entry) continue;
      views.push_back(public_view(scope_of(ctx), doc, *entry, ""));
    }
  }
  return answer(ctx, std::move(views), in.value("WithDecryption", false), std::move(out), "Parameters");
}

Status Provider::erase_parameter(const storage::Scope& scope, const std::string& name) {
  const Value* doc = store_->get(scope, kParameter, name);
  if (!doc) return not_found(name);
  announce(scope, *doc, "Delete");
  NUAGE_TRY(store_->erase(scope, kParameter, name));
  disarm_policies(scope, name);
  return Status::Ok();
}

Result<Output> Provider::delete_parameter(Context& ctx, const Value& in) {
  {
    std::lock_guard lock(mutex_);
    NUAGE_TRY(erase_parameter(scope_of(ctx), in.at("Name")));
  }
  publish_pending();
  return Output{};
}

Result<Output> Provider::delete_parameters(Context& ctx, const Value& in) {
  Output out;
  out.value["DeletedParameters"] = Value::array();
  out.value["InvalidParameters"] = Value::array();
  {
    std::lock_guard lock(mutex_);
    NUAGE_TRY(store_->transaction([&]() -> Status {
      for (const auto& name : in.at("Names")) {
        bool present = store_->get(scope_of(ctx), kParameter, name) != nullptr;
        if (present) NUAGE_TRY(erase_parameter(scope_of(ctx), name));
        out.value[present ? "DeletedParameters" : "InvalidParameters"].push_back(name);
      }
      return Status::Ok();
    }));
  }
  publish_pending();
  return out;
}

// The parameter ARNs a call names (Name, Names, Path, or a tagging call's
// ResourceId).
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
  if (in.value("ResourceType", "") == "Parameter" && in.contains("ResourceId") && in["ResourceId"].is_string())
    return {arn(in["ResourceId"].get<std::string>())};
  if (auto it = in.find("Names"); it != in.end() && it->is_array())
    for (const auto& n : *it)
      if (n.is_string()) out.push_back(arn(n.get<std::string>()));
  if (out.empty()) out.push_back("*");
  return out;
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(parameter_arns);
  // These call KMS for SecureString values, or publish events: they take
  // mutex_ themselves, never around the call.
  table.add("PutParameter", this, &Provider::put_parameter);
  table.add("GetParameter", this, &Provider::get_parameter);
  table.add("GetParameters", this, &Provider::get_parameters);
  table.add("GetParametersByPath", this, &Provider::get_parameters_by_path);
  table.add("GetParameterHistory", this, &Provider::get_parameter_history);
  table.add("DeleteParameter", this, &Provider::delete_parameter);
  table.add("DeleteParameters", this, &Provider::delete_parameters);
  table.add("LabelParameterVersion", this, &Provider::label_parameter_version);
  table.add_locked("UnlabelParameterVersion", this, mutex_, &Provider::unlabel_parameter_version);
  table.add_locked("DescribeParameters", this, mutex_, &Provider::describe_parameters);
  table.add_locked("AddTagsToResource", this, mutex_, &Provider::add_tags_to_resource);
  table.add_locked("RemoveTagsFromResource", this, mutex_, &Provider::remove_tags_from_resource);
  table.add_locked("ListTagsForResource", this, mutex_, &Provider::list_tags_for_resource);
  automation_.register_operations(table);
  managed_.register_operations(table);
  run_command_.register_operations(table);
}

}  // namespace nuage::services::ssm
