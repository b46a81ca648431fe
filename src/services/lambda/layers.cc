#include "services/lambda/layers.h"

#include <algorithm>
#include <map>

#include "common/text.h"
#include "services/lambda/errors.h"

namespace nuage::services::lambda {

namespace {

// The versions of `layer` in `scope`, by number.
std::map<int64_t, const Value*> versions_of(const storage::ResourceStore& store, const LayerRef& layer) {
  std::map<int64_t, const Value*> out;
  std::string prefix = layer.name + ":";
  auto view = store.all(layer.scope(), kLayerVersion);
  for (auto it = view.after(prefix); it != view.end(); ++it) {
    auto [id, doc] = *it;
    if (!text::starts_with(id, prefix)) break;
    out[doc["Version"].get<int64_t>()] = &doc;
  }
  return out;
}

bool compatible(const Value& doc, const std::string& runtime) {
  if (runtime.empty() || !doc.contains("CompatibleRuntimes")) return true;
  const Value& runtimes = doc["CompatibleRuntimes"];
  return std::find(runtimes.begin(), runtimes.end(), runtime) != runtimes.end();
}

Value content(const Code& code, const Value& doc) {
  return {{"Location", code.location(doc["code"]["blob"])},
          {"CodeSha256", doc["code"]["CodeSha256"]},
          {"CodeSize", doc["code"]["size"]}};
}

}  // namespace

Result<Value> Layers::resolve(const Value& arns) const {
  Value out = Value::array();
  if (!arns.is_array()) return out;
  if (arns.size() > 5) return errors("InvalidParameterValueException", "Cannot reference more than 5 layers.");
  for (const auto& a : arns) {
    std::string arn = a.get<std::string>();
    auto p = text::split(arn, ':');
    if (p.size() != 8 || p[0] != "arn" || p[2] != "lambda" || p[5] != "layer" || !is_number(p[7]))
      return errors("ValidationException",
                    "1 validation error detected: Value '[" + arn +
                        "]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: "
                        "[Member must have length less than or equal to 140, Member must have length greater "
                        "than or equal to 1, Member must satisfy regular expression pattern: "
                        "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|"
                        "(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]");
    const Value* layer =
        shared_.store->get({p[4], p[3]}, kLayerVersion, layer_version_id(p[6], std::stoll(p[7])));
    if (!layer) return errors("InvalidParameterValueException", "Layer version " + arn + " does not exist.");
    const Value& code = (*layer)["code"];
    out.push_back({{"Arn", arn},
                   {"CodeSize", code["size"]},
                   {"blob", code["blob"]},
                   {"sha_hex", code["sha_hex"]},
                   {"unzipped", code["unzipped"]}});
  }
  return out;
}

Result<Output> Layers::publish_layer_version(Context& ctx, const Value& in) {
  LayerRef layer = layer_ref(ctx, in.at("LayerName"));
  auto code = code_.store(ctx, in.at("Content"), "PublishLayerVersion");
  if (!code) return code.take_error();
  std::lock_guard lock(shared_.mutex);
  storage::ResourceStore& store = *shared_.store;
  std::string arn = layer_arn(layer.region, layer.account, layer.name);
  const Value* known = store.get(layer.scope(), kLayer, layer.name);
  Value counter = known ? *known : Value{{"LayerName", layer.name}, {"LayerArn", arn}, {"next_version", 1}};
  int64_t version = counter["next_version"].get<int64_t>();
  counter["next_version"] = version + 1;
  Value doc = {{"LayerArn", arn},
               {"LayerVersionArn", arn + ":" + std::to_string(version)},
               {"Description", in.value("Description", "")},
               {"CreatedDate", lambda_time(ctx.clock->now())},
               {"Version", version},
               {"code", *code},
               {"policy", Value::array()}};
  for (const char* k : {"CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"})
    if (in.contains(k)) doc[k] = in[k];
  Output out;
  out.value = doc;
  NUAGE_TRY(store.transaction([&]() -> Status {
    NUAGE_TRY(store.put(layer.scope(), kLayer, layer.name, std::move(counter)));
    return store.put(layer.scope(), kLayerVersion, layer_version_id(layer.name, version), std::move(doc));
  }));
  out.value["Content"] = content(code_, out.value);
  return out;
}

Result<Output> Layers::answer_version(const LayerRef& layer, int64_t version) const {
  const Value* doc = shared_.store->get(layer.scope(), kLayerVersion, layer_version_id(layer.name, version));
  if (!doc) return layer_not_found();
  Output out;
  out.value = *doc;
  out.value["Content"] = content(code_, *doc);
  return out;
}

Result<Output> Layers::get_layer_version(Context& ctx, const Value& in) {
  return answer_version(layer_ref(ctx, in.at("LayerName")), in.at("VersionNumber"));
}

Result<Output> Layers::get_layer_version_by_arn(Context&, const Value& in) {
  std::string arn = in.at("Arn");
  auto p = text::split(arn, ':');
  if (p.size() != 8 || !is_number(p[7]))
    return errors("InvalidParameterValueException", "Invalid layer version ARN: " + arn);
  return answer_version(LayerRef{p[4], p[3], p[6]}, std::stoll(p[7]));
}

Result<Output> Layers::list_layer_versions(Context& ctx, const Value& in) {
  LayerRef layer = layer_ref(ctx, in.at("LayerName"));
  std::string runtime = in.value("CompatibleRuntime", "");
  Output out;
  out.value["LayerVersions"] = Value::array();
  auto versions = versions_of(*shared_.store, layer);
  for (auto it = versions.rbegin(); it != versions.rend(); ++it)
    if (compatible(*it->second, runtime)) out.value["LayerVersions"].push_back(*it->second);
  return out;
}

Result<Output> Layers::list_layers(Context& ctx, const Value& in) {
  std::string runtime = in.value("CompatibleRuntime", "");
  // The highest matching version of each layer, by name.
  std::map<std::string, std::pair<int64_t, const Value*>> latest;
  for (auto [id, doc] : shared_.store->all({ctx.account_id, ctx.region}, kLayerVersion)) {
    if (!compatible(doc, runtime)) continue;
    std::string name = id.substr(0, id.rfind(':'));
    int64_t version = doc["Version"].get<int64_t>();
    auto it = latest.find(name);
    if (it == latest.end() || it->second.first < version) latest[name] = {version, &doc};
  }
  Output out;
  out.value["Layers"] = Value::array();
  for (const auto& [name, version] : latest) {
    const Value& doc = *version.second;
    out.value["Layers"].push_back({{"LayerName", name}, {"LayerArn", doc["LayerArn"]}, {"LatestMatchingVersion", doc}});
  }
  return out;
}

Result<Output> Layers::delete_layer_version(Context& ctx, const Value& in) {
  LayerRef layer = layer_ref(ctx, in.at("LayerName"));
  std::string id = layer_version_id(layer.name, in.at("VersionNumber"));
  if (shared_.store->get(layer.scope(), kLayerVersion, id)) NUAGE_TRY(shared_.store->erase(layer.scope(), kLayerVersion, id));
  return Output{};
}

void Layers::register_operations(kit::OperationTable& table) {
  // PublishLayerVersion locks itself: it reads S3 first.
  table.add("PublishLayerVersion", this, &Layers::publish_layer_version);
  table.add_locked("GetLayerVersion", this, shared_.mutex, &Layers::get_layer_version);
  table.add_locked("GetLayerVersionByArn", this, shared_.mutex, &Layers::get_layer_version_by_arn);
  table.add_locked("ListLayers", this, shared_.mutex, &Layers::list_layers);
  table.add_locked("ListLayerVersions", this, shared_.mutex, &Layers::list_layer_versions);
  table.add_locked("DeleteLayerVersion", this, shared_.mutex, &Layers::delete_layer_version);
}

}  // namespace nuage::services::lambda
