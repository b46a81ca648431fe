// Labels on parameter versions (LabelParameterVersion,
// UnlabelParameterVersion) and the versions themselves
// (GetParameterHistory), as "Working with parameter labels" describes: a
// label names one version of a parameter at a time (labelling another
// version moves it), at most ten per version, refused labels answered in
// InvalidLabels rather than as an error.
#include <algorithm>

#include "services/ssm/errors.h"
#include "services/ssm/parameter_versions.h"
#include "services/ssm/provider.h"

namespace nuage::services::ssm {

using kit::Output;
using kit::Value;

namespace {

AwsError version_not_found(const std::string& name, int64_t version) {
  return errors("ParameterVersionNotFound", "Systems Manager could not find version " + std::to_string(version) +
                                                " of " + name + ". Verify the version and try again.");
}

bool has_label(const Value& entry, const std::string& label) {
  const Value& labels = entry["Labels"];
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

void drop_label(Value& entry, const std::string& label) {
  Value& labels = entry["Labels"];
  labels.erase(std::remove(labels.begin(), labels.end(), label), labels.end());
}

// Entries of an older nuage have no Labels member.
Value& history_of(Value& doc) {
  Value& history = doc["History"];
  for (auto& entry : history)
    if (!entry.contains("Labels")) entry["Labels"] = Value::array();
  return history;
}

}  // namespace

Result<Output> Provider::label_parameter_version(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  storage::Scope scope = scope_of(ctx);
  Output out;
  {
    std::lock_guard lock(mutex_);
    const Value* stored = store_->get(scope, kParameter, name);
    if (!stored) return errors("ParameterNotFound", "Parameter " + name + " not found.");
    Value doc = *stored;
    int64_t version = in.contains("ParameterVersion") ? in["ParameterVersion"].get<int64_t>()
                                                      : doc["Version"].get<int64_t>();
    Value& history = history_of(doc);
    auto target = std::find_if(history.begin(), history.end(), [&](const Value& e) { return e["Version"] == version; });
    if (target == history.end()) return version_not_found(name, version);
    Value invalid = Value::array();
    std::vector<std::string> adding;
    for (const auto& label_value : in.at("Labels")) {
      std::string label = label_value;
      if (!versions::valid_label(label)) {
        invalid.push_back(label);
        continue;
      }
      if (!has_label(*target, label) && std::find(adding.begin(), adding.end(), label) == adding.end())
        adding.push_back(label);
    }
    if ((*target)["Labels"].size() + adding.size() > versions::kMaxLabelsPerVersion)
      return errors("ParameterVersionLabelLimitExceeded",
                    "A parameter version can have maximum 10 labels.Move one or more labels to another version and "
                    "try again.");
    for (const auto& label : adding) {
      for (auto& entry : history) drop_label(entry, label);  // a label moves from the version it named
      (*target)["Labels"].push_back(label);
    }
    if (!adding.empty()) {
      announce(scope, doc, "LabelParameterVersion");
      NUAGE_TRY(store_->put(scope, kParameter, name, doc));
    }
    out.value = {{"InvalidLabels", invalid}, {"ParameterVersion", version}};
  }
  publish_pending();
  return out;
}

Result<Output> Provider::unlabel_parameter_version(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  storage::Scope scope = scope_of(ctx);
  const Value* stored = store_->get(scope, kParameter, name);
  if (!stored) return errors("ParameterNotFound", "Parameter " + name + " not found.");
  Value doc = *stored;
  int64_t version = in.at("ParameterVersion");
  Value& history = history_of(doc);
  auto target = std::find_if(history.begin(), history.end(), [&](const Value& e) { return e["Version"] == version; });
  if (target == history.end()) return version_not_found(name, version);
  Output out;
  out.value = {{"RemovedLabels", Value::array()}, {"InvalidLabels", Value::array()}};
  for (const auto& label_value : in.at("Labels")) {
    std::string label = label_value;
    bool present = has_label(*target, label);
    if (present) drop_label(*target, label);
    out.value[present ? "RemovedLabels" : "InvalidLabels"].push_back(label);
  }
  if (!out.value["RemovedLabels"].empty()) NUAGE_TRY(store_->put(scope, kParameter, name, doc));
  return out;
}

Result<Output> Provider::get_parameter_history(Context& ctx, const Value& in) {
  std::string name = in.at("Name");
  storage::Scope scope = scope_of(ctx);
  size_t limit = in.value("MaxResults", 50);
  bool decrypt = in.value("WithDecryption", false);
  std::vector<View> views;
  std::vector<Value> entries;
  Output out;
  {
    std::lock_guard lock(mutex_);
    const Value* doc = store_->get(scope, kParameter, name);
    if (!doc) return errors("ParameterNotFound", "Parameter " + name + " not found.");
    const Value& history = (*doc)["History"];
    size_t start = 0;
    if (in.contains("NextToken")) {
      auto after = storage::ResourceStore::from_page_token(in["NextToken"]);
      if (!after || after->find_first_not_of("0123456789") != std::string::npos || after->empty())
        return errors("InvalidNextToken", "The specified token isn't valid.");
      int64_t last = std::stoll(*after);
      while (start < history.size() && history[start]["Version"].get<int64_t>() <= last) ++start;
    }
    for (size_t i = start; i < history.size(); ++i) {
      if (views.size() == limit) {
        out.value["NextToken"] = storage::ResourceStore::page_token(std::to_string(history[i - 1]["Version"].get<int64_t>()));
        break;
      }
      const Value& entry = history[i];
      views.push_back(public_view(scope, *doc, entry, ""));
      Value meta = {{"Name", name}, {"Labels", entry.value("Labels", Value::array())}};
      for (const char* member : {"KeyId", "Description", "AllowedPattern", "Tier", "DataType", "LastModifiedUser",
                                 "Policies"}) {
        Value v = versions::field(*doc, entry, member);
        if (!v.is_null()) meta[member] = v;
      }
      if (!meta.contains("Tier")) meta["Tier"] = "Standard";
      if (!meta.contains("Policies")) meta["Policies"] = Value::array();
      entries.push_back(std::move(meta));
    }
  }
  // The values (decrypted when asked) as GetParameter shows them, with each
  // version's metadata beside.
  auto answered = answer(ctx, std::move(views), decrypt, Output{}, "Parameters");
  if (!answered) return answered.error();
  out.value["Parameters"] = Value::array();
  const Value& shown = answered->value["Parameters"];
  for (size_t i = 0; i < entries.size(); ++i) {
    Value item = std::move(entries[i]);
    for (const char* member : {"Type", "Value", "Version", "LastModifiedDate"}) item[member] = shown[i][member];
    out.value["Parameters"].push_back(std::move(item));
  }
  return out;
}

}  // namespace nuage::services::ssm
